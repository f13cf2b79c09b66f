/**
 * The Deployment controller's decisions for one reconcile, as one pure function:
 * {@link planDeployment} takes the Deployment and the ReplicaSets it controls (from the
 * caches, unmodified) and returns the writes to make, in order, and the status to write
 * after them. The executor owns the informers, the clock, the pod count Recreate waits
 * on, and every API call.
 *
 * One pass does what one Kubernetes syncDeployment does (deployment_controller.go,
 * sync.go, rolling.go, recreate.go, progress.go): bring the new ReplicaSet's revision and
 * annotations up to date, then either scale (paused, or spec.replicas changed), or take
 * one rollout step, then compute the status. A step waits for the ReplicaSets' status to
 * move before the next: the executor reconciles again on their events, or at nextCheckMs.
 * Unlike Kubernetes, the new ReplicaSet's annotation sync and the step that follows are
 * one pass, and each ReplicaSet gets at most one write per pass.
 */
import { isRollingUpdate, newReplicaSetReplicas, recreateScaleDown, rollingScaleDown, rollingScaleUp, deploymentFenceposts } from "./rollout.ts";
import { buildNewReplicaSet, compareByCreation, findNewReplicaSet, newReplicaSetName, stateOf } from "./replicasets.ts";
import { historyToDelete, maxRevision, newReplicaSetAnnotations } from "./revisions.ts";
import { isScalingEvent, scaleDeployment } from "./scale.ts";
import { calculateStatus, deploymentComplete, findCondition, newCondition, nextCheckMs, pausedConditions, progressDeadlineMs, rolloutStatus, setCondition, statusEqual } from "./status.ts";
import { templateHash, templatesEqual } from "./template.ts";
import { Annotation, ConditionType, Reason, desiredReplicas } from "./types.ts";
import type { DeploymentConditionLike, DeploymentLike, DeploymentStatusLike, ReplicaSetLike } from "./types.ts";
import type { DeploymentAction } from "./actions.ts";
import { Draft } from "./draft.ts";

/** What the executor knows beyond the objects. */
export interface PlanInput {
  /** Now, in epoch ms: condition times and the progress deadline are judged against it. */
  nowMs: number;
  /**
   * Pods of this Deployment that are not owned by its new ReplicaSet (by the pod cache and
   * `findNewReplicaSet`; all of them when there is none) and are neither Succeeded nor
   * Failed. Recreate creates or scales the new ReplicaSet only when this is 0 (and the old
   * ReplicaSets report no pods); rolling updates ignore it.
   */
  oldPodsRunning: number;
}

/** The outcome of one pass. */
export interface DeploymentPlan {
  /**
   * The writes, in order. Stop at the first failure and requeue: the next pass plans from
   * whatever did happen. On AlreadyExists for a create, see {@link isHashCollision}.
   */
  actions: DeploymentAction[];
  /** The status to write through the status subresource once every action has succeeded. */
  status: DeploymentStatusLike;
  /** False when `status` says what the Deployment's status already says: skip that write. */
  statusChanged: boolean;
  /**
   * Set when the new ReplicaSet's name is taken by one of these ReplicaSets with another
   * template. Then `actions` is empty and `status` is the current one with collisionCount
   * raised by one: write it and reconcile again (the next hash differs).
   */
  collision?: { name: string };
  /** When to reconcile again if no event arrives first (epoch ms); undefined when nothing is pending. */
  nextCheckMs: number | undefined;
  /** The new ReplicaSet's name, existing or being created; undefined when there is none. */
  newReplicaSetName: string | undefined;
}

/** The state of one pass; `draft` records the ReplicaSet writes. */
interface Pass {
  readonly d: DeploymentLike;
  readonly input: PlanInput;
  readonly draft: Draft;
  /** The old ReplicaSets as cached, oldest first. */
  readonly olds: readonly ReplicaSetLike[];
  newRs: ReplicaSetLike | undefined;
  conditions: DeploymentConditionLike[];
  /** The revision the Deployment should carry after this pass. */
  revision: string | undefined;
  deletions: ReplicaSetLike[];
}

/**
 * Plan one reconcile of a Deployment: the writes to its ReplicaSets and to itself, in
 * order, the status to write, and when to look again. Pure: nothing passed in is modified.
 * @param ownedRSs every ReplicaSet the Deployment controls (controller ownerReference
 *   with its uid), in any order, including ones being deleted.
 */
export function planDeployment(d: DeploymentLike, ownedRSs: readonly ReplicaSetLike[], input: PlanInput): DeploymentPlan {
  const sorted = [...ownedRSs].sort(compareByCreation);
  const found = findNewReplicaSet(d, sorted);
  const pass: Pass = {
    d,
    input,
    draft: new Draft(d, sorted, input.nowMs),
    olds: sorted.filter((rs) => rs !== found),
    newRs: found,
    conditions: [...(d.status?.conditions ?? [])],
    revision: undefined,
    deletions: [],
  };
  // A Deployment being deleted only reports; the garbage collector removes its ReplicaSets.
  if (d.metadata?.deletionTimestamp !== undefined) return finish(pass, "counts");
  pass.conditions = pausedConditions(d, pass.conditions, input.nowMs);
  if (found !== undefined) syncNewReplicaSet(pass, found);
  if (d.spec?.paused === true || isScalingEvent(d, pass.draft.states())) return scalePass(pass);
  return isRollingUpdate(d) ? rollingPass(pass) : recreatePass(pass);
}

/**
 * Whether a create that failed with AlreadyExists hit a hash collision: the ReplicaSet of
 * that name is not controlled by this Deployment or has another template. Then write
 * {@link collisionStatus} and reconcile again. Otherwise the cache was merely behind:
 * reconcile again once it has the ReplicaSet.
 */
export function isHashCollision(d: DeploymentLike, existing: ReplicaSetLike): boolean {
  const ref = existing.metadata?.ownerReferences?.find((r) => r.controller === true);
  return ref?.uid !== d.metadata?.uid || !templatesEqual(existing.spec?.template, d.spec?.template);
}

/** The Deployment's status with collisionCount raised by one, so the next template hash differs. */
export function collisionStatus(d: DeploymentLike): DeploymentStatusLike {
  return { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
}

function nameOf(rs: ReplicaSetLike | undefined): string {
  return rs?.metadata?.name ?? "";
}

/**
 * Bring an existing new ReplicaSet up to date: the next revision when an old one is
 * higher (a rollback to it), the Deployment's annotations, its minReadySeconds; and, when
 * no Progressing condition exists yet, FoundNewReplicaSet.
 */
function syncNewReplicaSet(pass: Pass, rs: ReplicaSetLike): void {
  const { d } = pass;
  const annotations = newReplicaSetAnnotations(d, rs.metadata?.annotations ?? {}, maxRevision(pass.olds) + 1, 0);
  const minReady = d.spec?.minReadySeconds ?? 0;
  pass.draft.annotate(nameOf(rs), annotations, (rs.spec?.minReadySeconds ?? 0) !== minReady ? minReady : undefined);
  pass.revision = annotations[Annotation.revision];
  if (progressDeadlineMs(d) !== undefined && findCondition(pass.conditions, ConditionType.Progressing) === undefined) {
    const c = newCondition(ConditionType.Progressing, "True", Reason.FoundNewReplicaSet, `Found new replica set "${nameOf(rs)}"`, pass.input.nowMs);
    pass.conditions = setCondition(pass.conditions, c);
  }
}

/**
 * Plan the new ReplicaSet for the current template, at the size the strategy allows now.
 * @returns the name when it collides with a ReplicaSet of another template, else undefined.
 */
function createNewReplicaSet(pass: Pass): string | undefined {
  const { d, draft } = pass;
  const hash = templateHash(d.spec?.template, d.status?.collisionCount);
  const name = newReplicaSetName(d, hash);
  // findNewReplicaSet found no ReplicaSet with this template, so one with this name has another.
  if (draft.has(name)) return name;
  const revision = maxRevision(pass.olds) + 1;
  const annotations = newReplicaSetAnnotations(d, undefined, revision, desiredReplicas(d) + deploymentFenceposts(d).maxSurge);
  const empty = stateOf(buildNewReplicaSet(d, hash, 0, annotations));
  const replicas = newReplicaSetReplicas(d, [...draft.states(), empty], empty);
  const rs = buildNewReplicaSet(d, hash, replicas, annotations);
  draft.create(rs);
  pass.newRs = rs;
  pass.revision = String(revision);
  if (progressDeadlineMs(d) !== undefined) {
    const c = newCondition(ConditionType.Progressing, "True", Reason.NewReplicaSetCreated, `Created new replica set "${name}"`, pass.input.nowMs);
    pass.conditions = setCondition(pass.conditions, c);
  }
  return undefined;
}

/** Paused, or spec.replicas changed: resize (proportionally mid-rollout); no rollout progress. */
function scalePass(pass: Pass): DeploymentPlan {
  const { d, draft } = pass;
  const newState = pass.newRs !== undefined ? draft.state(nameOf(pass.newRs)) : undefined;
  const oldStates = pass.olds.map((rs) => draft.state(nameOf(rs)));
  for (const step of scaleDeployment(d, newState, oldStates, d.status?.replicas ?? 0)) draft.scale(step.name, step.replicas, step.annotateUnchanged);
  // Kubernetes cleans history here only while paused (a scaling event leaves it to the rollout).
  if (d.spec?.paused === true) cleanup(pass);
  return finish(pass, "counts");
}

/** One rolling-update step: grow the new ReplicaSet if the surge allows, else shrink old ones if availability allows. */
function rollingPass(pass: Pass): DeploymentPlan {
  const { d, draft } = pass;
  if (pass.newRs === undefined) {
    const collided = createNewReplicaSet(pass);
    if (collided !== undefined) return collisionPlan(pass, collided);
  }
  const newName = nameOf(pass.newRs);
  const up = rollingScaleUp(d, draft.states(), draft.state(newName));
  if (up !== undefined) {
    draft.scale(newName, up);
    return finish(pass, "rollout");
  }
  const oldStates = pass.olds.map((rs) => draft.state(nameOf(rs)));
  const down = rollingScaleDown(d, draft.states(), oldStates, draft.state(newName));
  for (const [name, replicas] of down) draft.scale(name, replicas);
  if (down.size === 0 && deploymentComplete(d, d.status)) cleanup(pass);
  return finish(pass, "rollout");
}

/** One Recreate step: empty the old ReplicaSets; once their pods are gone, size the new one. */
function recreatePass(pass: Pass): DeploymentPlan {
  const { d, draft } = pass;
  const down = recreateScaleDown(pass.olds.map((rs) => draft.state(nameOf(rs))));
  for (const [name, replicas] of down) draft.scale(name, replicas);
  if (down.size > 0) return finish(pass, "rollout");
  const oldPodsRunning = pass.input.oldPodsRunning > 0 || pass.olds.some((rs) => (rs.status?.replicas ?? 0) > 0);
  if (oldPodsRunning) return finish(pass, "rollout");
  if (pass.newRs === undefined) {
    const collided = createNewReplicaSet(pass);
    if (collided !== undefined) return collisionPlan(pass, collided);
  }
  draft.scale(nameOf(pass.newRs), desiredReplicas(d));
  if (deploymentComplete(d, d.status)) cleanup(pass);
  return finish(pass, "rollout");
}

function cleanup(pass: Pass): void {
  pass.deletions = historyToDelete(pass.d, pass.olds, pass.draft.touchedNames());
}

function collisionPlan(pass: Pass, name: string): DeploymentPlan {
  const status = collisionStatus(pass.d);
  if (pass.conditions.length > 0) status.conditions = pass.conditions;
  return { actions: [], status, statusChanged: true, collision: { name }, nextCheckMs: pass.input.nowMs, newReplicaSetName: undefined };
}

function deploymentActions(pass: Pass): DeploymentAction[] {
  const current = pass.d.metadata?.annotations ?? {};
  if (pass.revision === undefined || current[Annotation.revision] === pass.revision) return [];
  return [{ type: "updateDeploymentAnnotations", annotations: { ...current, [Annotation.revision]: pass.revision } }];
}

/**
 * The plan from a finished pass. "rollout" judges progress (Progressing), "counts" only
 * sums the ReplicaSets and sets Available, as Kubernetes does when scaling or paused.
 */
function finish(pass: Pass, kind: "rollout" | "counts"): DeploymentPlan {
  const { d, draft, input } = pass;
  const replicaSets = draft.objects();
  const statusInput = { d, replicaSets, newReplicaSet: pass.newRs, plannedReplicas: draft.plannedTotal(), conditions: pass.conditions, nowMs: input.nowMs };
  const status = kind === "rollout" ? rolloutStatus(statusInput) : calculateStatus(statusInput);
  const deletions: DeploymentAction[] = pass.deletions.map((rs) => ({
    type: "deleteReplicaSet",
    name: nameOf(rs),
    uid: rs.metadata?.uid,
    resourceVersion: rs.metadata?.resourceVersion,
  }));
  return {
    actions: [...draft.actions(), ...deletions, ...deploymentActions(pass)],
    status,
    statusChanged: !statusEqual(d.status, status),
    nextCheckMs: nextCheckMs(d, status, replicaSets, input.nowMs),
    newReplicaSetName: pass.newRs !== undefined ? nameOf(pass.newRs) : undefined,
  };
}
