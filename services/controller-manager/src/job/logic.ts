/**
 * The Job controller's decisions (batch/v1, NonIndexed completion mode), as pure
 * functions: which pods to create or delete, the status to report, the events that go
 * with it and when to look again. The executor (controller.ts) owns the clock, the
 * caches and every write.
 *
 * Counting: a pod counts once it is seen finished (Succeeded or Failed) while not being
 * deleted, and the counts in the status never go down. Kubernetes instead holds every
 * pod with a `batch.kubernetes.io/job-tracking` finalizer until it is counted; without
 * it, a finished pod deleted before this controller saw it finish is not counted, and
 * one counted and then deleted stays counted but no longer shows which it was. Pods that
 * end after this controller (or anyone) asked to delete them do not count as failures:
 * a pod stopped by a scale-down or a suspension did not fail.
 *
 * Kubernetes semantics: pkg/controller/job/job_controller.go (syncJob, manageJob,
 * trackJobStatusAndRemoveFinalizers, enactJobFinished).
 */
import { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, rfc3339 } from "@flotilla/api";
import type { JobObject, LabelSelectorObject, ObjectMeta, PodObject } from "@flotilla/api";
import { isPodActive, isPodReady, rankPodsForDeletion } from "../replicaset/pods.ts";
import { podFromTemplate } from "../replicaset/logic.ts";
import { controllerRefTo } from "../replicaset/refs.ts";
import { backoffLimit, backoffRemainingMs, pastBackoffLimitOnFailure } from "./backoff.ts";
import { ensureCondition, findCondition, isJobFinished, JobConditionType, type JobCondition, type JobStatus } from "./conditions.ts";

/**
 * Most pods one sync creates or deletes (Kubernetes' MaxPodCreateDeletePerSync): a job
 * of 10,000 parallel pods starts in steps, each observed before the next.
 */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

/** How soon to look again at a job whose deadline passed while it could not act. */
export const RECHECK_MS = 1000;

/** What {@link planJob} needs besides the job and its pods. */
export interface JobPlanOptions {
  /** Delay before replacing the first failed pod; doubles per further failure. */
  backoffBaseMs: number;
  /** Longest delay before replacing a failed pod. */
  backoffMaxMs: number;
  /**
   * Whether pods may be created or deleted and the job finished, suspended or resumed:
   * false while the executor still waits to observe its own creations and deletions
   * (expectations) or while the job is being deleted. Counts are reported either way.
   */
  manage: boolean;
}

/** An event to record on the job once the status that goes with it is written. */
export interface JobEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/** What one sync should do. */
export interface JobPlan {
  /** How many pods to create from the template (slow-start batches, see slowStartBatches). */
  create: number;
  /** Active pods to delete, most expendable first. */
  delete: PodObject[];
  /**
   * The status to write, assuming every creation and deletion succeeds: `active` already
   * counts the pods to create; the executor lowers it by those it failed to create.
   */
  status: JobStatus;
  events: JobEvent[];
  /** Sync again after this long even if nothing changes (deadline, backoff). */
  requeueAfterMs: number | undefined;
}

/** The job's pods by what they count as. */
export interface JobPods {
  /** Not finished and not being deleted. */
  active: PodObject[];
  /** Being deleted and not yet finished. */
  terminating: PodObject[];
  /** Succeeded, not being deleted: counted. */
  succeeded: PodObject[];
  /** Failed, not being deleted: counted. */
  failed: PodObject[];
}

/** Split the job's pods; finished pods that are being deleted fall in no group. */
export function classifyPods(pods: readonly PodObject[]): JobPods {
  const out: JobPods = { active: [], terminating: [], succeeded: [], failed: [] };
  for (const p of pods) {
    const phase = p.status?.phase;
    const deleting = p.metadata?.deletionTimestamp !== undefined;
    if (isPodActive(p)) out.active.push(p);
    else if (phase === "Succeeded" || phase === "Failed") {
      if (!deleting) (phase === "Succeeded" ? out.succeeded : out.failed).push(p);
    } else out.terminating.push(p);
  }
  return out;
}

/** Whether the apiserver generates the job's selector (no manualSelector). */
function generatedSelector(job: JobObject): boolean {
  return job.spec?.manualSelector !== true;
}

/**
 * The selector of the job's pods: `spec.selector`, or, if the apiserver left it unset on
 * a job without manualSelector, the one it generates from the job's uid. An unset
 * selector selects nothing, and claiming with it would release every pod the job owns
 * and start new ones without end.
 */
export function jobSelector(job: JobObject): LabelSelectorObject | undefined {
  if (job.spec?.selector !== undefined || !generatedSelector(job)) return job.spec?.selector;
  const uid = job.metadata?.uid;
  return uid === undefined ? undefined : { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: uid } };
}

/**
 * A new pod for the job: generateName "<job>-", the template's labels, annotations,
 * finalizers and spec, and a controller reference to the job that blocks its foreground
 * deletion. Unless the selector is manual, the pod also carries the job's identity
 * labels (controller-uid and job-name, prefixed and not); the apiserver puts them in the
 * template too, and having them here keeps the pod selected by {@link jobSelector}.
 */
export function podForJob(job: JobObject): PodObject & { metadata: ObjectMeta } {
  const pod = podFromTemplate({ metadata: job.metadata, spec: { template: job.spec?.template } });
  pod.metadata.ownerReferences = [controllerRefTo(job, "batch/v1", "Job")];
  if (generatedSelector(job)) {
    const uid = job.metadata?.uid ?? "";
    const name = job.metadata?.name ?? "";
    pod.metadata.labels = { ...pod.metadata.labels, "controller-uid": uid, "job-name": name, [JOB_CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name };
  }
  return pod;
}

/** Why and how a job is finishing. */
interface Finish {
  success: boolean;
  reason: string;
  message: string;
}

/** Everything one plan reads, plus what it accumulates. */
interface Ctx {
  job: JobObject;
  pods: JobPods;
  status: JobStatus;
  conditions: JobCondition[];
  nowMs: number;
  now: string;
  opts: JobPlanOptions;
  events: JobEvent[];
}

interface Actions {
  create: number;
  delete: PodObject[];
  requeueAfterMs: number | undefined;
}

/** No pods to create or delete, no requeue (a fresh object: plans are handed out and may be changed). */
function nothing(): Actions {
  return { create: 0, delete: [], requeueAfterMs: undefined };
}

/**
 * Decide one sync of a NonIndexed job from its pods (owned ones, any phase, including
 * those being deleted):
 * - finished (Complete or Failed True): nothing at all;
 * - failing (failed pods beyond `backoffLimit`, OnFailure restarts reaching it, or
 *   `activeDeadlineSeconds` passed since `startTime`): delete the active pods, set
 *   FailureTarget, and Failed once no pod is left terminating;
 * - succeeded (`completions` successes, or with completions unset any success) with no
 *   pod active: SuccessCriteriaMet, and Complete with completionTime once none is
 *   terminating;
 * - suspended: delete the active pods, Suspended True; resumed: Suspended False and a
 *   fresh startTime, so the deadline counts from the resumption;
 * - otherwise keep min(parallelism, completions − succeeded) pods active, deleting the
 *   most expendable extras, and replace failed pods only once the backoff has passed.
 * @param nowMs the executor's clock; `job` and `pods` come from read-only caches and are
 *   not modified.
 */
export function planJob(job: JobObject, pods: readonly PodObject[], nowMs: number, opts: JobPlanOptions): JobPlan {
  if (isJobFinished(job)) return { ...nothing(), status: structuredClone(job.status ?? {}), events: [] };
  const status: JobStatus = structuredClone(job.status ?? {});
  const ctx: Ctx = { job, pods: classifyPods(pods), status, conditions: status.conditions ?? [], nowMs, now: rfc3339(nowMs), opts, events: [] };
  if (status.startTime === undefined && !suspended(job)) status.startTime = ctx.now;
  status.succeeded = Math.max(status.succeeded ?? 0, ctx.pods.succeeded.length);
  status.failed = Math.max(status.failed ?? 0, ctx.pods.failed.length);
  const finish = opts.manage ? finishing(ctx) : undefined;
  let actions: Actions;
  if (finish !== undefined) actions = finishJob(ctx, finish);
  else if (opts.manage) actions = manageJob(ctx);
  else actions = { ...nothing(), requeueAfterMs: waitingRequeueMs(ctx) };
  const deletedReady = actions.delete.filter(isPodReady).length;
  status.active = ctx.pods.active.length - actions.delete.length + actions.create;
  status.ready = ctx.pods.active.filter(isPodReady).length - deletedReady;
  status.terminating = ctx.pods.terminating.length + actions.delete.length;
  if (ctx.conditions.length > 0) status.conditions = ctx.conditions;
  return { create: actions.create, delete: actions.delete, status, events: ctx.events, requeueAfterMs: actions.requeueAfterMs };
}

function suspended(job: JobObject): boolean {
  return job.spec?.suspend === true;
}

/** Whether the counted successes finish the job (with nothing left active). */
function succeeded(ctx: Ctx): boolean {
  if (ctx.pods.active.length > 0) return false;
  const completions = ctx.job.spec?.completions;
  const done = ctx.status.succeeded ?? 0;
  return completions === undefined ? done > 0 : done >= completions;
}

/**
 * Milliseconds left before activeDeadlineSeconds runs out; undefined when it does not
 * apply: no deadline, not started, suspended, or being resumed by this sync (whose
 * startTime is about to restart, so the old one must not fail the job).
 */
function deadlineRemainingMs(ctx: Ctx): number | undefined {
  const seconds = ctx.job.spec?.activeDeadlineSeconds;
  const start = ctx.status.startTime;
  if (seconds === undefined || start === undefined || suspended(ctx.job)) return undefined;
  if (findCondition(ctx.conditions, JobConditionType.Suspended)?.status === "True") return undefined;
  return Date.parse(start) + seconds * 1000 - ctx.nowMs;
}

/**
 * When the plan may not act (expectations outstanding): look again at the deadline, or
 * soon if it has already passed, so a lost pod event cannot postpone the failure for the
 * whole lifetime of the expectations.
 */
function waitingRequeueMs(ctx: Ctx): number | undefined {
  const left = deadlineRemainingMs(ctx);
  if (left === undefined) return undefined;
  return left > 0 ? left : RECHECK_MS;
}

/** The reason the job is finishing now, or undefined when it goes on. */
function finishing(ctx: Ctx): Finish | undefined {
  const interimSuccess = findCondition(ctx.conditions, JobConditionType.SuccessCriteriaMet);
  if (interimSuccess?.status === "True") return { success: true, reason: interimSuccess.reason ?? "", message: interimSuccess.message ?? "" };
  const interimFailure = findCondition(ctx.conditions, JobConditionType.FailureTarget);
  if (interimFailure?.status === "True") return { success: false, reason: interimFailure.reason ?? "", message: interimFailure.message ?? "" };
  if ((ctx.status.failed ?? 0) > backoffLimit(ctx.job) || pastBackoffLimitOnFailure(ctx.job, ctx.pods.active)) {
    return { success: false, reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };
  }
  const left = deadlineRemainingMs(ctx);
  if (left !== undefined && left <= 0) return { success: false, reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };
  if (succeeded(ctx)) return { success: true, reason: "CompletionsReached", message: "Reached expected number of succeeded pods" };
  return undefined;
}

/**
 * Delete what is still active and record the interim condition; the terminal one
 * (Complete or Failed) follows once no pod is terminating, so a user who waits for it
 * knows the pods have stopped. On failure, the active pods stopped now count as failed,
 * as in Kubernetes.
 */
function finishJob(ctx: Ctx, finish: Finish): Actions {
  const { status, conditions, now } = ctx;
  const toDelete = ctx.pods.active.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
  const interim = finish.success ? JobConditionType.SuccessCriteriaMet : JobConditionType.FailureTarget;
  ensureCondition(conditions, interim, "True", finish.reason, finish.message, now);
  if (!finish.success) status.failed = (status.failed ?? 0) + toDelete.length;
  if (ctx.pods.active.length > 0 || ctx.pods.terminating.length > 0) return { ...nothing(), delete: toDelete };
  if (finish.success) {
    ensureCondition(conditions, JobConditionType.Complete, "True", finish.reason, finish.message, now);
    status.completionTime = now;
    ctx.events.push({ type: "Normal", reason: "Completed", message: "Job completed" });
  } else {
    ensureCondition(conditions, JobConditionType.Failed, "True", finish.reason, finish.message, now);
    ctx.events.push({ type: "Warning", reason: finish.reason, message: finish.message });
  }
  return nothing();
}

/** How many pods the job wants active (before backoff). */
function wantActive(ctx: Ctx): number {
  const parallelism = Math.max(0, ctx.job.spec?.parallelism ?? 1);
  const completions = ctx.job.spec?.completions;
  // Work-queue mode: after the first success, let the running pods finish; start no more.
  if (completions === undefined) return (ctx.status.succeeded ?? 0) > 0 ? ctx.pods.active.length : parallelism;
  return Math.max(0, Math.min(parallelism, completions - (ctx.status.succeeded ?? 0)));
}

/** Suspend, resume, scale down, or create within the backoff. */
function manageJob(ctx: Ctx): Actions {
  const { job, pods, conditions, now } = ctx;
  if (suspended(job)) {
    if (ensureCondition(conditions, JobConditionType.Suspended, "True", "JobSuspended", "Job suspended", now)) {
      ctx.events.push({ type: "Normal", reason: "Suspended", message: "Job suspended" });
    }
    return { ...nothing(), delete: rankPodsForDeletion(pods.active).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC) };
  }
  if (ensureCondition(conditions, JobConditionType.Suspended, "False", "JobResumed", "Job resumed", now)) {
    ctx.events.push({ type: "Normal", reason: "Resumed", message: "Job resumed" });
    // The deadline counts the time the job is continuously active, not the time suspended.
    ctx.status.startTime = now;
  }
  const deadlineMs = deadlineRemainingMs(ctx);
  const want = wantActive(ctx);
  const extra = pods.active.length - want;
  if (extra > 0) return { create: 0, delete: rankPodsForDeletion(pods.active).slice(0, Math.min(extra, MAX_POD_CREATE_DELETE_PER_SYNC)), requeueAfterMs: deadlineMs };
  // With podReplacementPolicy Failed, a pod still terminating holds its place until it ends.
  const holding = job.spec?.podReplacementPolicy === "Failed" ? pods.terminating.length : 0;
  const missing = want - pods.active.length - holding;
  if (missing <= 0) return { ...nothing(), requeueAfterMs: deadlineMs };
  const waitMs = backoffRemainingMs(pods.succeeded, pods.failed, ctx.nowMs, ctx.opts.backoffBaseMs, ctx.opts.backoffMaxMs);
  if (waitMs > 0) return { ...nothing(), requeueAfterMs: Math.min(waitMs, deadlineMs ?? Infinity) };
  return { create: Math.min(missing, MAX_POD_CREATE_DELETE_PER_SYNC), delete: [], requeueAfterMs: deadlineMs };
}

/** A status in a canonical form: absent values are null and conditions are ordered by type. */
function canonical(s: JobStatus | undefined): string {
  const conditions = [...(s?.conditions ?? [])]
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
    .map((c) => [c.type, c.status, c.reason ?? "", c.message ?? "", c.lastTransitionTime ?? ""]);
  const n = (v: number | undefined) => v ?? null;
  return JSON.stringify([s?.startTime ?? null, s?.completionTime ?? null, n(s?.active), n(s?.ready), n(s?.succeeded), n(s?.failed), n(s?.terminating), conditions]);
}

/**
 * Whether two statuses differ in anything a reader could see, so the executor can skip
 * a write that would change nothing. Condition order and probe times do not matter.
 */
export function jobStatusChanged(a: JobStatus | undefined, b: JobStatus | undefined): boolean {
  return canonical(a) !== canonical(b);
}
