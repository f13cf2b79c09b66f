/**
 * The node controller's decisions, as pure functions: when a silent node's conditions go
 * Unknown, which taints follow its Ready condition, which pods lose readiness, and which
 * pods are evicted. The caller owns the clock, the heartbeat table and all writes.
 *
 * Kubernetes semantics (pkg/controller/nodelifecycle and the taint-eviction controller):
 * the kubelet owns Ready=True; the controller only ever writes Unknown, and taints the node
 * from whatever the Ready condition says.
 */
import { toleratesTaint, type NodeObject, type PodObject, type Taint } from "@flotilla/api";
import { rfc3339 } from "@flotilla/api/time";

type NodeCondition = NonNullable<NonNullable<NodeObject["status"]>["conditions"]>[number];

/** Taint key for a node whose Ready condition is Unknown (its kubelet went silent). */
export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
/** Taint key for a node whose kubelet reports Ready=False. */
export const TAINT_NOT_READY = "node.kubernetes.io/not-ready";

/** Settings of the node lifecycle decisions. */
export interface NodeLifecycleConfig {
  /**
   * How long a node may go without a heartbeat before its conditions become Unknown.
   * @default 2000
   */
  gracePeriodMs: number;
  /**
   * When set, caps every pod's NoExecute `tolerationSeconds` (also the 300 s default
   * tolerations that pod defaulting adds), so tests and small fleets can evict within
   * seconds. Tolerations without `tolerationSeconds` (tolerate forever) are not capped,
   * and untolerated pods are evicted at once either way.
   * @default undefined (the pods' own tolerations decide)
   */
  podEvictionTimeoutMs?: number;
}

/**
 * Kubelets heartbeat over NATS every 1 s, so 2 s of silence means a heartbeat was missed
 * and the next is already late (a heartbeat up to 1 s late is forgiven). A node can be
 * killed right after a heartbeat, so the worst case from kill to NotReady is the whole
 * grace plus a monitor tick (100 ms) plus the status write: measured 2.3–2.6 s, where
 * 2.5 s of grace gave up to 3.2 s (bench/node-failure.bench.ts splits the two). The
 * largest gap between two heartbeats of a node over a 10-minute soak of 1,000 nodes is
 * in bench/RESULTS.md. Kubernetes' 40 s assumes 10 s status posts to etcd; ours cost
 * nothing, so the grace can be this short. Eviction waits for the tolerations (300 s
 * by default), so a flap only costs readiness, not pods.
 */
export const NODE_LIFECYCLE_DEFAULTS: Readonly<NodeLifecycleConfig> = Object.freeze({ gracePeriodMs: 2000 });

/** Conditions the controller turns Unknown when the kubelet falls silent, as Kubernetes does. */
const SILENT_CONDITION_TYPES = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] as const;
const EFFECTS = ["NoExecute", "NoSchedule"] as const;

function parseTime(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

function condition(node: NodeObject, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/**
 * Decide a node's health from its last heartbeat: past the grace period, Ready,
 * MemoryPressure, DiskPressure and PIDPressure become Unknown (reason NodeStatusUnknown;
 * missing ones are added with reason NodeStatusNeverUpdated), keeping lastHeartbeatTime
 * and setting lastTransitionTime to now. The taints are then brought in line with Ready
 * ({@link taintUpdate}), so this is also the pass that removes taints once the kubelet has
 * reported Ready=True again.
 *
 * The result may change both `status.conditions` and `spec.taints`: write the first through
 * the status subresource and the second through the node itself.
 *
 * @param lastHeartbeatMs when the node's kubelet was last heard on the bus; undefined if never.
 * @param sinceMs used when `lastHeartbeatMs` is undefined: pass the controller's start time,
 *   so a node is not declared dead merely because this controller has not heard it yet.
 *   When both are undefined, the Ready condition's lastHeartbeatTime, then the node's
 *   creationTimestamp, stand in; with none of them nothing changes.
 * @returns an updated copy, or undefined when nothing changes. The input is not modified.
 */
export function nodeStatusUpdate(
  node: NodeObject,
  lastHeartbeatMs: number | undefined,
  nowMs: number,
  cfg: NodeLifecycleConfig = NODE_LIFECYCLE_DEFAULTS,
  sinceMs?: number,
): NodeObject | undefined {
  const heardMs = lastHeartbeatMs ?? sinceMs ?? parseTime(condition(node, "Ready")?.lastHeartbeatTime) ?? parseTime(node.metadata?.creationTimestamp);
  const silent = heardMs !== undefined && nowMs - heardMs > cfg.gracePeriodMs;
  const unknown = silent ? markConditionsUnknown(node, nowMs) : undefined;
  return taintUpdate(unknown ?? node, nowMs) ?? unknown;
}

function markConditionsUnknown(node: NodeObject, nowMs: number): NodeObject | undefined {
  // Checked before cloning: this runs for every node on every pass.
  if (SILENT_CONDITION_TYPES.every((t) => condition(node, t)?.status === "Unknown")) return undefined;
  const next = structuredClone(node);
  const status = (next.status ??= {});
  const conditions = (status.conditions ??= []);
  const now = rfc3339(nowMs);
  for (const type of SILENT_CONDITION_TYPES) {
    const c = conditions.find((x) => x.type === type);
    if (c === undefined) {
      const missing: NodeCondition = { type, status: "Unknown", reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status.", lastTransitionTime: now };
      if (next.metadata?.creationTimestamp !== undefined) missing.lastHeartbeatTime = next.metadata.creationTimestamp;
      conditions.push(missing);
    } else if (c.status !== "Unknown") {
      // lastHeartbeatTime stays: it records when the kubelet last spoke, which is the point.
      Object.assign(c, { status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastTransitionTime: now });
    }
  }
  return next;
}

/** The taint key the Ready status calls for: none for True, not-ready for False, else unreachable. */
function wantedTaintKey(node: NodeObject): string | undefined {
  const ready = condition(node, "Ready")?.status;
  if (ready === undefined || ready === "True") return undefined;
  return ready === "False" ? TAINT_NOT_READY : TAINT_UNREACHABLE;
}

function isLifecycleTaint(t: Taint): boolean {
  return (t.key === TAINT_UNREACHABLE || t.key === TAINT_NOT_READY) && (t.effect === "NoExecute" || t.effect === "NoSchedule");
}

/**
 * Bring the node's lifecycle taints in line with its Ready condition: Ready=Unknown wants
 * `node.kubernetes.io/unreachable` and Ready=False `node.kubernetes.io/not-ready`, each with
 * effects NoExecute (stamped with timeAdded) and NoSchedule; Ready=True wants neither. A
 * node without a Ready condition keeps its lifecycle taints (the kubelet has not spoken).
 * Taints already present keep their timeAdded, so eviction deadlines do not move; other
 * taints are left alone, except that a NoExecute taint without timeAdded (e.g. added by
 * hand) gets now: that is when eviction deadlines for it start, and writing it down makes
 * them survive a controller restart.
 * @returns an updated copy, or undefined when the taints are already right.
 */
export function taintUpdate(node: NodeObject, nowMs: number): NodeObject | undefined {
  const current = node.spec?.taints ?? [];
  const hasReady = condition(node, "Ready") !== undefined;
  const wanted = wantedTaintKey(node);
  // Milliseconds kept when there are any (RFC 3339 allows them; Kubernetes clients parse
  // them): eviction deadlines count from timeAdded, and whole seconds would move them up
  // to a second early.
  // Formatted only when a taint is stamped: this runs for every node on every pass.
  const now = () => (nowMs % 1000 === 0 ? rfc3339(nowMs) : new Date(nowMs).toISOString());
  let changed = false;
  const next: Taint[] = [];
  for (const t of current) {
    if (hasReady && isLifecycleTaint(t) && t.key !== wanted) {
      changed = true;
    } else if (t.effect === "NoExecute" && t.timeAdded === undefined) {
      next.push({ ...t, timeAdded: now() });
      changed = true;
    } else {
      next.push(t);
    }
  }
  if (wanted !== undefined) {
    for (const effect of EFFECTS) {
      if (next.some((t) => t.key === wanted && t.effect === effect)) continue;
      // Kubernetes stamps only NoExecute taints: timeAdded drives eviction, nothing else.
      next.push(effect === "NoExecute" ? { key: wanted, effect, timeAdded: now() } : { key: wanted, effect });
      changed = true;
    }
  }
  if (!changed) return undefined;
  const out = structuredClone(node);
  const spec = (out.spec ??= {});
  if (next.length === 0) delete spec.taints;
  else spec.taints = structuredClone(next);
  return out;
}

/**
 * Pods whose Ready condition must become False because their node stopped reporting (the
 * caller passes the pods bound to a node whose Ready just left True). Ready becomes False
 * with reason NodeNotReady and message "Node is not ready"; other fields are kept. Pods
 * without a Ready condition, or already not ready, are left out, so a repeated pass is a
 * no-op.
 * @param nowMs when given, becomes the lastTransitionTime of the changed condition; when
 *   omitted the old lastTransitionTime is kept.
 * @returns updated copies; the inputs (shared cache objects) are not modified.
 */
export function podsToMarkNotReady(pods: readonly PodObject[], nowMs?: number): PodObject[] {
  const out: PodObject[] = [];
  for (const pod of pods) {
    const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
    if (ready === undefined || ready.status === "False") continue;
    const copy = structuredClone(pod);
    const c = copy.status!.conditions!.find((x) => x.type === "Ready")!;
    Object.assign(c, { status: "False", reason: "NodeNotReady", message: "Node is not ready" });
    if (nowMs !== undefined) c.lastTransitionTime = rfc3339(nowMs);
    out.push(copy);
  }
  return out;
}

/**
 * When the pod must leave a node carrying these NoExecute taints: -Infinity when some
 * taint is not tolerated, undefined when every matching toleration tolerates forever.
 * As in Kubernetes, each taint is matched by the pod's first toleration that tolerates it,
 * and the shortest finite tolerationSeconds among those wins; ours counts from each
 * taint's timeAdded instead of from when the controller happened to see it.
 */
function evictionTimeMs(pod: PodObject, taints: readonly Taint[], nowMs: number, cfg: NodeLifecycleConfig): number | undefined {
  const tolerations = pod.spec?.tolerations ?? [];
  let at: number | undefined;
  for (const taint of taints) {
    const tol = tolerations.find((t) => toleratesTaint(t, taint));
    if (tol === undefined) return -Infinity;
    if (tol.tolerationSeconds === undefined) continue;
    let waitMs = Math.max(0, tol.tolerationSeconds) * 1000;
    if (cfg.podEvictionTimeoutMs !== undefined) waitMs = Math.min(waitMs, cfg.podEvictionTimeoutMs);
    // Not stamped yet (taintUpdate stamps it on the next pass): count from now.
    const addedMs = parseTime(taint.timeAdded) ?? nowMs;
    at = Math.min(at ?? Infinity, addedMs + waitMs);
  }
  return at;
}

function exempt(pod: PodObject, nodeName: string | undefined): boolean {
  if (pod.metadata?.deletionTimestamp !== undefined) return true;
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return true;
  // Defensive, as Kubernetes is: only pods bound to this node are its concern.
  if (pod.spec?.nodeName !== nodeName) return true;
  // DaemonSet pods belong on every node; Kubernetes gives them forever-tolerations for these taints.
  return pod.metadata?.ownerReferences?.some((r) => r.kind === "DaemonSet") ?? false;
}

/**
 * Taint-based eviction: which of the node's pods to delete now because a NoExecute taint
 * has been on the node longer than the pod tolerates it. A pod with no toleration for some
 * NoExecute taint goes at once; a matching toleration without tolerationSeconds keeps it
 * forever; `cfg.podEvictionTimeoutMs` caps tolerationSeconds. Pods being deleted,
 * Succeeded or Failed pods, DaemonSet pods and pods bound elsewhere are skipped.
 * @returns the pods to delete (the input objects, unmodified) and the earliest future time
 *   another pod becomes due, or undefined when none will without a change.
 */
export function evictions(
  node: NodeObject,
  pods: readonly PodObject[],
  nowMs: number,
  cfg: NodeLifecycleConfig = NODE_LIFECYCLE_DEFAULTS,
): { evict: PodObject[]; nextCheckMs: number | undefined } {
  const evict: PodObject[] = [];
  let nextCheckMs: number | undefined;
  const taints = (node.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
  if (taints.length === 0) return { evict, nextCheckMs };
  const nodeName = node.metadata?.name;
  for (const pod of pods) {
    if (exempt(pod, nodeName)) continue;
    const at = evictionTimeMs(pod, taints, nowMs, cfg);
    if (at === undefined) continue;
    if (at <= nowMs) evict.push(pod);
    else nextCheckMs = Math.min(nextCheckMs ?? Infinity, at);
  }
  return { evict, nextCheckMs };
}
