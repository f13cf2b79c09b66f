/**
 * When a Job may replace failed pods, and when its failures exceed `backoffLimit`.
 *
 * Kubernetes (pkg/controller/job/backoff_utils.go) keeps an in-memory record of the
 * failures since the last success; here the same record is derived from the finished
 * pods themselves on every sync, so a restarted controller manager keeps the backoff
 * it had: the n-th failure in a row delays the next pod by base·2^(n−1), at most max,
 * counted from the moment the latest failed pod finished.
 */
import type { JobObject, PodObject } from "@flotilla/api";

/** Kubernetes' DefaultJobPodFailureBackOff: the delay after the first failure. */
export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
/** Kubernetes' MaxJobPodFailureBackOff: the delay never grows beyond this. */
export const MAX_POD_FAILURE_BACKOFF_MS = 360_000;

function parseMs(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * When a finished pod finished: the latest `finishedAt` of its containers (init
 * containers included); failing that, when its Ready condition turned False; failing
 * that, its creation time, so every finished pod has a place in the order.
 * @returns undefined only when the pod carries none of these times.
 */
export function podFinishedAtMs(p: PodObject): number | undefined {
  const statuses = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
  let latest: number | undefined;
  for (const s of statuses) {
    const at = parseMs(s.state?.terminated?.finishedAt);
    if (at !== undefined && (latest === undefined || at > latest)) latest = at;
  }
  if (latest !== undefined) return latest;
  const ready = p.status?.conditions?.find((c) => c.type === "Ready");
  if (ready?.status === "False") {
    const at = parseMs(ready.lastTransitionTime);
    if (at !== undefined) return at;
  }
  return parseMs(p.metadata?.creationTimestamp);
}

/**
 * The delay after `failures` failures in a row: 0 for none, then base, 2·base, 4·base, …
 * capped at `maxMs`.
 */
export function failureBackoffMs(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  // Doubling past the cap in a loop bounded by the cap, not by `failures` (which may be huge).
  let delay = baseMs;
  for (let i = 1; i < failures && delay < maxMs; i++) delay *= 2;
  return Math.min(delay, maxMs);
}

/**
 * Milliseconds until the job may create a replacement pod: the failures that finished
 * after the latest success count, and the delay runs from the latest of them.
 * @param succeeded the job's counted succeeded pods. @param failed its counted failed pods.
 * @returns 0 when a pod may be created now.
 */
export function backoffRemainingMs(succeeded: readonly PodObject[], failed: readonly PodObject[], nowMs: number, baseMs: number, maxMs: number): number {
  let lastSuccessMs = -Infinity;
  for (const p of succeeded) lastSuccessMs = Math.max(lastSuccessMs, podFinishedAtMs(p) ?? -Infinity);
  let failures = 0;
  let lastFailureMs = -Infinity;
  for (const p of failed) {
    const at = podFinishedAtMs(p) ?? -Infinity;
    if (at <= lastSuccessMs) continue;
    failures++;
    lastFailureMs = Math.max(lastFailureMs, at);
  }
  if (failures === 0 || lastFailureMs === -Infinity) return 0;
  return Math.max(0, lastFailureMs + failureBackoffMs(failures, baseMs, maxMs) - nowMs);
}

/**
 * For `restartPolicy: OnFailure`, where the kubelet restarts failed containers instead
 * of failing the pod: whether the restarts of the pods still Pending or Running reach
 * the backoff limit (exceed it, for a limit of 0), as Kubernetes counts them.
 */
export function pastBackoffLimitOnFailure(job: Pick<JobObject, "spec">, pods: readonly PodObject[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== "OnFailure") return false;
  let restarts = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase !== "Pending" && phase !== "Running") continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount;
  }
  const limit = backoffLimit(job);
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** spec.backoffLimit with Kubernetes' default of 6. */
export function backoffLimit(job: Pick<JobObject, "spec">): number {
  return job.spec?.backoffLimit ?? 6;
}
