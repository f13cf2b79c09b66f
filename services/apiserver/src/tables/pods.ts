/**
 * The pod row: READY, STATUS and RESTARTS are computed from container statuses the
 * way kubectl shows them (Init:1/2, CrashLoopBackOff, Completed, Terminating, …).
 */
import type { KubeObject } from "@flotilla/api";
import { since } from "./duration.ts";
import { AGE_COL, col, nameCol } from "./format.ts";
import type { ColumnDefinition, TableRowCondition } from "./types.ts";

interface ContainerState {
  waiting?: { reason?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; exitCode?: number; signal?: number; finishedAt?: string };
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

interface PodCondition {
  type: string;
  status: string;
  reason?: string;
}

interface PodShape {
  spec?: {
    nodeName?: string;
    containers?: { name: string }[];
    initContainers?: { name: string; restartPolicy?: string }[];
    readinessGates?: { conditionType: string }[];
  };
  status?: {
    phase?: string;
    reason?: string;
    conditions?: PodCondition[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
    podIP?: string;
    podIPs?: { ip: string }[];
    nominatedNodeName?: string;
  };
}

/** Columns of `kubectl get pod` (wide ones at priority 1). */
export const POD_COLUMNS: readonly ColumnDefinition[] = [
  nameCol(),
  col("Ready", "string", "Ready containers out of all containers (sidecars included)."),
  col("Status", "string", "The pod's phase, or the reason a container is not running."),
  col("Restarts", "string", "Container restarts, and how long ago the last one was."),
  AGE_COL,
  col("IP", "string", "The pod's IP address.", true),
  col("Node", "string", "The node the pod is bound to.", true),
  col("Nominated Node", "string", "The node the scheduler nominated while preempting for this pod.", true),
  col("Readiness Gates", "string", "Readiness gates that are true out of all gates.", true),
];

/** Why a pod is "Unknown" rather than "Terminating": its node stopped reporting. */
const NODE_LOST_REASON = "NodeLost";

/** Tracks the restart count and the latest restart time over a set of containers. */
class Restarts {
  count = 0;
  lastMs = 0;
  add(s: ContainerStatus): void {
    this.count += s.restartCount ?? 0;
    const finished = s.lastState?.terminated?.finishedAt;
    const t = finished ? Date.parse(finished) : NaN;
    if (!Number.isNaN(t) && t > this.lastMs) this.lastMs = t;
  }
}

function hasCondition(pod: PodShape, type: string): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === type && c.status === "True");
}

function terminatedText(t: NonNullable<ContainerState["terminated"]>, prefix: string): string {
  if (t.reason) return prefix + t.reason;
  return t.signal ? `${prefix}Signal:${t.signal}` : `${prefix}ExitCode:${t.exitCode ?? 0}`;
}

interface Tally {
  reason: string;
  ready: number;
  all: Restarts;
  sidecars: Restarts;
  initializing: boolean;
}

/** Walk init containers in order; the first that has not finished decides the status. */
function tallyInit(pod: PodShape, tally: Tally): void {
  const specs = pod.spec?.initContainers ?? [];
  const sidecar = new Set(specs.filter((c) => c.restartPolicy === "Always").map((c) => c.name));
  const statuses = pod.status?.initContainerStatuses ?? [];
  for (const [i, s] of statuses.entries()) {
    tally.all.add(s);
    if (sidecar.has(s.name)) tally.sidecars.add(s);
    const term = s.state?.terminated;
    if (term && (term.exitCode ?? 0) === 0) continue;
    if (sidecar.has(s.name) && s.started) {
      if (s.ready) tally.ready++;
      continue;
    }
    tally.initializing = true;
    const waiting = s.state?.waiting?.reason;
    if (term) tally.reason = terminatedText(term, "Init:");
    else if (waiting && waiting !== "PodInitializing") tally.reason = `Init:${waiting}`;
    else tally.reason = `Init:${i}/${specs.length}`;
    return;
  }
}

/** Walk app containers last to first, so the first container's state wins. */
function tallyContainers(pod: PodShape, tally: Tally): Restarts {
  const restarts = tally.sidecars;
  let hasRunning = false;
  const statuses = pod.status?.containerStatuses ?? [];
  for (let i = statuses.length - 1; i >= 0; i--) {
    const s = statuses[i]!;
    restarts.add(s);
    const waiting = s.state?.waiting?.reason;
    const term = s.state?.terminated;
    if (waiting) tally.reason = waiting;
    else if (term) tally.reason = terminatedText(term, "");
    else if (s.ready && s.state?.running) {
      hasRunning = true;
      tally.ready++;
    }
  }
  // A container still running after another completed means the pod is still up.
  if (tally.reason === "Completed" && hasRunning) tally.reason = hasCondition(pod, "Ready") ? "Running" : "NotReady";
  return restarts;
}

function initialReason(pod: PodShape): string {
  let reason = pod.status?.reason || pod.status?.phase || "";
  for (const c of pod.status?.conditions ?? []) {
    if (c.type === "PodScheduled" && c.reason === "SchedulingGated") reason = "SchedulingGated";
  }
  return reason;
}

function readinessGates(pod: PodShape): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return "<none>";
  const conditions = pod.status?.conditions ?? [];
  const trueCount = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === "True").length;
  return `${trueCount}/${gates.length}`;
}

/** Cells for one pod, wide columns included (kubectl drops them without -o wide). */
export function podRow(obj: KubeObject, now: Date): unknown[] {
  const pod = obj as PodShape & KubeObject;
  const sidecarCount = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always").length;
  const total = (pod.spec?.containers ?? []).length + sidecarCount;
  const tally: Tally = { reason: initialReason(pod), ready: 0, all: new Restarts(), sidecars: new Restarts(), initializing: false };
  tallyInit(pod, tally);
  const restarts = !tally.initializing || hasCondition(pod, "Initialized") ? tallyContainers(pod, tally) : tally.all;

  const phase = pod.status?.phase;
  if (pod.metadata.deletionTimestamp && pod.status?.reason === NODE_LOST_REASON) tally.reason = "Unknown";
  else if (pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed") tally.reason = "Terminating";

  let restartText = String(restarts.count);
  if (restarts.count !== 0 && restarts.lastMs > 0) restartText += ` (${since(new Date(restarts.lastMs).toISOString(), now)} ago)`;

  const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || "<none>";
  return [
    pod.metadata.name ?? "",
    `${tally.ready}/${total}`,
    tally.reason,
    restartText,
    since(pod.metadata.creationTimestamp, now),
    ip,
    pod.spec?.nodeName || "<none>",
    pod.status?.nominatedNodeName || "<none>",
    readinessGates(pod),
  ];
}

/** Finished pods carry a Completed row condition, which kubectl uses to tell them apart. */
export function podRowConditions(obj: KubeObject): TableRowCondition[] | undefined {
  const phase = (obj as PodShape).status?.phase;
  if (phase === "Succeeded") return [{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod ran to completion." }];
  if (phase === "Failed") return [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }];
  return undefined;
}
