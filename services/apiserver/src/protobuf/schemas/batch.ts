/**
 * batch/v1 Job and CronJob.
 * Field tables in the notation described in ../schema.ts.
 */
import type { MessageSource } from "../schema.ts";

/** Field tables, keyed by message name. */
export const BATCH_MESSAGES: MessageSource = {
  Job: `
    1 metadata ObjectMeta o
    2 spec JobSpec o
    3 status JobStatus o
  `,
  JobSpec: `
    1 parallelism *int32 o
    2 completions *int32 o
    3 activeDeadlineSeconds *int64 o
    11 podFailurePolicy *PodFailurePolicy o
    16 successPolicy *SuccessPolicy o
    7 backoffLimit *int32 o
    12 backoffLimitPerIndex *int32 o
    13 maxFailedIndexes *int32 o
    4 selector *LabelSelector o
    5 manualSelector *bool o
    6 template PodTemplateSpec
    8 ttlSecondsAfterFinished *int32 o
    9 completionMode *string o
    10 suspend *bool o
    14 podReplacementPolicy *string o
    15 managedBy *string o
  `,
  PodFailurePolicy: `
    1 rules []PodFailurePolicyRule
  `,
  PodFailurePolicyRule: `
    1 action string
    2 onExitCodes *PodFailurePolicyOnExitCodesRequirement o
    3 onPodConditions []PodFailurePolicyOnPodConditionsPattern o
  `,
  PodFailurePolicyOnExitCodesRequirement: `
    1 containerName *string o
    2 operator string
    3 values []int32
  `,
  PodFailurePolicyOnPodConditionsPattern: `
    1 type string
    2 status string
  `,
  SuccessPolicy: `
    1 rules []SuccessPolicyRule
  `,
  SuccessPolicyRule: `
    1 succeededIndexes *string o
    2 succeededCount *int32 o
  `,
  JobStatus: `
    1 conditions []JobCondition o
    2 startTime *Time o
    3 completionTime *Time o
    4 active int32 o
    5 succeeded int32 o
    6 failed int32 o
    11 terminating *int32 o
    7 completedIndexes string o
    10 failedIndexes *string o
    8 uncountedTerminatedPods *UncountedTerminatedPods o
    9 ready *int32 o
  `,
  JobCondition: `
    1 type string
    2 status string
    3 lastProbeTime Time o
    4 lastTransitionTime Time o
    5 reason string o
    6 message string o
  `,
  UncountedTerminatedPods: `
    1 succeeded []string o
    2 failed []string o
  `,
  CronJob: `
    1 metadata ObjectMeta o
    2 spec CronJobSpec o
    3 status CronJobStatus o
  `,
  CronJobSpec: `
    1 schedule string
    8 timeZone *string o
    2 startingDeadlineSeconds *int64 o
    3 concurrencyPolicy string o
    4 suspend *bool o
    5 jobTemplate JobTemplateSpec
    6 successfulJobsHistoryLimit *int32 o
    7 failedJobsHistoryLimit *int32 o
  `,
  JobTemplateSpec: `
    1 metadata ObjectMeta o
    2 spec JobSpec o
  `,
  CronJobStatus: `
    1 active []ObjectReference o
    4 lastScheduleTime *Time o
    5 lastSuccessfulTime *Time o
  `,
};
