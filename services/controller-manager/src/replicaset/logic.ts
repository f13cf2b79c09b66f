/**
 * The ReplicaSet controller's decisions, as pure functions: which pods the ReplicaSet owns,
 * adopts or releases, how many pods to create or which to delete, what a new pod looks like,
 * and the status to report. The executor owns the clock, the caches and every write.
 *
 * Kubernetes semantics: pkg/controller/replicaset (syncReplicaSet, manageReplicas,
 * calculateStatus), controller_ref_manager.go (adoption and release) and controller_utils.go
 * (slow-start batches, the deletion order).
 */
import { cloneJson, rfc3339, selectorMatches } from "@flotilla/api";
import type { ObjectMeta, OwnerReference, PodObject, PodSpecObject } from "@flotilla/api";
import { controllerOf, isPodActive, isPodAvailable, isPodReady, podAvailableAtMs, rankPodsForDeletion } from "./pods.ts";

type Meta = NonNullable<PodObject["metadata"]>;

/**
 * A label selector (metav1.LabelSelector). Declared here, structurally, because
 * `@flotilla/api` does not export `LabelSelectorObject` yet; the schema type is assignable.
 */
export type LabelSelectorLike = {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
};

/** One ReplicaSet condition (apps/v1 ReplicaSetCondition). */
export interface ReplicaSetConditionLike {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** The status a ReplicaSet reports (apps/v1 ReplicaSetStatus). */
export interface ReplicaSetStatusLike {
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  terminatingReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetConditionLike[];
}

/**
 * The parts of an apps/v1 ReplicaSet these decisions read. Declared structurally because
 * `@flotilla/api` does not export `ReplicaSetObject` yet; that type is assignable to this one.
 */
export interface ReplicaSetLike {
  metadata?: Meta;
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: LabelSelectorLike;
    template?: { metadata?: Meta; spec?: PodSpecObject };
  };
  status?: ReplicaSetStatusLike;
}

/** Why the last create or delete failed, for the ReplicaFailure condition. */
export interface ReplicaFailure {
  reason: "FailedCreate" | "FailedDelete";
  /** The error as the user should read it, e.g. the API server's message. */
  message: string;
}

/** What one reconcile should do to the pod count. */
export interface ReplicaSetPlan {
  /** How many pods to create from the template (in {@link slowStartBatches}). */
  create: number;
  /** The pods to delete, most expendable first. */
  delete: PodObject[];
}

/** How an RS's pods split after claiming; see {@link claimPods}. */
export interface PodClaims {
  owned: PodObject[];
  adopt: PodObject[];
  release: PodObject[];
}

/** Condition type set while creating or deleting pods fails. */
export const REPLICA_FAILURE = "ReplicaFailure";

/** Size of the first batch of creations; each later batch doubles (Kubernetes' SlowStartInitialBatchSize). */
export const SLOW_START_INITIAL_BATCH = 1;

/**
 * Most pods one reconcile creates or deletes, as kube-controller-manager's default
 * `--replicaset-burst` (BurstReplicas): a scale to 10,000 proceeds in steps, each
 * observed before the next, instead of flooding the API server at once.
 */
export const BURST_REPLICAS = 500;

/**
 * Batch sizes for creating `count` pods: `initial`, then doubling, the last one trimmed so
 * they sum to `count` (10 → [1, 2, 4, 3]). The executor runs a batch in parallel and stops
 * at the first batch with a failure, so a template the API server rejects (quota, admission,
 * a bad field) costs one failed request instead of hundreds.
 * @param initial size of the first batch. @default SLOW_START_INITIAL_BATCH
 * @returns an empty array when `count` is 0 or less.
 */
export function slowStartBatches(count: number, initial: number = SLOW_START_INITIAL_BATCH): number[] {
  if (!Number.isInteger(initial) || initial < 1) throw new RangeError(`slowStartBatches: initial batch must be a positive integer, got ${initial}`);
  const batches: number[] = [];
  let remaining = Math.max(0, Math.floor(count));
  for (let size = initial; remaining > 0; size *= 2) {
    const batch = Math.min(size, remaining);
    batches.push(batch);
    remaining -= batch;
  }
  return batches;
}

/**
 * Whether the RS's selector selects these labels. An absent or empty selector selects
 * nothing: the API server rejects both for a ReplicaSet, and treating `{}` as "everything",
 * as a generic selector would, could adopt every pod in the namespace.
 */
function selects(rs: ReplicaSetLike, labels: Record<string, string> | undefined): boolean {
  const sel = rs.spec?.selector;
  if (sel === undefined) return false;
  if (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) return false;
  return selectorMatches(sel, labels ?? {});
}

/**
 * Split the pods of the RS's namespace by what the RS should do with them, as Kubernetes'
 * controller-ref manager does:
 * - `owned`: controlled by this RS (by uid, so a namesake recreated later is not confused
 *   with it) and still selected. Includes Succeeded and Failed pods; pods being deleted are
 *   left out, since they no longer count and need nothing.
 * - `adopt`: orphans (no controller) that the selector selects, active and not being
 *   deleted; none while the RS itself is being deleted, so it does not grab pods it is about
 *   to have collected. After adopting them the executor counts them as owned.
 * - `release`: controlled by this RS but no longer selected (their labels changed), not
 *   being deleted; none while the RS is being deleted (the garbage collector takes them).
 * Pods controlled by anyone else, or in another namespace, are ignored.
 */
export function claimPods(rs: ReplicaSetLike, pods: readonly PodObject[]): PodClaims {
  const claims: PodClaims = { owned: [], adopt: [], release: [] };
  const uid = rs.metadata?.uid;
  if (uid === undefined) return claims;
  const namespace = rs.metadata?.namespace;
  const rsDeleting = rs.metadata?.deletionTimestamp !== undefined;
  for (const pod of pods) {
    if (namespace !== undefined && pod.metadata?.namespace !== namespace) continue;
    if (pod.metadata?.deletionTimestamp !== undefined) continue;
    const ref = controllerOf(pod);
    const selected = selects(rs, pod.metadata?.labels);
    if (ref === undefined) {
      if (selected && !rsDeleting && isPodActive(pod)) claims.adopt.push(pod);
    } else if (ref.uid === uid) {
      if (selected) claims.owned.push(pod);
      else if (!rsDeleting) claims.release.push(pod);
    }
  }
  return claims;
}

/**
 * A new pod for the RS: `generateName` "<rs name>-", the RS's namespace, the template's
 * labels, annotations, finalizers and spec (deep copies), and a controller reference to the
 * RS that blocks its foreground deletion until the pod is gone.
 * @returns a pod whose metadata is always present, so it can be sent to create as is.
 */
export function podFromTemplate(rs: ReplicaSetLike): PodObject & { metadata: ObjectMeta } {
  const meta = rs.metadata ?? {};
  const tmeta = rs.spec?.template?.metadata ?? {};
  const owner: OwnerReference = { apiVersion: "apps/v1", kind: "ReplicaSet", name: meta.name ?? "", uid: meta.uid ?? "", controller: true, blockOwnerDeletion: true };
  const metadata: ObjectMeta = { generateName: `${meta.name ?? ""}-`, ownerReferences: [owner] };
  if (meta.namespace !== undefined) metadata.namespace = meta.namespace;
  // cloneJson, not structuredClone: one copy per pod created, 2.5 % of the controller
  // manager's CPU in the deployment bench with structuredClone.
  if (tmeta.labels !== undefined) metadata.labels = cloneJson(tmeta.labels);
  if (tmeta.annotations !== undefined) metadata.annotations = cloneJson(tmeta.annotations);
  if (tmeta.finalizers !== undefined) metadata.finalizers = [...tmeta.finalizers];
  return { apiVersion: "v1", kind: "Pod", metadata, spec: cloneJson(rs.spec?.template?.spec ?? { containers: [] }) };
}

/** spec.replicas with Kubernetes' default of 1. */
function desiredReplicas(rs: ReplicaSetLike): number {
  return Math.max(0, rs.spec?.replicas ?? 1);
}

/**
 * How to bring the RS to `spec.replicas` (default 1): too few active owned pods → create
 * the difference; too many → delete that many, most expendable first by
 * {@link rankPodsForDeletion} (colocation counted among the active owned pods). Either is
 * capped at {@link BURST_REPLICAS}; the next reconcile continues. Pods being deleted,
 * Succeeded or Failed do not count: their replacements start now.
 * @param ownedPods the RS's pods from {@link claimPods} (owned plus adopted), any phase.
 * @param _nowMs unused today; kept so a time-aware order can follow without a signature change.
 */
export function planReplicaSet(rs: ReplicaSetLike, ownedPods: readonly PodObject[], _nowMs: number): ReplicaSetPlan {
  const active = ownedPods.filter(isPodActive);
  const diff = active.length - desiredReplicas(rs);
  if (diff < 0) return { create: Math.min(-diff, BURST_REPLICAS), delete: [] };
  if (diff === 0) return { create: 0, delete: [] };
  return { create: 0, delete: rankPodsForDeletion(active, active).slice(0, Math.min(diff, BURST_REPLICAS)) };
}

/** Whether the pod carries every label of the template (it may carry more). */
function fullyLabeled(pod: PodObject, templateLabels: Readonly<Record<string, string>>): boolean {
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(templateLabels).every(([k, v]) => labels[k] === v);
}

/** Conditions with ReplicaFailure set from `failure`, or removed without one. */
function withFailure(current: readonly ReplicaSetConditionLike[], failure: ReplicaFailure | undefined, nowMs: number): ReplicaSetConditionLike[] {
  const others = current.filter((c) => c.type !== REPLICA_FAILURE).map((c) => structuredClone(c));
  if (failure === undefined) return others;
  const prev = current.find((c) => c.type === REPLICA_FAILURE);
  // The transition happened when the failure started, not at every retry that still fails.
  const since = prev?.status === "True" && prev.lastTransitionTime !== undefined ? prev.lastTransitionTime : rfc3339(nowMs);
  return [...others, { type: REPLICA_FAILURE, status: "True", lastTransitionTime: since, reason: failure.reason, message: failure.message }];
}

/**
 * The status to report, counted over the active owned pods: `replicas`,
 * `fullyLabeledReplicas` (carrying every template label), `readyReplicas`,
 * `availableReplicas` (ready for longer than minReadySeconds), `observedGeneration` from
 * metadata.generation, and the conditions: ReplicaFailure (True, with the failure's reason
 * and message) while `failure` is given, removed when it is not; other conditions are kept.
 * @returns a new status; `rs` is not modified.
 */
export function replicaSetStatus(rs: ReplicaSetLike, ownedPods: readonly PodObject[], nowMs: number, failure?: ReplicaFailure): ReplicaSetStatusLike {
  const active = ownedPods.filter(isPodActive);
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  const status: ReplicaSetStatusLike = {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) => fullyLabeled(p, templateLabels)).length,
    readyReplicas: active.filter(isPodReady).length,
    availableReplicas: active.filter((p) => isPodAvailable(p, minReadySeconds, nowMs)).length,
  };
  const generation = rs.metadata?.generation;
  if (generation !== undefined) status.observedGeneration = generation;
  const previous = rs.status?.conditions ?? [];
  const conditions = withFailure(previous, failure, nowMs);
  // An empty list rather than none when conditions were cleared: a merge patch of the
  // status leaves a missing field untouched, which would keep the old ReplicaFailure.
  if (conditions.length > 0 || previous.length > 0) status.conditions = conditions;
  return status;
}

/**
 * When some active owned pods are ready but not yet available (minReadySeconds has not
 * passed), the milliseconds until the earliest of them becomes available, so the executor
 * can requeue the RS then and report it; otherwise undefined (nothing will change by
 * waiting alone).
 */
export function nextAvailabilityCheckMs(rs: ReplicaSetLike, ownedPods: readonly PodObject[], nowMs: number): number | undefined {
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  if (minReadySeconds <= 0) return undefined;
  let earliest: number | undefined;
  for (const pod of ownedPods) {
    if (!isPodActive(pod)) continue;
    const at = podAvailableAtMs(pod, minReadySeconds);
    if (at === undefined || at <= nowMs) continue;
    earliest = Math.min(earliest ?? Infinity, at);
  }
  return earliest === undefined ? undefined : earliest - nowMs;
}

/** A status in a canonical form: absent counts are 0 and conditions are ordered by type. */
function canonical(s: ReplicaSetStatusLike | undefined): string {
  const conditions = [...(s?.conditions ?? [])]
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
    .map((c) => [c.type, c.status, c.reason ?? "", c.message ?? "", c.lastTransitionTime ?? ""]);
  return JSON.stringify([
    s?.replicas ?? 0,
    s?.fullyLabeledReplicas ?? 0,
    s?.readyReplicas ?? 0,
    s?.availableReplicas ?? 0,
    // A pointer in Kubernetes: absent ("not tracked") differs from 0.
    s?.terminatingReplicas ?? null,
    s?.observedGeneration ?? 0,
    conditions,
  ]);
}

/**
 * Whether two statuses differ in anything a reader could see, so the executor can skip a
 * status write that would change nothing. Absent counts equal 0, and condition order does
 * not matter.
 */
export function statusChanged(a: ReplicaSetStatusLike | undefined, b: ReplicaSetStatusLike | undefined): boolean {
  return canonical(a) !== canonical(b);
}
