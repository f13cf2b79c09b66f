/**
 * The status a DaemonSet reports, counted per node as Kubernetes' updateDaemonSetStatus
 * does: what `kubectl get ds` prints and what `kubectl rollout status daemonset/x` waits on
 * (observedGeneration, updatedNumberScheduled and numberAvailable against
 * desiredNumberScheduled).
 */
import type { DaemonSetObject, NodeObject, PodObject } from "@flotilla/api";
import { isPodAvailable, isPodReady, podAvailableAtMs } from "../replicaset/pods.ts";
import { isPodUpdated } from "./daemon-pod.ts";
import type { NodeVerdict } from "./nodes.ts";

/** apps/v1 DaemonSetStatus. */
export type DaemonSetStatus = NonNullable<DaemonSetObject["status"]>;

/** A node with the verdict on it (nodes.ts) and the DaemonSet's pods there, terminating ones included. */
export interface NodeState {
  node: NodeObject;
  verdict: NodeVerdict;
  pods: readonly PodObject[];
}

function createdMs(p: PodObject): number {
  const ms = Date.parse(p.metadata?.creationTimestamp ?? "");
  return Number.isNaN(ms) ? Infinity : ms;
}

/**
 * Bound pods before pending ones, then oldest first, then by name: the order in which a
 * node's daemon pods are kept. The first is the one the node is judged by.
 */
export function compareOldestFirst(a: PodObject, b: PodObject): number {
  const aBound = (a.spec?.nodeName ?? "") !== "";
  const bBound = (b.spec?.nodeName ?? "") !== "";
  if (aBound !== bBound) return aBound ? -1 : 1;
  const byAge = createdMs(a) - createdMs(b);
  if (byAge !== 0 && !Number.isNaN(byAge)) return byAge;
  const an = a.metadata?.name ?? "";
  const bn = b.metadata?.name ?? "";
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** The pod a node is judged by: the first by {@link compareOldestFirst}. */
export function oldestPod(pods: readonly PodObject[]): PodObject | undefined {
  return [...pods].sort(compareOldestFirst)[0];
}

/**
 * The DaemonSet's status over the nodes that exist:
 * - desiredNumberScheduled: nodes that should run the pod;
 * - currentNumberScheduled: of those, nodes with a pod (in any state);
 * - numberMisscheduled: nodes that should not run it and have one;
 * - numberReady, numberAvailable, updatedNumberScheduled: nodes that should run it whose
 *   oldest pod is ready, available (ready for minReadySeconds) or of the current template;
 * - numberUnavailable: desired minus available;
 * - observedGeneration: metadata.generation when `observe` is set, else as it was.
 * Other fields (conditions, collisionCount) are kept.
 */
export function daemonSetStatus(ds: DaemonSetObject, states: readonly NodeState[], hash: string, nowMs: number, observe = true): DaemonSetStatus {
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const { verdict, pods } of states) {
    const pod = oldestPod(pods);
    if (!verdict.shouldRun) {
      if (pod !== undefined) misscheduled++;
      continue;
    }
    desired++;
    if (pod === undefined) continue;
    current++;
    if (isPodReady(pod)) ready++;
    if (isPodAvailable(pod, minReadySeconds, nowMs)) available++;
    if (isPodUpdated(pod, hash)) updated++;
  }
  const status: DaemonSetStatus = {
    ...structuredClone(ds.status ?? {}),
    desiredNumberScheduled: desired,
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    numberAvailable: available,
    numberUnavailable: desired - available,
    updatedNumberScheduled: updated,
  };
  const generation = ds.metadata?.generation;
  if (observe && generation !== undefined) status.observedGeneration = generation;
  return status;
}

/**
 * Milliseconds until the first node's pod that is ready but not yet available becomes
 * available, so the status can say so then; undefined when waiting alone changes nothing.
 */
export function nextAvailableMs(ds: DaemonSetObject, states: readonly NodeState[], nowMs: number): number | undefined {
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  if (minReadySeconds <= 0) return undefined;
  let earliest = Infinity;
  for (const { verdict, pods } of states) {
    const pod = verdict.shouldRun ? oldestPod(pods) : undefined;
    const at = pod === undefined ? undefined : podAvailableAtMs(pod, minReadySeconds);
    if (at !== undefined && at > nowMs) earliest = Math.min(earliest, at);
  }
  return earliest === Infinity ? undefined : earliest - nowMs;
}

const COUNTS = ["desiredNumberScheduled", "currentNumberScheduled", "numberMisscheduled", "numberReady", "numberAvailable", "numberUnavailable", "updatedNumberScheduled", "observedGeneration"] as const;

/** Whether a status write would change anything a reader sees (absent counts are 0). */
export function statusChanged(a: DaemonSetStatus | undefined, b: DaemonSetStatus): boolean {
  return COUNTS.some((k) => (a?.[k] ?? 0) !== (b[k] ?? 0));
}
