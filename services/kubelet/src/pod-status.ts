/**
 * A pod's status from what the kubelet knows of its containers: phase, conditions and
 * containerStatuses as Kubernetes reports them. Pure, so every rule is unit-tested.
 */
import type { PodObject } from "@flotilla/api";
import type { ContainerState, RuntimeContainer } from "./runtime/types.ts";

type PodStatus = NonNullable<PodObject["status"]>;
type Condition = NonNullable<PodStatus["conditions"]>[number];
type ContainerStatus = NonNullable<PodStatus["containerStatuses"]>[number];

/** What the pod worker knows about one container. */
export interface ContainerView {
  name: string;
  image: string;
  /** The latest attempt, if one was started. */
  current?: RuntimeContainer | undefined;
  /** The attempt before it: Kubernetes' lastState. */
  previous?: RuntimeContainer | undefined;
  restartCount: number;
  /** Why it is not running now (ContainerCreating, CrashLoopBackOff, CreateContainerConfigError, ...). */
  waiting?: { reason: string; message?: string } | undefined;
  /** Readiness: probe result, or running when it has no readiness probe. */
  ready: boolean;
  /** Startup probe passed (or none) while running. */
  started: boolean;
}

export interface PodStatusInput {
  pod: PodObject;
  hostIp: string;
  podIp: string | undefined;
  initContainers: readonly ContainerView[];
  containers: readonly ContainerView[];
  /** When the kubelet accepted the pod (RFC 3339). */
  startTime: string;
  now: string;
  /** Set when the kubelet gave up on the pod (e.g. its runtime does not exist here). */
  failure?: { reason: string; message: string };
}

function stateOf(c: RuntimeContainer | undefined): NonNullable<ContainerStatus["state"]> {
  if (!c) return {};
  return toState(c.status, c.id);
}

function toState(s: ContainerState, id: string): NonNullable<ContainerStatus["state"]> {
  switch (s.state) {
    case "running":
      return { running: { startedAt: s.startedAt } };
    case "exited":
      return { terminated: { exitCode: s.exitCode, reason: s.reason, startedAt: s.startedAt, finishedAt: s.finishedAt, containerID: id, ...(s.signal ? { message: `killed by ${s.signal}` } : {}) } };
    default:
      return { waiting: { reason: "ContainerCreating" } };
  }
}

function containerStatus(v: ContainerView): ContainerStatus {
  let state = stateOf(v.current);
  if (v.waiting) state = { waiting: { reason: v.waiting.reason, ...(v.waiting.message ? { message: v.waiting.message } : {}) } };
  else if (!v.current) state = { waiting: { reason: "ContainerCreating" } };
  const running = v.current?.status.state === "running" && !v.waiting;
  const out: ContainerStatus = {
    name: v.name,
    state,
    lastState: stateOf(v.waiting && v.current ? v.current : v.previous),
    ready: running && v.ready,
    restartCount: v.restartCount,
    image: v.image,
    imageID: "",
    started: running && v.started,
  };
  if (v.current) out.containerID = v.current.id;
  return out;
}

function exitedWith(v: ContainerView): number | undefined {
  const s = v.current?.status;
  return s?.state === "exited" && !v.waiting ? s.exitCode : undefined;
}

/** Pending, Running, Succeeded or Failed, by Kubernetes' rules for the restart policy. */
export function podPhase(policy: string, init: readonly ContainerView[], main: readonly ContainerView[]): string {
  for (const v of init) {
    const code = exitedWith(v);
    if (code === 0) continue;
    return code !== undefined && policy === "Never" ? "Failed" : "Pending";
  }
  const codes = main.map(exitedWith);
  const running = main.some((v) => v.current?.status.state === "running");
  if (policy !== "Always" && main.length > 0 && codes.every((c) => c !== undefined)) {
    if (codes.every((c) => c === 0)) return "Succeeded";
    // Never: a failure is final. OnFailure: the failed containers are restarted.
    return policy === "Never" ? "Failed" : "Running";
  }
  if (running || main.some((v) => v.restartCount > 0 || v.current !== undefined)) return "Running";
  return "Pending";
}

function condition(type: string, ok: boolean, reason: string | undefined, message: string | undefined, previous: readonly Condition[], now: string): Condition {
  const status = ok ? "True" : "False";
  const before = previous.find((c) => c.type === type);
  // No `lastProbeTime: null` (Go's zero time): the apiserver drops nulls, and one in the
  // patch sent every status write down its careful decode walk.
  const c: Condition = { type, status, lastTransitionTime: before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : now };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

export function podStatus(input: PodStatusInput): PodStatus {
  const { pod, now } = input;
  const policy = pod.spec?.restartPolicy ?? "Always";
  const previous = pod.status?.conditions ?? [];
  const phase = input.failure ? "Failed" : podPhase(policy, input.initContainers, input.containers);
  const finished = phase === "Succeeded" || phase === "Failed";
  const initDone = input.initContainers.every((v) => exitedWith(v) === 0);
  const unready = input.containers.filter((v) => !(v.current?.status.state === "running" && !v.waiting && v.ready)).map((v) => v.name);
  const uninit = input.initContainers.filter((v) => exitedWith(v) !== 0).map((v) => v.name);
  const notReadyReason = finished ? "PodCompleted" : "ContainersNotReady";
  const notReadyMessage = finished ? undefined : `containers with unready status: [${unready.join(" ")}]`;
  const conditions: Condition[] = [
    ...previous.filter((c) => c.type === "PodScheduled"),
    condition("Initialized", initDone, finished ? "PodCompleted" : "ContainersNotInitialized", `containers with incomplete status: [${uninit.join(" ")}]`, previous, now),
    condition("ContainersReady", !finished && unready.length === 0, notReadyReason, notReadyMessage, previous, now),
    condition("Ready", !finished && unready.length === 0, notReadyReason, notReadyMessage, previous, now),
  ];
  const status: PodStatus = {
    phase,
    conditions,
    hostIP: input.hostIp,
    hostIPs: [{ ip: input.hostIp }],
    startTime: pod.status?.startTime ?? input.startTime,
    containerStatuses: input.containers.map(containerStatus),
    qosClass: pod.status?.qosClass ?? "BestEffort",
  };
  if (input.podIp) {
    status.podIP = input.podIp;
    status.podIPs = [{ ip: input.podIp }];
  }
  if (input.initContainers.length > 0) status.initContainerStatuses = input.initContainers.map(containerStatus);
  if (input.failure) {
    status.reason = input.failure.reason;
    status.message = input.failure.message;
  }
  return status;
}
