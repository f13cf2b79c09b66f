/**
 * The Job controller (batch/v1, NonIndexed): runs each Job's pods to completion,
 * replacing failed ones after a backoff, and reports status and conditions. The
 * decisions are logic.ts's; this file reads the caches and writes.
 *
 * Expectations: after creating or deleting pods it waits until the pod informer has
 * shown them before deciding again, or a slow watch would make it create twice.
 */
import { ConflictError, NotFoundError, type JobObject, type KubeObject, type PodObject } from "@flotilla/api";
import type { ApiClient, EventRecorder, InvolvedObject } from "@flotilla/bus";
import { Expectations, runController, WorkQueue, type ReconcileResult } from "@flotilla/controller";
import { keyOf, type Informer } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";
import type { SharedInformers } from "../informers.ts";
import { OwnerIndex } from "../owner-index.ts";
import { deleteOwnedPods, involvedOwner, ownedPodHandlers } from "../owned-pods.ts";
import { claimPods, slowStartBatches } from "../replicaset/logic.ts";
import { adoptPatch, releasePatch } from "../replicaset/refs.ts";
import { DEFAULT_POD_FAILURE_BACKOFF_MS, MAX_POD_FAILURE_BACKOFF_MS } from "./backoff.ts";
import { isJobFinished } from "./conditions.ts";
import { jobSelector, jobStatusChanged, planJob, podForJob, type JobPlan } from "./logic.ts";

const MERGE = "application/merge-patch+json";
const MANAGER = "job-controller";
/** How soon to look again after a status write lost to a concurrent change. */
const CONFLICT_RECHECK_MS = 1000;

export interface JobControllerOptions {
  /** Concurrent reconciles (different Jobs). @default 5 */
  workers?: number;
  /** Delay before replacing a Job's first failed pod; doubles per further failure in a row. @default 10_000 */
  podFailureBackoffMs?: number;
  /** Longest delay before replacing a failed pod. @default 360_000 */
  maxPodFailureBackoffMs?: number;
}

interface JobControllerConfig {
  readonly workers: number;
  readonly podFailureBackoffMs: number;
  readonly maxPodFailureBackoffMs: number;
}

function withDefaults(opts: JobControllerOptions): JobControllerConfig {
  const c = Object.freeze({
    workers: opts.workers ?? 5,
    podFailureBackoffMs: opts.podFailureBackoffMs ?? DEFAULT_POD_FAILURE_BACKOFF_MS,
    maxPodFailureBackoffMs: opts.maxPodFailureBackoffMs ?? MAX_POD_FAILURE_BACKOFF_MS,
  });
  if (!Number.isInteger(c.workers) || c.workers < 1) throw new RangeError(`JobControllerOptions.workers must be a positive integer, got ${c.workers}`);
  if (!(c.podFailureBackoffMs > 0)) throw new RangeError(`JobControllerOptions.podFailureBackoffMs must be positive, got ${c.podFailureBackoffMs}`);
  if (!(c.maxPodFailureBackoffMs >= c.podFailureBackoffMs)) {
    throw new RangeError(`JobControllerOptions.maxPodFailureBackoffMs (${c.maxPodFailureBackoffMs}) must be at least podFailureBackoffMs (${c.podFailureBackoffMs})`);
  }
  return c;
}

export class JobController {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly events: EventRecorder;
  private readonly config: JobControllerConfig;
  private readonly queue = new WorkQueue();
  private readonly expectations = new Expectations();
  private readonly jobs: Informer<JobObject>;
  private readonly pods: Informer<PodObject>;
  private readonly podsByOwner = new OwnerIndex<PodObject>();

  constructor(deps: { client: ApiClient; log: Logger; events: EventRecorder; informers: SharedInformers }, opts: JobControllerOptions = {}) {
    this.client = deps.client;
    this.log = deps.log;
    this.events = deps.events;
    this.config = withDefaults(opts);
    this.jobs = deps.informers.informer<JobObject>("jobs");
    this.pods = deps.informers.informer<PodObject>("pods");
    this.jobs.on({
      add: (j) => this.queue.add(keyOf(j)),
      update: (_old, j) => this.queue.add(keyOf(j)),
      delete: (j) => this.expectations.delete(keyOf(j)),
    });
    this.pods.on(ownedPodHandlers({ kind: "Job", index: this.podsByOwner, expectations: this.expectations, queue: this.queue, enqueueAdopters: (p) => this.enqueueMatching(p) }));
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({ name: "job", synced: [this.jobs.synced, this.pods.synced], queue: this.queue, workers: this.config.workers, reconcile: (key) => this.reconcile(key), log: this.log }, signal);
  }

  /** Unfinished Jobs of the pod's namespace whose selector matches it: candidates to adopt an orphan. */
  private enqueueMatching(p: PodObject): void {
    const ns = p.metadata?.namespace ?? "";
    for (const job of this.jobs.list()) {
      if (job.metadata?.namespace === ns && !isJobFinished(job) && claimPods(claimView(job), [p]).adopt.length > 0) this.queue.add(keyOf(job));
    }
  }

  private async reconcile(key: string): Promise<ReconcileResult | void> {
    const job = this.jobs.get(key);
    if (!job) {
      this.expectations.delete(key);
      return;
    }
    // Finished jobs are left alone, pods and all: no adoption, no counting, no writes.
    if (isJobFinished(job)) return;
    // Read before the pods: a pod observed after this check only defers the decision.
    const satisfied = this.expectations.satisfied(key);
    const pods = await this.claim(job);
    const plan = planJob(job, pods, Date.now(), {
      backoffBaseMs: this.config.podFailureBackoffMs,
      backoffMaxMs: this.config.maxPodFailureBackoffMs,
      manage: satisfied && !job.metadata?.deletionTimestamp,
    });
    // A failed deletion would leave the status claiming pods are stopping that are not
    // (or a FailureTarget whose pods still run): retry the whole sync instead.
    await this.deletePods(key, job, plan.delete);
    const createError = plan.create > 0 ? await this.createPods(key, job, plan) : undefined;
    const written = !jobStatusChanged(job.status, plan.status) || (await this.writeStatus(job, plan));
    if (createError) throw createError; // retried with backoff
    // After a conflict the informer's update re-queues the job; the short requeue is a
    // safety net should that event be lost, not the path normally taken.
    const requeueAfterMs = written ? plan.requeueAfterMs : Math.min(plan.requeueAfterMs ?? Infinity, CONFLICT_RECHECK_MS);
    return requeueAfterMs !== undefined ? { requeueAfterMs: Math.max(0, requeueAfterMs) } : undefined;
  }

  /** The job's pods: those it controls plus the orphans it adopts now, minus those it releases. */
  private async claim(job: JobObject): Promise<PodObject[]> {
    const m = job.metadata ?? {};
    const ns = m.namespace ?? "";
    const owned = this.podsByOwner.ownedBy(m.uid ?? "").filter((p) => p.metadata?.namespace === ns);
    const { adopt, release } = claimPods(claimView(job), [...owned, ...this.podsByOwner.orphansIn(ns)]);
    for (const p of adopt) await this.patchPod(p, adoptPatch(p, job, "batch/v1", "Job"));
    for (const p of release) await this.patchPod(p, releasePatch(p, m.uid ?? ""));
    const released = new Set(release);
    return [...owned.filter((p) => !released.has(p)), ...adopt];
  }

  /**
   * Slow start: batches of 1, 2, 4, …; the first batch with a failure ends the round.
   * Lowers `plan.status.active` by the pods not created, so the status stays true.
   * @returns the first creation error, if any.
   */
  private async createPods(key: string, job: JobObject, plan: JobPlan): Promise<Error | undefined> {
    const count = plan.create;
    this.expectations.expect(key, count, 0);
    const ns = job.metadata?.namespace ?? "";
    let created = 0;
    let failed: Error | undefined;
    for (const size of slowStartBatches(count)) {
      const results = await Promise.allSettled(Array.from({ length: size }, () => this.client.create("pods", ns, podForJob(job), { fieldManager: MANAGER })));
      for (const r of results) {
        if (r.status === "rejected") failed ??= r.reason as Error;
        else {
          created++;
          this.events.record(involved(job), "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name ?? ""}`);
        }
      }
      if (failed) break;
    }
    // Pods that failed, or whose batches were never attempted, will never be observed.
    for (let i = created; i < count; i++) this.expectations.creationObserved(key);
    plan.status.active = (plan.status.active ?? 0) - (count - created);
    if (failed) this.events.record(involved(job), "Warning", "FailedCreate", `Error creating: ${failed.message}`);
    return failed;
  }

  /** Deletes in parallel; throws the first failure other than NotFound (the pod is gone already). */
  private async deletePods(key: string, job: JobObject, pods: readonly PodObject[]): Promise<void> {
    if (pods.length === 0) return;
    this.expectations.expect(key, 0, pods.length);
    const failed = await deleteOwnedPods({ client: this.client, events: this.events, expectations: this.expectations }, key, involved(job), pods);
    if (failed) throw failed;
  }

  /**
   * PUT of the status subresource from the cached copy. The plan's events (Completed,
   * BackoffLimitExceeded, …) are recorded only once their status is written, so a sync
   * that has to be redone does not report them twice.
   * @returns false when the job changed meanwhile (a conflict: the cache is behind, and
   *   the informer's update event will bring the sync back) or is gone.
   */
  private async writeStatus(job: JobObject, plan: JobPlan): Promise<boolean> {
    const body = { ...(structuredClone(job) as unknown as KubeObject), status: plan.status } as KubeObject;
    try {
      await this.client.update("jobs", body, { subresource: "status", fieldManager: MANAGER });
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      if (!(err instanceof ConflictError)) throw err;
      this.log.debug({ job: keyOf(job) }, "job changed since it was cached; syncing again");
      return false;
    }
    for (const e of plan.events) this.events.record(involved(job), e.type, e.reason, e.message);
    return true;
  }

  private async patchPod(p: PodObject, body: Record<string, unknown>): Promise<void> {
    const pm = p.metadata ?? {};
    await this.client.patch("pods", pm.namespace, pm.name ?? "", MERGE, body, { fieldManager: MANAGER }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }
}

/** The parts of a Job that claiming pods reads (its identity and selector). */
function claimView(job: JobObject): Parameters<typeof claimPods>[0] {
  return { metadata: job.metadata, spec: { selector: jobSelector(job) } };
}

function involved(job: JobObject): InvolvedObject {
  return involvedOwner("Job", "batch/v1", job);
}
