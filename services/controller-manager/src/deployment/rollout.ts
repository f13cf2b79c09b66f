/**
 * How a rollout moves pods from the old ReplicaSets to the new one, one step per pass:
 * the fenceposts of a rolling update (maxSurge, maxUnavailable), how far the new
 * ReplicaSet may grow, how far the old ones may shrink, and what Recreate does.
 *
 * Kubernetes semantics: pkg/controller/deployment/rolling.go and recreate.go, and
 * ResolveFenceposts, MaxSurge, MaxUnavailable and NewRSNewReplicas in
 * util/deployment_util.go. Each function answers for one pass; the caller applies the
 * answer and waits for the ReplicaSets' status to move before asking again.
 */
import { DEPLOYMENT_DEFAULTS, desiredReplicas } from "./types.ts";
import type { DeploymentLike, IntOrPercent, ReplicaSetState } from "./types.ts";

/** The resolved pace of a rolling update, in pods. */
export interface Fenceposts {
  /** Pods allowed above spec.replicas. */
  maxSurge: number;
  /** Pods allowed below spec.replicas being available. */
  maxUnavailable: number;
}

/**
 * The value of an int-or-percent field against `total`: a number as is, "N%" as N% of
 * total rounded up or down. A digit string counts as a number. Anything else counts as
 * 0 (validation rejects it before it gets here; 0 is the cautious reading, see
 * {@link resolveFenceposts}). Negative values count as 0.
 */
export function valueFromIntOrPercent(v: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof v === "number") return Number.isFinite(v) ? Math.max(0, Math.trunc(v)) : 0;
  const percent = /^(\d+)%$/.exec(v);
  if (percent !== null) {
    // Multiply before dividing, as Kubernetes does, so 10% of 30 is exactly 3.
    const exact = (Number(percent[1]) * total) / 100;
    return Math.max(0, roundUp ? Math.ceil(exact) : Math.floor(exact));
  }
  return /^\d+$/.test(v) ? Number(v) : 0;
}

/**
 * maxSurge and maxUnavailable as pod counts for `replicas` pods. Percentages of surge
 * round up and of unavailability round down, so small deployments surge rather than
 * lose availability. When both come to 0 (e.g. 25% of 3 unavailable, 0 surge),
 * unavailability becomes 1, or the rollout could never move.
 * @param maxSurge @default "25%"
 * @param maxUnavailable @default "25%"
 */
export function resolveFenceposts(maxSurge: IntOrPercent | undefined, maxUnavailable: IntOrPercent | undefined, replicas: number): Fenceposts {
  const surge = valueFromIntOrPercent(maxSurge ?? DEPLOYMENT_DEFAULTS.maxSurge, replicas, true);
  let unavailable = valueFromIntOrPercent(maxUnavailable ?? DEPLOYMENT_DEFAULTS.maxUnavailable, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { maxSurge: surge, maxUnavailable: unavailable };
}

/**
 * Whether the Deployment rolls (strategy RollingUpdate, the default). Only "Recreate"
 * recreates; validation allows nothing else, and an unknown type rolls.
 */
export function isRollingUpdate(d: DeploymentLike): boolean {
  return d.spec?.strategy?.type !== "Recreate";
}

/** The Deployment's fenceposts in pods: both 0 for Recreate; maxUnavailable 0 at 0 replicas and never above replicas. */
export function deploymentFenceposts(d: DeploymentLike): Fenceposts {
  if (!isRollingUpdate(d)) return { maxSurge: 0, maxUnavailable: 0 };
  const replicas = desiredReplicas(d);
  const ru = d.spec?.strategy?.rollingUpdate;
  const f = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas);
  return { maxSurge: f.maxSurge, maxUnavailable: replicas === 0 ? 0 : Math.min(f.maxUnavailable, replicas) };
}

/** Fewest available pods a rolling Deployment keeps: spec.replicas − maxUnavailable. */
export function minAvailable(d: DeploymentLike): number {
  return desiredReplicas(d) - deploymentFenceposts(d).maxUnavailable;
}

function sumReplicas(rss: readonly ReplicaSetState[]): number {
  return rss.reduce((n, rs) => n + rs.replicas, 0);
}

/**
 * The size the new ReplicaSet should have now (Kubernetes' NewRSNewReplicas). Rolling:
 * grow it by what the surge budget leaves (spec.replicas + maxSurge − all pods), never
 * past spec.replicas. Recreate: spec.replicas at once (old pods are gone by then).
 * @param all every ReplicaSet of the Deployment including the new one, at planned sizes.
 */
export function newReplicaSetReplicas(d: DeploymentLike, all: readonly ReplicaSetState[], newRs: ReplicaSetState): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const maxTotal = replicas + deploymentFenceposts(d).maxSurge;
  const current = sumReplicas(all);
  if (current >= maxTotal) return newRs.replicas;
  return newRs.replicas + Math.max(0, Math.min(maxTotal - current, replicas - newRs.replicas));
}

/**
 * The rolling update's scale-up step (reconcileNewReplicaSet): a new ReplicaSet larger
 * than spec.replicas shrinks to it; a smaller one grows by {@link newReplicaSetReplicas}.
 * @returns the new size, or undefined when it stays.
 */
export function rollingScaleUp(d: DeploymentLike, all: readonly ReplicaSetState[], newRs: ReplicaSetState): number | undefined {
  const replicas = desiredReplicas(d);
  const target = newRs.replicas > replicas ? replicas : newReplicaSetReplicas(d, all, newRs);
  return target === newRs.replicas ? undefined : target;
}

/**
 * The rolling update's scale-down step (reconcileOldReplicaSets). The budget is all pods
 * − minAvailable − the new ReplicaSet's unavailable pods (so a crash-looping new
 * ReplicaSet cannot talk the old ones down). Within it, unhealthy old pods go first,
 * oldest ReplicaSet first: removing them costs no availability and unblocks a stuck
 * rollout. Then available old pods go, but only as many as available pods exceed
 * minAvailable.
 * @param oldRss the old ReplicaSets at planned sizes, oldest first.
 * @returns the new size of each old ReplicaSet that shrinks, by name, in order.
 */
export function rollingScaleDown(d: DeploymentLike, all: readonly ReplicaSetState[], oldRss: readonly ReplicaSetState[], newRs: ReplicaSetState): Map<string, number> {
  const sizes = new Map<string, number>();
  const active = oldRss.filter((rs) => rs.replicas > 0);
  if (active.length === 0) return sizes;
  const minAvail = minAvailable(d);
  const newUnavailable = newRs.replicas - newRs.availableReplicas;
  const budget = sumReplicas(all) - minAvail - newUnavailable;
  if (budget <= 0) return sizes;

  let cleaned = 0;
  for (const rs of active) {
    if (cleaned >= budget) break;
    const unhealthy = rs.replicas - rs.availableReplicas;
    if (unhealthy <= 0) continue;
    const n = Math.min(budget - cleaned, unhealthy);
    sizes.set(rs.name, rs.replicas - n);
    cleaned += n;
  }

  // Availability comes from the ReplicaSets' status, which the cleanup above did not change.
  const available = all.reduce((n, rs) => n + rs.availableReplicas, 0);
  const removable = available - minAvail;
  let removed = 0;
  for (const rs of active) {
    if (removed >= removable) break;
    const size = sizes.get(rs.name) ?? rs.replicas;
    if (size === 0) continue;
    const n = Math.min(size, removable - removed);
    sizes.set(rs.name, size - n);
    removed += n;
  }
  return sizes;
}

/** Recreate's first step: every old ReplicaSet with pods goes to 0. @returns new sizes by name. */
export function recreateScaleDown(oldRss: readonly ReplicaSetState[]): Map<string, number> {
  return new Map(oldRss.filter((rs) => rs.replicas > 0).map((rs) => [rs.name, 0]));
}
