/**
 * Jobs and pods for the Job controller's unit tests, frozen like the shared caches they
 * stand for, so a decision that modifies its input fails loudly.
 */
import type { JobObject, PodObject } from "@flotilla/api";
import type { JobStatus } from "./conditions.ts";

export const T0 = Date.parse("2026-11-22T01:00:00Z");
export const JOB_UID = "uid-job";
export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export interface JobOpts {
  completions?: number;
  parallelism?: number;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  suspend?: boolean;
  restartPolicy?: "Never" | "OnFailure";
  podReplacementPolicy?: "Failed" | "TerminatingOrFailed";
  status?: JobStatus;
  /** Leave spec.completions unset (work-queue mode) even though `completions` defaults. */
  workQueue?: boolean;
}

/** A job as the apiserver stores it: defaulted, with the generated selector and labels. */
export function job(o: JobOpts = {}): JobObject {
  const labels = { "batch.kubernetes.io/controller-uid": JOB_UID, "batch.kubernetes.io/job-name": "pi" };
  const j: JobObject = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", namespace: "default", uid: JOB_UID, resourceVersion: "7" },
    spec: {
      parallelism: o.parallelism ?? 1,
      backoffLimit: o.backoffLimit ?? 6,
      suspend: o.suspend ?? false,
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": JOB_UID } },
      template: { metadata: { labels }, spec: { restartPolicy: o.restartPolicy ?? "Never", containers: [{ name: "main", image: "none", command: ["sh", "-c", "exit 0"] }] } },
    },
  };
  if (!o.workQueue) j.spec!.completions = o.completions ?? 1;
  if (o.activeDeadlineSeconds !== undefined) j.spec!.activeDeadlineSeconds = o.activeDeadlineSeconds;
  if (o.podReplacementPolicy !== undefined) j.spec!.podReplacementPolicy = o.podReplacementPolicy;
  if (o.status !== undefined) j.status = o.status;
  return deepFreeze(j);
}

export interface PodOpts {
  phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  ready?: boolean;
  /** When its container finished (finished pods); defaults to 60 s before T0. */
  finishedAt?: number;
  deleting?: boolean;
  restarts?: number;
  node?: string;
  /** uid of the controlling owner; "" for an orphan. */
  owner?: string;
}

export function pod(name: string, o: PodOpts = {}): PodObject {
  const phase = o.phase ?? "Running";
  const finished = phase === "Succeeded" || phase === "Failed";
  const owner = o.owner ?? JOB_UID;
  const terminated = { exitCode: phase === "Succeeded" ? 0 : 1, startedAt: iso(T0 - 120_000), finishedAt: iso(o.finishedAt ?? T0 - 60_000) };
  const p: PodObject = {
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      labels: { "batch.kubernetes.io/controller-uid": JOB_UID },
      creationTimestamp: iso(T0 - 180_000),
    },
    spec: { restartPolicy: "Never", containers: [{ name: "main", image: "none" }], ...(o.node === undefined ? {} : { nodeName: o.node }) },
    status: {
      phase,
      conditions: [{ type: "Ready", status: (o.ready ?? phase === "Running") ? "True" : "False", lastTransitionTime: iso(T0 - 100_000) }],
      containerStatuses: [
        { name: "main", image: "none", imageID: "", ready: phase === "Running", restartCount: o.restarts ?? 0, state: finished ? { terminated } : { running: { startedAt: iso(T0 - 120_000) } } },
      ],
    },
  };
  if (owner !== "") p.metadata!.ownerReferences = [{ apiVersion: "batch/v1", kind: "Job", name: "pi", uid: owner, controller: true, blockOwnerDeletion: true }];
  if (o.deleting) p.metadata!.deletionTimestamp = iso(T0 - 1000);
  return deepFreeze(p);
}

/** `n` pods named `<prefix>-0`, `<prefix>-1`, … */
export function pods(prefix: string, n: number, o: PodOpts = {}): PodObject[] {
  return Array.from({ length: n }, (_, i) => pod(`${prefix}-${i}`, o));
}
