/**
 * Job conditions: their types, whether a Job is finished, and setting one the way
 * Kubernetes does (ensureJobConditionStatus), so that `lastTransitionTime` moves only
 * when the status flips and a False condition is never invented for a type that was
 * never True.
 */
import type { JobObject } from "@flotilla/api";

/** The status block of a batch/v1 Job. */
export type JobStatus = NonNullable<JobObject["status"]>;
/** One entry of `status.conditions`. */
export type JobCondition = NonNullable<JobStatus["conditions"]>[number];

/** The condition types the Job controller writes. */
export const JobConditionType = {
  /** Terminal: enough pods succeeded. `kubectl wait --for=condition=complete` waits for it. */
  Complete: "Complete",
  /** Terminal: the job gave up (backoff limit, deadline). */
  Failed: "Failed",
  /** True while `spec.suspend` holds the job; False once resumed. */
  Suspended: "Suspended",
  /** Interim: the job will fail once its remaining pods have terminated (Kubernetes ≥ 1.31). */
  FailureTarget: "FailureTarget",
  /** Interim: the job will complete once its remaining pods have terminated (Kubernetes ≥ 1.31). */
  SuccessCriteriaMet: "SuccessCriteriaMet",
} as const;
export type JobConditionType = (typeof JobConditionType)[keyof typeof JobConditionType];

/** The condition of this type, if the job has one. */
export function findCondition(conditions: readonly JobCondition[] | undefined, type: JobConditionType): JobCondition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Whether the job has a condition of this type with status True. */
export function hasTrueCondition(job: Pick<JobObject, "status">, type: JobConditionType): boolean {
  return findCondition(job.status?.conditions, type)?.status === "True";
}

/**
 * Whether the job has finished (Complete or Failed True). A finished job is never
 * touched again: its pods stay, its counts stay.
 */
export function isJobFinished(job: Pick<JobObject, "status">): boolean {
  return hasTrueCondition(job, JobConditionType.Complete) || hasTrueCondition(job, JobConditionType.Failed);
}

/**
 * Set the condition of `type` to `status` with this reason and message, in place.
 * - Absent and `status` False: nothing is added (a job never suspended has no
 *   Suspended=False condition).
 * - Absent and True: appended, both times set to `now`.
 * - Present with another status: flipped, both times set to `now`.
 * - Present with the same status: reason and message are refreshed (the probe time
 *   moves, the transition time does not).
 * @returns whether anything changed, so the caller knows whether to record an event.
 */
export function ensureCondition(conditions: JobCondition[], type: JobConditionType, status: "True" | "False", reason: string, message: string, now: string): boolean {
  const existing = conditions.find((c) => c.type === type);
  if (existing === undefined) {
    if (status === "False") return false;
    conditions.push({ type, status, reason, message, lastProbeTime: now, lastTransitionTime: now });
    return true;
  }
  if (existing.status !== status) {
    Object.assign(existing, { status, reason, message, lastProbeTime: now, lastTransitionTime: now });
    return true;
  }
  if (existing.reason === reason && existing.message === message) return false;
  Object.assign(existing, { reason, message, lastProbeTime: now });
  return true;
}
