/**
 * A Deployment's status: the counts summed from its ReplicaSets' status, and the
 * Available, Progressing and ReplicaFailure conditions.
 *
 * The counts are what `kubectl rollout status` watches: it finishes once
 * observedGeneration ≥ generation, updatedReplicas ≥ spec.replicas, replicas ==
 * updatedReplicas and availableReplicas ≥ updatedReplicas, and fails on Progressing
 * reason ProgressDeadlineExceeded. Because every count comes from ReplicaSet status (pods
 * that exist), never from the sizes just requested, it cannot finish early.
 *
 * Kubernetes semantics: calculateStatus and syncRolloutStatus (progress.go),
 * checkPausedConditions (sync.go), DeploymentComplete, DeploymentProgressing,
 * DeploymentTimedOut and SetDeploymentCondition (util/deployment_util.go).
 */
import { rfc3339 } from "@flotilla/api/time";
import { minAvailable } from "./rollout.ts";
import { canonicalJson } from "./template.ts";
import { ConditionType, DEPLOYMENT_DEFAULTS, MAX_INT32, Reason, desiredReplicas } from "./types.ts";
import type { DeploymentConditionLike, DeploymentLike, DeploymentStatusLike, ReplicaSetLike } from "./types.ts";

/** The progress deadline in ms (default 600 s), or undefined when disabled (int32 max). */
export function progressDeadlineMs(d: DeploymentLike): number | undefined {
  const s = d.spec?.progressDeadlineSeconds ?? DEPLOYMENT_DEFAULTS.progressDeadlineSeconds;
  return s === MAX_INT32 ? undefined : s * 1000;
}

/** The condition of this type, if present. */
export function findCondition(conditions: readonly DeploymentConditionLike[] | undefined, type: string): DeploymentConditionLike | undefined {
  return conditions?.find((c) => c.type === type);
}

/** A condition stamped now (both lastUpdateTime and lastTransitionTime). */
export function newCondition(type: ConditionType, status: string, reason: string, message: string, nowMs: number): DeploymentConditionLike {
  const now = rfc3339(nowMs);
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/**
 * Set a condition as Kubernetes' SetDeploymentCondition does: one with the same status
 * and reason is left exactly as it was (times and message included); one with the same
 * status keeps its lastTransitionTime; the new condition goes last.
 * @returns a new array; `conditions` is not modified.
 */
export function setCondition(conditions: readonly DeploymentConditionLike[], c: DeploymentConditionLike): DeploymentConditionLike[] {
  const current = findCondition(conditions, c.type);
  if (current !== undefined && current.status === c.status && current.reason === c.reason) return [...conditions];
  const next = current !== undefined && current.status === c.status && current.lastTransitionTime !== undefined ? { ...c, lastTransitionTime: current.lastTransitionTime } : c;
  return [...conditions.filter((x) => x.type !== c.type), next];
}

/** The conditions without those of this type; a new array. */
export function removeCondition(conditions: readonly DeploymentConditionLike[], type: string): DeploymentConditionLike[] {
  return conditions.filter((c) => c.type !== type);
}

/**
 * Progressing while paused or just resumed (checkPausedConditions): pausing sets
 * Unknown/DeploymentPaused, so a long pause is not mistaken for a stuck rollout;
 * resuming sets Unknown/DeploymentResumed, whose lastUpdateTime restarts the progress
 * deadline. A deadline already exceeded is kept; without a deadline nothing changes.
 */
export function pausedConditions(d: DeploymentLike, conditions: readonly DeploymentConditionLike[], nowMs: number): DeploymentConditionLike[] {
  if (progressDeadlineMs(d) === undefined) return [...conditions];
  const current = findCondition(conditions, ConditionType.Progressing);
  if (current?.reason === Reason.ProgressDeadlineExceeded) return [...conditions];
  const pausedNow = current?.reason === Reason.DeploymentPaused;
  if (d.spec?.paused === true && !pausedNow) {
    return setCondition(conditions, newCondition(ConditionType.Progressing, "Unknown", Reason.DeploymentPaused, "Deployment is paused", nowMs));
  }
  if (d.spec?.paused !== true && pausedNow) {
    return setCondition(conditions, newCondition(ConditionType.Progressing, "Unknown", Reason.DeploymentResumed, "Deployment is resumed", nowMs));
  }
  return [...conditions];
}

/** What the status is computed from. */
export interface StatusInput {
  d: DeploymentLike;
  /** Every ReplicaSet of the Deployment, the new one included (one just created has no status yet). */
  replicaSets: readonly ReplicaSetLike[];
  /** The new ReplicaSet, if there is one (none while a paused Deployment's template changed). */
  newReplicaSet: ReplicaSetLike | undefined;
  /** The sum of spec.replicas over `replicaSets` after this pass's writes. */
  plannedReplicas: number;
  /** The conditions to start from: the Deployment's, with this pass's changes applied. */
  conditions: readonly DeploymentConditionLike[];
  nowMs: number;
}

function sum(rss: readonly ReplicaSetLike[], f: (rs: ReplicaSetLike) => number | undefined): number {
  return rss.reduce((n, rs) => n + (f(rs) ?? 0), 0);
}

/**
 * The counts and the Available condition (calculateStatus). replicas, readyReplicas and
 * availableReplicas are sums over every ReplicaSet's status; updatedReplicas is the new
 * ReplicaSet's status.replicas; unavailableReplicas is what the planned sizes still lack;
 * observedGeneration is metadata.generation; collisionCount is carried over. Zero counts
 * are left out, as Kubernetes' JSON leaves them out. Available is True with reason
 * MinimumReplicasAvailable when available ≥ spec.replicas − maxUnavailable (maxUnavailable
 * is 0 for Recreate), else False with MinimumReplicasUnavailable.
 */
export function calculateStatus(input: StatusInput): DeploymentStatusLike {
  const { d, replicaSets } = input;
  const available = sum(replicaSets, (rs) => rs.status?.availableReplicas);
  const counts: [keyof DeploymentStatusLike, number][] = [
    ["observedGeneration", d.metadata?.generation ?? 0],
    ["replicas", sum(replicaSets, (rs) => rs.status?.replicas)],
    ["updatedReplicas", input.newReplicaSet?.status?.replicas ?? 0],
    ["readyReplicas", sum(replicaSets, (rs) => rs.status?.readyReplicas)],
    ["availableReplicas", available],
    ["unavailableReplicas", Math.max(0, input.plannedReplicas - available)],
    ["terminatingReplicas", sum(replicaSets, (rs) => rs.status?.terminatingReplicas)],
  ];
  const status: DeploymentStatusLike = {};
  for (const [k, n] of counts) if (n !== 0) (status as Record<string, number>)[k] = n;
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  const ok = available >= minAvailable(d);
  const cond = ok
    ? newCondition(ConditionType.Available, "True", Reason.MinimumReplicasAvailable, "Deployment has minimum availability.", input.nowMs)
    : newCondition(ConditionType.Available, "False", Reason.MinimumReplicasUnavailable, "Deployment does not have minimum availability.", input.nowMs);
  status.conditions = setCondition(input.conditions, cond);
  return status;
}

/**
 * Complete: every desired pod runs the new template and is available, no old pod
 * remains, and this generation has been observed (DeploymentComplete).
 */
export function deploymentComplete(d: DeploymentLike, s: DeploymentStatusLike | undefined): boolean {
  const replicas = desiredReplicas(d);
  return (
    (s?.updatedReplicas ?? 0) === replicas &&
    (s?.replicas ?? 0) === replicas &&
    (s?.availableReplicas ?? 0) === replicas &&
    (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

/** Progress since `before`: more updated, ready or available pods, or fewer old ones (DeploymentProgressing). */
export function deploymentProgressing(before: DeploymentStatusLike | undefined, after: DeploymentStatusLike): boolean {
  const n = (s: DeploymentStatusLike | undefined, k: "replicas" | "updatedReplicas" | "readyReplicas" | "availableReplicas") => s?.[k] ?? 0;
  const oldBefore = n(before, "replicas") - n(before, "updatedReplicas");
  const oldAfter = n(after, "replicas") - n(after, "updatedReplicas");
  return (
    n(after, "updatedReplicas") > n(before, "updatedReplicas") ||
    oldAfter < oldBefore ||
    n(after, "readyReplicas") > n(before, "readyReplicas") ||
    n(after, "availableReplicas") > n(before, "availableReplicas")
  );
}

/**
 * Timed out: the Progressing condition already says so, or was last updated more than
 * the progress deadline ago. A completed rollout (NewReplicaSetAvailable) never times out.
 */
export function deploymentTimedOut(d: DeploymentLike, s: DeploymentStatusLike, nowMs: number): boolean {
  const deadline = progressDeadlineMs(d);
  const c = findCondition(s.conditions, ConditionType.Progressing);
  if (deadline === undefined || c === undefined || c.reason === Reason.NewReplicaSetAvailable) return false;
  if (c.reason === Reason.ProgressDeadlineExceeded) return true;
  const from = Date.parse(c.lastUpdateTime ?? "");
  return !Number.isNaN(from) && from + deadline < nowMs;
}

function subject(input: StatusInput): string {
  const rs = input.newReplicaSet?.metadata?.name;
  return rs !== undefined ? `ReplicaSet "${rs}"` : `Deployment "${input.d.metadata?.name ?? ""}"`;
}

/** Progressing, judged against the status before this pass; undefined when it stays as it is. */
function progressCondition(input: StatusInput, next: DeploymentStatusLike): DeploymentConditionLike | undefined {
  const { d, nowMs } = input;
  if (deploymentComplete(d, next)) {
    return newCondition(ConditionType.Progressing, "True", Reason.NewReplicaSetAvailable, `${subject(input)} has successfully progressed.`, nowMs);
  }
  if (deploymentProgressing(d.status, next)) {
    const c = newCondition(ConditionType.Progressing, "True", Reason.ReplicaSetUpdated, `${subject(input)} is progressing.`, nowMs);
    const current = findCondition(input.conditions, ConditionType.Progressing);
    if (current?.status === "True" && current.lastTransitionTime !== undefined) c.lastTransitionTime = current.lastTransitionTime;
    return c;
  }
  if (deploymentTimedOut(d, next, nowMs)) {
    return newCondition(ConditionType.Progressing, "False", Reason.ProgressDeadlineExceeded, `${subject(input)} has timed out progressing.`, nowMs);
  }
  return undefined;
}

/** ReplicaFailure, raised from the new ReplicaSet's (else any ReplicaSet's) ReplicaFailure condition. */
function replicaFailure(input: StatusInput): DeploymentConditionLike | undefined {
  const from = [...(input.newReplicaSet ? [input.newReplicaSet] : []), ...input.replicaSets];
  for (const rs of from) {
    const c = rs.status?.conditions?.find((x) => x.type === ConditionType.ReplicaFailure);
    if (c === undefined) continue;
    const { type, status, reason, message, lastTransitionTime } = c;
    return { type, status, lastUpdateTime: lastTransitionTime, lastTransitionTime, reason, message };
  }
  return undefined;
}

/**
 * The status during a rollout (syncRolloutStatus): {@link calculateStatus}, then
 * Progressing. Once the rollout completes it becomes True/NewReplicaSetAvailable and
 * stays so while nothing rolls; any progress makes it True/ReplicaSetUpdated with a fresh
 * lastUpdateTime (lastTransitionTime kept while it stays True); no progress for the
 * deadline makes it False/ProgressDeadlineExceeded. Without a deadline there is no
 * Progressing condition. ReplicaFailure mirrors the ReplicaSets'.
 */
export function rolloutStatus(input: StatusInput): DeploymentStatusLike {
  const status = calculateStatus(input);
  let conditions = status.conditions ?? [];
  const hasDeadline = progressDeadlineMs(input.d) !== undefined;
  if (!hasDeadline) conditions = removeCondition(conditions, ConditionType.Progressing);
  const current = findCondition(input.conditions, ConditionType.Progressing);
  const settled = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === Reason.NewReplicaSetAvailable;
  if (hasDeadline && !settled) {
    const c = progressCondition(input, { ...status, conditions });
    // ReplicaSetUpdated replaces even an equal condition: its lastUpdateTime marks the progress.
    if (c?.reason === Reason.ReplicaSetUpdated) conditions = [...removeCondition(conditions, ConditionType.Progressing), c];
    else if (c !== undefined) conditions = setCondition(conditions, c);
  }
  const failure = replicaFailure(input);
  conditions = failure ? setCondition(conditions, failure) : removeCondition(conditions, ConditionType.ReplicaFailure);
  status.conditions = conditions;
  return status;
}

/** Whether two statuses say the same, counting an absent count as 0 (how the wire omits zeros). */
export function statusEqual(a: DeploymentStatusLike | undefined, b: DeploymentStatusLike | undefined): boolean {
  const counts = ["observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas", "terminatingReplicas"] as const;
  if (counts.some((k) => (a?.[k] ?? 0) !== (b?.[k] ?? 0))) return false;
  if (a?.collisionCount !== b?.collisionCount) return false;
  // Key order differs between what the API server stored and what is built here.
  return canonicalJson(a?.conditions ?? []) === canonicalJson(b?.conditions ?? []);
}

/**
 * When to reconcile again if no event comes first: when the progress deadline would
 * pass (lastUpdateTime of Progressing + deadline, just after, since only a later time
 * exceeds it), unless the rollout is complete, paused, already timed out or has no
 * deadline; and, with minReadySeconds, minReadySeconds from now while some pods are ready
 * but not yet available (the ReplicaSets report them; this is a bounded fallback).
 * @returns epoch ms, never before nowMs; undefined when nothing is pending.
 */
export function nextCheckMs(d: DeploymentLike, status: DeploymentStatusLike, replicaSets: readonly ReplicaSetLike[], nowMs: number): number | undefined {
  let next: number | undefined;
  const deadline = progressDeadlineMs(d);
  const c = findCondition(status.conditions, ConditionType.Progressing);
  const waiting = c !== undefined && c.reason !== Reason.ProgressDeadlineExceeded && c.reason !== Reason.NewReplicaSetAvailable && c.reason !== Reason.DeploymentPaused;
  if (deadline !== undefined && waiting && d.spec?.paused !== true && !deploymentComplete(d, status)) {
    const from = Date.parse(c.lastUpdateTime ?? "");
    if (!Number.isNaN(from)) next = Math.max(nowMs, from + deadline + 1);
  }
  const minReadyMs = (d.spec?.minReadySeconds ?? 0) * 1000;
  if (minReadyMs > 0 && replicaSets.some((rs) => (rs.status?.readyReplicas ?? 0) > (rs.status?.availableReplicas ?? 0))) {
    next = Math.min(next ?? Infinity, nowMs + minReadyMs);
  }
  return next;
}
