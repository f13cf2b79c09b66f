/**
 * The ReplicaSet controller: keeps `spec.replicas` pods of each ReplicaSet, adopting
 * matching orphans and releasing pods that stopped matching, and reports status. The
 * decisions are logic.ts's; this file reads the caches and writes.
 *
 * Expectations: after creating or deleting pods it waits until the pod informer has
 * shown them before deciding again, or a slow watch would make it create twice.
 */
import { NotFoundError, type PodObject, type ReplicaSetObject } from "@flotilla/api";
import type { ApiClient, EventRecorder, InvolvedObject } from "@flotilla/bus";
import { Expectations, runController, WorkQueue, type ReconcileResult } from "@flotilla/controller";
import { keyOf, type Informer } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";
import type { SharedInformers } from "../informers.ts";
import { OwnerIndex } from "../owner-index.ts";
import { deleteOwnedPods, involvedOwner, ownedPodHandlers } from "../owned-pods.ts";
import { claimPods, nextAvailabilityCheckMs, planReplicaSet, podFromTemplate, REPLICA_FAILURE, replicaSetStatus, slowStartBatches, statusChanged } from "./logic.ts";
import { adoptPatch, releasePatch } from "./refs.ts";

const MERGE = "application/merge-patch+json";
const MANAGER = "replicaset-controller";

export interface ReplicaSetControllerOptions {
  /** Concurrent reconciles (different ReplicaSets). @default 5 */
  workers?: number;
}

export class ReplicaSetController {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly events: EventRecorder;
  private readonly queue = new WorkQueue();
  private readonly expectations = new Expectations();
  private readonly sets: Informer<ReplicaSetObject>;
  private readonly pods: Informer<PodObject>;
  private readonly podsByOwner = new OwnerIndex<PodObject>();
  private readonly workers: number;

  constructor(deps: { client: ApiClient; log: Logger; events: EventRecorder; informers: SharedInformers }, opts: ReplicaSetControllerOptions = {}) {
    this.client = deps.client;
    this.log = deps.log;
    this.events = deps.events;
    this.workers = opts.workers ?? 5;
    this.sets = deps.informers.informer<ReplicaSetObject>("replicasets");
    this.pods = deps.informers.informer<PodObject>("pods");
    this.sets.on({
      add: (rs) => this.queue.add(keyOf(rs)),
      update: (_old, rs) => this.queue.add(keyOf(rs)),
      delete: (rs) => this.expectations.delete(keyOf(rs)),
    });
    this.pods.on(ownedPodHandlers({ kind: "ReplicaSet", index: this.podsByOwner, expectations: this.expectations, queue: this.queue, enqueueAdopters: (p) => this.enqueueMatching(p) }));
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({ name: "replicaset", synced: [this.sets.synced, this.pods.synced], queue: this.queue, workers: this.workers, reconcile: (key) => this.reconcile(key), log: this.log }, signal);
  }

  /** ReplicaSets of the pod's namespace whose selector matches it: candidates to adopt an orphan. */
  private enqueueMatching(p: PodObject): void {
    const ns = p.metadata?.namespace ?? "";
    for (const rs of this.sets.list()) {
      if (rs.metadata?.namespace === ns && claimPods(rs, [p]).adopt.length > 0) this.queue.add(keyOf(rs));
    }
  }

  private async reconcile(key: string): Promise<ReconcileResult | void> {
    const rs = this.sets.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const m = rs.metadata ?? {};
    const ns = m.namespace ?? "";
    const { owned, adopt, release } = claimPods(rs, [...this.podsByOwner.ownedBy(m.uid ?? ""), ...this.podsByOwner.orphansIn(ns)]);
    for (const p of adopt) await this.patchPod(p, adoptPatch(p, rs));
    for (const p of release) await this.patchPod(p, releasePatch(p, m.uid ?? ""));
    const pods = [...owned, ...adopt];
    let failure: { reason: "FailedCreate" | "FailedDelete"; message: string } | undefined;
    let written: Promise<unknown> | undefined;
    if (this.expectations.satisfied(key) && !m.deletionTimestamp) {
      const plan = planReplicaSet(rs, pods, Date.now());
      // The status counts the pods claimed above, as Kubernetes' does, whatever the
      // creates or deletes do; so it is written beside them rather than after, unless one
      // fails (then it is written again with the failure). Written after, it held up the
      // next round of a large scale by a write's latency under that very load: 50-570 ms
      // per round of 500 pods in the deployment bench. While a failure is standing, the
      // status waits for the outcome, so its ReplicaFailure condition does not flap.
      const failing = rs.status?.conditions?.some((c) => c.type === REPLICA_FAILURE) === true;
      if (!failing && (plan.create > 0 || plan.delete.length > 0)) {
        written = this.writeStatus(rs, pods, undefined).then(
          () => undefined,
          (err: unknown) => err,
        );
      }
      if (plan.create > 0) failure = await this.createPods(key, rs, plan.create);
      else if (plan.delete.length > 0) failure = await this.deletePods(key, rs, plan.delete);
    }
    const err = await written;
    if (err) throw err;
    if (!written || failure) await this.writeStatus(rs, pods, failure);
    if (failure) throw new Error(failure.message); // retried with backoff
    const next = nextAvailabilityCheckMs(rs, pods, Date.now());
    return next !== undefined ? { requeueAfterMs: next } : undefined;
  }

  /** The status `pods` make, written unless the informer's copy already has it. */
  private async writeStatus(rs: ReplicaSetObject, pods: readonly PodObject[], failure: { reason: "FailedCreate" | "FailedDelete"; message: string } | undefined): Promise<void> {
    const m = rs.metadata ?? {};
    const status = replicaSetStatus(rs, pods, Date.now(), failure);
    if (!statusChanged(rs.status, status)) return;
    await this.client.patch("replicasets", m.namespace ?? "", m.name ?? "", MERGE, { status }, { fieldManager: MANAGER, subresource: "status" }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }

  /** Slow start: batches of 1, 2, 4, …; the first batch with a failure ends the round. */
  private async createPods(key: string, rs: ReplicaSetObject, count: number): Promise<{ reason: "FailedCreate"; message: string } | undefined> {
    this.expectations.expect(key, count, 0);
    const ns = rs.metadata?.namespace ?? "";
    let done = 0;
    for (const size of slowStartBatches(count)) {
      const results = await Promise.allSettled(Array.from({ length: size }, () => this.client.create("pods", ns, podFromTemplate(rs), { fieldManager: MANAGER })));
      done += size;
      let failed: Error | undefined;
      for (const r of results) {
        if (r.status === "fulfilled") this.events.record(involved(rs), "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name ?? ""}`);
        else {
          failed = r.reason as Error;
          this.expectations.creationObserved(key); // never to be seen
        }
      }
      if (failed) {
        // The pods of the batches not attempted will not be observed either.
        for (let i = done; i < count; i++) this.expectations.creationObserved(key);
        this.events.record(involved(rs), "Warning", "FailedCreate", `Error creating: ${failed.message}`);
        return { reason: "FailedCreate", message: failed.message };
      }
    }
    return undefined;
  }

  private async deletePods(key: string, rs: ReplicaSetObject, pods: readonly PodObject[]): Promise<{ reason: "FailedDelete"; message: string } | undefined> {
    this.expectations.expect(key, 0, pods.length);
    const failed = await deleteOwnedPods({ client: this.client, events: this.events, expectations: this.expectations }, key, involved(rs), pods);
    return failed ? { reason: "FailedDelete", message: failed.message } : undefined;
  }

  private async patchPod(p: PodObject, body: Record<string, unknown>): Promise<void> {
    const pm = p.metadata ?? {};
    await this.client.patch("pods", pm.namespace, pm.name ?? "", MERGE, body, { fieldManager: MANAGER }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }
}

function involved(rs: ReplicaSetObject): InvolvedObject {
  return involvedOwner("ReplicaSet", "apps/v1", rs);
}
