/**
 * Scaling a Deployment that is not rolling out: when spec.replicas changes, or while it
 * is paused. With one active ReplicaSet that one takes the new size; in the middle of a
 * rollout every active ReplicaSet grows or shrinks in proportion to its share, so the
 * rollout resumes from the same mix of old and new pods.
 *
 * Kubernetes semantics: isScalingEvent and scale in pkg/controller/deployment/sync.go,
 * FindActiveOrLatest, IsSaturated and GetProportion in util/deployment_util.go. The
 * proportions rest on the `desired-replicas` and `max-replicas` annotations every scale
 * writes, so they record the size the ReplicaSets were last balanced for.
 */
import { deploymentFenceposts, isRollingUpdate } from "./rollout.ts";
import { Annotation, desiredReplicas } from "./types.ts";
import type { DeploymentLike, ReplicaSetState } from "./types.ts";

/** One size to write. */
export interface ScaleStep {
  name: string;
  replicas: number;
  /**
   * Write the `desired-replicas`/`max-replicas` annotations even if the size stays
   * (proportional scaling re-stamps every active ReplicaSet; other steps only annotate
   * what they resize).
   */
  annotateUnchanged: boolean;
}

/** An integer annotation, as Go's strconv.Atoi reads it; undefined when absent or not an integer. */
export function intAnnotation(annotations: Readonly<Record<string, string>>, key: string): number | undefined {
  const v = annotations[key];
  return v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * Whether this pass is a scaling event rather than a rollout step: some active
 * ReplicaSet was last sized for a different spec.replicas than the Deployment has now.
 */
export function isScalingEvent(d: DeploymentLike, rss: readonly ReplicaSetState[]): boolean {
  const replicas = desiredReplicas(d);
  return rss.some((rs) => {
    if (rs.replicas <= 0) return false;
    const desired = intAnnotation(rs.annotations, Annotation.desiredReplicas);
    return desired !== undefined && desired !== replicas;
  });
}

/** Newest first, by creation time and then name (the reverse of the oldest-first order). */
function newerFirst(a: ReplicaSetState, b: ReplicaSetState): number {
  return b.createdMs - a.createdMs || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);
}

/**
 * The one ReplicaSet that takes the whole size: the only active one, or with none
 * active the new one, else the newest old one. Undefined when several are active.
 */
function activeOrLatest(newRs: ReplicaSetState | undefined, oldRss: readonly ReplicaSetState[]): ReplicaSetState | undefined {
  const olds = [...oldRss].sort(newerFirst);
  const active = [...olds, ...(newRs ? [newRs] : [])].filter((rs) => rs.replicas > 0);
  if (active.length === 0) return newRs ?? olds[0];
  return active.length === 1 ? active[0] : undefined;
}

/** The new ReplicaSet holds the whole Deployment, knows it, and all its pods are available. */
function isSaturated(d: DeploymentLike, rs: ReplicaSetState | undefined): boolean {
  if (rs === undefined) return false;
  const replicas = desiredReplicas(d);
  return rs.replicas === replicas && intAnnotation(rs.annotations, Annotation.desiredReplicas) === replicas && rs.availableReplicas === replicas;
}

/** Go's math.Round: halves away from zero (Math.round rounds -2.5 to -2). */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * How many pods this ReplicaSet gains (or loses) if the Deployment grows to
 * spec.replicas + maxSurge: its size scaled by that over the `max-replicas` it was last
 * balanced for (the Deployment's status.replicas when unannotated), minus its size.
 */
function fraction(rs: ReplicaSetState, d: DeploymentLike, statusReplicas: number): number {
  const replicas = desiredReplicas(d);
  if (replicas === 0) return -rs.replicas;
  const target = replicas + deploymentFenceposts(d).maxSurge;
  const annotated = intAnnotation(rs.annotations, Annotation.maxReplicas) ?? statusReplicas;
  // Kubernetes divides by zero here; give no share and let the leftover go to the largest.
  if (annotated <= 0) return 0;
  return roundHalfAway((rs.replicas * target) / annotated) - rs.replicas;
}

/** GetProportion: the fraction, capped so the running total never overshoots what is to add (or remove). */
function proportion(rs: ReplicaSetState, d: DeploymentLike, toAdd: number, added: number, statusReplicas: number): number {
  if (rs.replicas === 0 || toAdd === 0 || toAdd === added) return 0;
  const f = fraction(rs, d, statusReplicas);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(f, allowed) : Math.max(f, allowed);
}

function proportionalSteps(d: DeploymentLike, active: readonly ReplicaSetState[], statusReplicas: number): ScaleStep[] {
  const replicas = desiredReplicas(d);
  const allowed = replicas > 0 ? replicas + deploymentFenceposts(d).maxSurge : 0;
  const toAdd = allowed - active.reduce((n, rs) => n + rs.replicas, 0);
  // Largest first. Among equals, growth goes to the newer and shrinkage to the older.
  const ordered = [...active].sort((a, b) => b.replicas - a.replicas || (toAdd > 0 ? newerFirst(a, b) : -newerFirst(a, b)));
  let added = 0;
  const sizes = ordered.map((rs) => {
    const p = proportion(rs, d, toAdd, added, statusReplicas);
    added += p;
    return rs.replicas + p;
  });
  // Rounding leaves a remainder; the largest ReplicaSet absorbs it.
  if (toAdd !== 0 && sizes.length > 0) sizes[0] = Math.max(0, (sizes[0] ?? 0) + toAdd - added);
  return ordered.map((rs, i) => ({ name: rs.name, replicas: sizes[i] ?? rs.replicas, annotateUnchanged: true }));
}

/**
 * The sizes a scaling event (or a pass of a paused Deployment) writes: the one active (or
 * latest) ReplicaSet takes spec.replicas; a saturated new ReplicaSet empties the old ones;
 * otherwise a rolling Deployment spreads spec.replicas + maxSurge over the active
 * ReplicaSets by {@link fraction}, largest first, leftovers to the largest (among equals
 * the newest when growing). A Recreate Deployment with several active is left alone: its
 * rollout will empty the old ones.
 * @param statusReplicas the Deployment's status.replicas, for ReplicaSets without `max-replicas`.
 * @returns the steps in the order to write them.
 */
export function scaleDeployment(d: DeploymentLike, newRs: ReplicaSetState | undefined, oldRss: readonly ReplicaSetState[], statusReplicas: number): ScaleStep[] {
  const replicas = desiredReplicas(d);
  const single = activeOrLatest(newRs, oldRss);
  if (single !== undefined) return single.replicas === replicas ? [] : [{ name: single.name, replicas, annotateUnchanged: false }];
  if (isSaturated(d, newRs)) return oldRss.filter((rs) => rs.replicas > 0).map((rs) => ({ name: rs.name, replicas: 0, annotateUnchanged: false }));
  if (!isRollingUpdate(d)) return [];
  const active = [...oldRss, ...(newRs ? [newRs] : [])].filter((rs) => rs.replicas > 0);
  return proportionalSteps(d, active, statusReplicas);
}
