/**
 * Pod predicates shared by the workload controllers (ReplicaSet now, Deployment, DaemonSet
 * and Job later): whether a pod still counts, is ready or available, who controls it, and
 * which pods to give up first when there are too many.
 *
 * Kubernetes semantics: IsPodActive, ActivePodsWithRanks (pkg/controller/controller_utils.go)
 * and IsPodReady/IsPodAvailable (pkg/api/v1/pod/util.go). All functions are pure; inputs come
 * from shared informer caches and are never modified.
 */
import type { OwnerReference, PodObject } from "@flotilla/api";

/**
 * Annotation by which users say which pods they would rather lose on scale-down: lower
 * cost goes first. Kubernetes honours it by default (the PodDeletionCost gate is on since
 * 1.22), so an orchestrator that claims compatibility must too.
 */
export const POD_DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";

/** The order in which phases are given up: a pod that never started is the cheapest loss. */
const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function parseTime(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Whether the pod still counts toward its controller's replicas: not Succeeded, not
 * Failed and not being deleted. A terminating pod is on its way out, so counting it would
 * delay its replacement by the whole grace period.
 */
export function isPodActive(p: PodObject): boolean {
  const phase = p.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && p.metadata?.deletionTimestamp === undefined;
}

function readyCondition(p: PodObject) {
  return p.status?.conditions?.find((c) => c.type === "Ready");
}

/** Whether the pod's Ready condition is True (the kubelet's verdict on its readiness probes). */
export function isPodReady(p: PodObject): boolean {
  return readyCondition(p)?.status === "True";
}

/**
 * The first millisecond at which a ready pod counts as available: strictly more than
 * `minReadySeconds` after its Ready condition last turned True, as in Kubernetes.
 * @returns -Infinity when `minReadySeconds` is 0 (ready is enough); undefined when the pod
 *   is not ready, or its Ready condition has no usable lastTransitionTime (then no amount
 *   of waiting proves it has been ready long enough).
 */
export function podAvailableAtMs(p: PodObject, minReadySeconds: number): number | undefined {
  if (!isPodReady(p)) return undefined;
  if (minReadySeconds <= 0) return -Infinity;
  const since = parseTime(readyCondition(p)?.lastTransitionTime);
  return since === undefined ? undefined : since + minReadySeconds * 1000 + 1;
}

/**
 * Whether the pod is available: ready, and ready for longer than `minReadySeconds` by its
 * Ready condition's lastTransitionTime. With `minReadySeconds` 0, ready is enough.
 */
export function isPodAvailable(p: PodObject, minReadySeconds: number, nowMs: number): boolean {
  const at = podAvailableAtMs(p, minReadySeconds);
  return at !== undefined && at <= nowMs;
}

/** The owner reference marked `controller: true` (at most one may be), or undefined. */
export function controllerOf(obj: { metadata?: { ownerReferences?: readonly OwnerReference[] } }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** The pod's deletion cost; absent or malformed values count as 0, as in Kubernetes. */
function deletionCost(p: PodObject): number {
  const raw = p.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (raw === undefined || !/^[+-]?\d+$/.test(raw)) return 0;
  const n = Number(raw);
  return n >= INT32_MIN && n <= INT32_MAX ? n : 0;
}

function maxRestarts(p: PodObject): number {
  return Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount));
}

/**
 * Newer first, and a missing time before any time: the pod whose age is unknown is
 * assumed to be the youngest, as Kubernetes does.
 */
function newerFirst(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return b - a;
}

/** What the comparison needs, computed once per pod rather than once per comparison. */
interface RankKey {
  pod: PodObject;
  assigned: boolean;
  phase: number;
  ready: boolean;
  cost: number;
  colocated: number;
  readySinceMs: number | undefined;
  restarts: number;
  createdMs: number | undefined;
  name: string;
}

function rankKey(pod: PodObject, podsOnNode: ReadonlyMap<string, number>): RankKey {
  const nodeName = pod.spec?.nodeName ?? "";
  const ready = isPodReady(pod);
  return {
    pod,
    assigned: nodeName !== "",
    phase: PHASE_ORDINAL[pod.status?.phase ?? ""] ?? 0,
    ready,
    cost: deletionCost(pod),
    colocated: podsOnNode.get(nodeName) ?? 0,
    readySinceMs: ready ? parseTime(readyCondition(pod)?.lastTransitionTime) : undefined,
    restarts: maxRestarts(pod),
    createdMs: parseTime(pod.metadata?.creationTimestamp),
    name: pod.metadata?.name ?? "",
  };
}

/** Negative when `a` should be deleted before `b`; each rule applies only when the earlier ones tie. */
function compareForDeletion(a: RankKey, b: RankKey): number {
  if (a.assigned !== b.assigned) return a.assigned ? 1 : -1;
  if (a.phase !== b.phase) return a.phase - b.phase;
  if (a.ready !== b.ready) return a.ready ? 1 : -1;
  if (a.cost !== b.cost) return a.cost - b.cost;
  // Removing a pod from a crowded node spreads the survivors over more nodes.
  if (a.colocated !== b.colocated) return b.colocated - a.colocated;
  if (a.ready && b.ready) {
    const bySince = newerFirst(a.readySinceMs, b.readySinceMs);
    if (bySince !== 0) return bySince;
  }
  if (a.restarts !== b.restarts) return b.restarts - a.restarts;
  const byAge = newerFirst(a.createdMs, b.createdMs);
  if (byAge !== 0) return byAge;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Order pods so that the ones to delete first come first, by Kubernetes' rules, each
 * deciding only when the previous ones tie:
 * 1. not yet scheduled (no nodeName) before scheduled;
 * 2. Pending before Unknown before Running;
 * 3. not ready before ready;
 * 4. lower `controller.kubernetes.io/pod-deletion-cost` before higher;
 * 5. more active `relatedPods` on the same node before fewer;
 * 6. among ready pods, ready for a shorter time before longer;
 * 7. more restarts of its most-restarted container before fewer;
 * 8. newer creationTimestamp before older;
 * 9. by name, so equal pods always come out in the same order.
 *
 * Unlike Kubernetes' LogarithmicScaleDown, times in 6 and 8 are compared exactly, not
 * bucketed by powers of two with a random tie-break: the order stays predictable.
 * @param relatedPods the pods whose colocation counts (rule 5); defaults to `pods`.
 *   Only active ones are counted.
 * @returns a new array; the input is not modified.
 */
export function rankPodsForDeletion(pods: readonly PodObject[], relatedPods: readonly PodObject[] = pods): PodObject[] {
  const podsOnNode = new Map<string, number>();
  for (const p of relatedPods) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName ?? "";
    podsOnNode.set(node, (podsOnNode.get(node) ?? 0) + 1);
  }
  return pods
    .map((p) => rankKey(p, podsOnNode))
    .sort(compareForDeletion)
    .map((k) => k.pod);
}
