/** batch/v1 Job. */
import { Pkg, Time, bool, describe, int32, int32Item, int64, list, listOf, ref, reqStr, str, strList, struct } from "./build.ts";
import { PodTemplateSpec } from "./core-pod.ts";
import { LabelSelector, resource } from "./objectmeta.ts";

const B = Pkg.batch;

const PodFailurePolicyOnExitCodesRequirement = struct(`${B}.PodFailurePolicyOnExitCodesRequirement`, "Matches pods by container exit codes.", {
  containerName: str("Only this container's exit code counts; empty means any container."),
  operator: reqStr("In or NotIn."),
  values: listOf(int32Item(), "Exit codes to compare with."),
});

const PodFailurePolicyOnPodConditionsPattern = struct(`${B}.PodFailurePolicyOnPodConditionsPattern`, "Matches pods by a condition.", {
  type: reqStr("Condition type, e.g. DisruptionTarget."),
  status: str("Condition status; defaults to True."),
});

const PodFailurePolicyRule = struct(`${B}.PodFailurePolicyRule`, "What to do when a failed pod matches.", {
  action: reqStr("FailJob, FailIndex, Ignore (do not count the failure) or Count (count it against backoffLimit)."),
  onExitCodes: ref(PodFailurePolicyOnExitCodesRequirement, "Match by exit code."),
  onPodConditions: list(PodFailurePolicyOnPodConditionsPattern, "Match by pod condition."),
});

const PodFailurePolicy = struct(`${B}.PodFailurePolicy`, "How pod failures affect the job; the first matching rule applies.", {
  rules: listOf(PodFailurePolicyRule, "Rules checked in order."),
});

const SuccessPolicyRule = struct(`${B}.SuccessPolicyRule`, "A condition under which an indexed job succeeds early.", {
  succeededIndexes: str("Indexes that must succeed, e.g. 0-3,7."),
  succeededCount: int32("How many of those indexes must succeed."),
});

const SuccessPolicy = struct(`${B}.SuccessPolicy`, "When an indexed job counts as succeeded before all indexes finish.", {
  rules: listOf(SuccessPolicyRule, "Any one rule being met succeeds the job."),
});

const JobSpec = struct(`${B}.JobSpec`, "Desired behaviour of a job.", {
  parallelism: int32("Most pods running at once. Defaults to 1."),
  completions: int32("Successful pods needed to finish. Defaults to 1 when parallelism is unset too; unset with parallelism set means any one success finishes (a work queue)."),
  activeDeadlineSeconds: int64("Seconds the job may run before it is failed and its pods stopped."),
  podFailurePolicy: ref(PodFailurePolicy, "How particular pod failures are handled."),
  successPolicy: ref(SuccessPolicy, "Early success for indexed jobs."),
  backoffLimit: int32("Retries before the job is failed. Defaults to 6."),
  backoffLimitPerIndex: int32("Retries per index, for indexed jobs."),
  maxFailedIndexes: int32("Failed indexes tolerated before the job fails, with backoffLimitPerIndex."),
  selector: ref(LabelSelector, "Which pods belong to the job. Generated from the job's UID unless manualSelector is true."),
  manualSelector: bool("Set true only to supply your own selector; it must then not overlap other jobs."),
  template: describe(PodTemplateSpec, "Pods to run; restartPolicy must be OnFailure or Never."),
  ttlSecondsAfterFinished: int32("Delete the job this many seconds after it finishes."),
  completionMode: str("NonIndexed (default): any pods' successes count; Indexed: each index 0..completions-1 must succeed once."),
  suspend: bool("While true no pods are created and running ones are stopped. Defaults to false."),
  podReplacementPolicy: str("When a replacement pod is created: TerminatingOrFailed (default) or Failed."),
  managedBy: str("Controller that manages the job; empty for the built-in one."),
});

const JobCondition = struct(`${B}.JobCondition`, "One aspect of a job's state, e.g. Complete or Failed.", {
  type: reqStr("Complete, Failed, Suspended, FailureTarget or SuccessCriteriaMet."),
  status: reqStr("True, False or Unknown."),
  lastProbeTime: ref(Time, "When the condition was last checked."),
  lastTransitionTime: ref(Time, "When the status last changed."),
  reason: str("One-word CamelCase reason, e.g. BackoffLimitExceeded."),
  message: str("Human-readable detail."),
});

const UncountedTerminatedPods = struct(`${B}.UncountedTerminatedPods`, "UIDs of finished pods not yet counted in status.", {
  succeeded: strList("UIDs of succeeded pods."),
  failed: strList("UIDs of failed pods."),
});

const JobStatus = struct(`${B}.JobStatus`, "Observed state of a job.", {
  conditions: list(JobCondition, "Conditions of the job.", { mergeKey: "type" }),
  startTime: ref(Time, "When the job controller started the job."),
  completionTime: ref(Time, "When the job completed successfully."),
  active: int32("Pods pending or running."),
  succeeded: int32("Pods that succeeded."),
  failed: int32("Pods that failed."),
  terminating: int32("Pods being terminated."),
  completedIndexes: str("Succeeded indexes of an indexed job, e.g. 1,3-5."),
  failedIndexes: str("Failed indexes, with backoffLimitPerIndex."),
  uncountedTerminatedPods: ref(UncountedTerminatedPods, "Finished pods not yet counted."),
  ready: int32("Pods that are ready."),
});

export const Job = resource(`${B}.Job`, { group: "batch", version: "v1", kind: "Job" }, "Runs pods until a number of them complete successfully.", {
  spec: ref(JobSpec, "Desired behaviour of the job."),
  status: ref(JobStatus, "Observed state of the job."),
});
