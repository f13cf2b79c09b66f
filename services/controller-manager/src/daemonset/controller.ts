/**
 * The DaemonSet controller: one pod of each DaemonSet on every node that should run it,
 * placed by the default scheduler through required node affinity on the node's name,
 * replaced when it fails (with a per-node backoff) and, under RollingUpdate, when the
 * template changes. The decisions are plan.ts's; this file reads the caches and writes.
 *
 * Expectations: after creating or deleting pods it waits until the pod informer has shown
 * them before deciding again, or a slow watch would make it create a second pod per node.
 *
 * History: each pass first finds or makes the ControllerRevision of the current template
 * (history.ts, history-writer.ts); its hash, on the pods' `controller-revision-hash`
 * label, is what tells new pods from old. `kubectl rollout history|undo daemonset/x` read
 * and apply those revisions.
 */
import { NotFoundError, type ControllerRevisionObject, type DaemonSetObject, type KubeObject, type NodeObject, type PodObject } from "@flotilla/api";
import type { ApiClient, EventRecorder, InvolvedObject } from "@flotilla/bus";
import { Expectations, runController, WorkQueue, type ReconcileResult } from "@flotilla/controller";
import { keyOf, type Informer } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";
import type { SharedInformers } from "../informers.ts";
import { controllerRef, OwnerIndex } from "../owner-index.ts";
import { deleteOwnedPods, involvedOwner, ownedPodHandlers } from "../owned-pods.ts";
import { claimPods, slowStartBatches } from "../replicaset/logic.ts";
import { adoptPatch, releasePatch } from "../replicaset/refs.ts";
import { FailedPodBackoff, type FailedPodBackoffOptions } from "./backoff.ts";
import { newDaemonPod } from "./daemon-pod.ts";
import { claimRevisions } from "./history.ts";
import { RevisionHistory } from "./history-writer.ts";
import { groupByNode, planDaemonSet, type DaemonSetPlan } from "./plan.ts";
import { statusChanged } from "./status.ts";

const MERGE = "application/merge-patch+json";
const MANAGER = "daemonset-controller";

export interface DaemonSetControllerOptions {
  /** Concurrent reconciles (different DaemonSets). @default 2 */
  workers?: number;
  /** Pacing of failed-pod replacements per node. @default 1 s doubling to 15 min */
  failedPodBackoff?: FailedPodBackoffOptions;
}


export class DaemonSetController {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly events: EventRecorder;
  private readonly queue = new WorkQueue();
  private readonly expectations = new Expectations();
  private readonly backoff: FailedPodBackoff;
  private readonly sets: Informer<DaemonSetObject>;
  private readonly pods: Informer<PodObject>;
  private readonly nodes: Informer<NodeObject>;
  private readonly revisions: Informer<ControllerRevisionObject>;
  private readonly podsByOwner = new OwnerIndex<PodObject>();
  private readonly revisionsByOwner = new OwnerIndex<ControllerRevisionObject>();
  private readonly history: RevisionHistory;
  private readonly workers: number;

  constructor(deps: { client: ApiClient; log: Logger; events: EventRecorder; informers: SharedInformers }, opts: DaemonSetControllerOptions = {}) {
    this.client = deps.client;
    this.log = deps.log;
    this.events = deps.events;
    this.workers = opts.workers ?? 2;
    this.backoff = new FailedPodBackoff(opts.failedPodBackoff);
    this.sets = deps.informers.informer<DaemonSetObject>("daemonsets");
    this.pods = deps.informers.informer<PodObject>("pods");
    this.nodes = deps.informers.informer<NodeObject>("nodes");
    this.revisions = deps.informers.informer<ControllerRevisionObject>("controllerrevisions");
    this.history = new RevisionHistory({ client: this.client, log: this.log, fieldManager: MANAGER });
    this.sets.on({
      add: (ds) => this.queue.add(keyOf(ds)),
      update: (_old, ds) => this.queue.add(keyOf(ds)),
      delete: (ds) => {
        this.expectations.delete(keyOf(ds));
        this.backoff.forgetDaemonSet(ds.metadata?.uid ?? "");
      },
    });
    this.pods.on(ownedPodHandlers({ kind: "DaemonSet", index: this.podsByOwner, expectations: this.expectations, queue: this.queue, enqueueAdopters: (p) => this.enqueueMatching(p) }));
    this.nodes.on({
      add: () => this.enqueueAll(),
      update: (old, n) => {
        if (nodeEligibilityChanged(old, n)) this.enqueueAll();
      },
      delete: () => this.enqueueAll(),
    });
    // A revision's owner looks again when one appears, changes or goes (deleted by hand, say).
    this.revisions.on({
      add: (r) => {
        this.revisionsByOwner.set(r);
        this.enqueueRevisionOwner(r);
      },
      update: (old, r) => {
        this.revisionsByOwner.set(r, old);
        if (controllerRef(old)?.uid !== controllerRef(r)?.uid) this.enqueueRevisionOwner(old);
        this.enqueueRevisionOwner(r);
      },
      delete: (r) => {
        this.revisionsByOwner.remove(r);
        this.enqueueRevisionOwner(r);
      },
    });
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({ name: "daemonset", synced: [this.sets.synced, this.pods.synced, this.nodes.synced, this.revisions.synced], queue: this.queue, workers: this.workers, reconcile: (key) => this.reconcile(key), log: this.log }, signal);
  }

  /** A node came, went or changed what decides eligibility: every DaemonSet may gain or lose a pod (the queue is bounded). */
  private enqueueAll(): void {
    for (const ds of this.sets.list()) this.queue.add(keyOf(ds));
  }

  /** DaemonSets of the pod's namespace that could adopt it (an orphan). */
  private enqueueMatching(p: PodObject): void {
    const ns = p.metadata?.namespace ?? "";
    for (const ds of this.sets.list()) {
      if (ds.metadata?.namespace === ns && claimPods(ds, [p]).adopt.length > 0) this.queue.add(keyOf(ds));
    }
  }

  /** The DaemonSet controlling the revision, or for an orphan those of its namespace that would adopt it. */
  private enqueueRevisionOwner(r: ControllerRevisionObject): void {
    const ref = controllerRef(r);
    const ns = r.metadata?.namespace ?? "";
    if (ref !== undefined) {
      if (ref.kind === "DaemonSet") this.queue.add(`${ns}/${ref.name}`);
      return;
    }
    for (const ds of this.sets.list()) {
      if (ds.metadata?.namespace === ns && claimRevisions(ds, [r]).adopt.length > 0) this.queue.add(keyOf(ds));
    }
  }

  /** The revisions the DaemonSet controls and the orphans of its namespace, for history.ts claimRevisions. */
  private revisionCandidates(ds: DaemonSetObject): ControllerRevisionObject[] {
    return [...this.revisionsByOwner.ownedBy(ds.metadata?.uid ?? ""), ...this.revisionsByOwner.orphansIn(ds.metadata?.namespace ?? "")];
  }

  /**
   * The DaemonSet's pods after adopting matching orphans and releasing pods whose labels no
   * longer match. Its terminating pods stay in: a node gets its new pod only once the old
   * one is gone.
   */
  private async claim(ds: DaemonSetObject): Promise<PodObject[]> {
    const m = ds.metadata ?? {};
    const mine = this.podsByOwner.ownedBy(m.uid ?? "");
    const { owned, adopt, release } = claimPods(ds, [...mine, ...this.podsByOwner.orphansIn(m.namespace ?? "")]);
    for (const p of adopt) await this.patchPod(p, adoptPatch(p, ds, "apps/v1", "DaemonSet"));
    for (const p of release) await this.patchPod(p, releasePatch(p, m.uid ?? ""));
    return [...owned, ...adopt, ...mine.filter((p) => p.metadata?.deletionTimestamp !== undefined)];
  }

  private async reconcile(key: string): Promise<ReconcileResult | void> {
    const ds = this.sets.get(key);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    // Being deleted: the garbage collector takes the pods; counting them now would only mislead.
    if (ds.metadata?.deletionTimestamp) return;
    const sel = ds.spec?.selector;
    if (Object.keys(sel?.matchLabels ?? {}).length === 0 && (sel?.matchExpressions ?? []).length === 0) {
      this.events.record(involved(ds), "Warning", "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.");
      return;
    }
    const pods = await this.claim(ds);
    const { hash, old } = await this.history.sync(ds, this.revisionCandidates(ds), pods);
    const now = Date.now();
    const uid = ds.metadata?.uid ?? "";
    const acting = this.expectations.satisfied(key);
    const plan = planDaemonSet(ds, this.nodes.list(), groupByNode(pods), now, {
      backoffUntilMs: (node) => this.backoff.untilMs(FailedPodBackoff.key(uid, node), now),
      expectationsSatisfied: acting,
      hash,
    });
    for (const f of plan.failed) {
      this.backoff.next(FailedPodBackoff.key(uid, f.node), now);
      this.events.record(involved(ds), "Warning", "FailedDaemonPod", `Found failed daemon pod ${f.pod.metadata?.namespace ?? ""}/${f.pod.metadata?.name ?? ""} on node ${f.node}, will try to kill it`);
    }
    for (const s of plan.succeeded) this.events.record(involved(ds), "Normal", "SucceededDaemonPod", `Found succeeded daemon pod ${s.pod.metadata?.namespace ?? ""}/${s.pod.metadata?.name ?? ""} on node ${s.node}, will try to delete it`);
    const failure = await this.apply(key, ds, plan, hash);
    if (statusChanged(ds.status, plan.status)) await this.writeStatus(ds, plan.status);
    if (failure) throw failure; // retried with backoff
    // As in Kubernetes, only on a pass whose earlier pod writes have all been observed:
    // then the pods read are what runs, and a revision some pod still uses is kept.
    if (acting) await this.history.prune(ds, old, pods);
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  /** Creations, then deletions, as one expectation; the first error is returned after both were tried. */
  private async apply(key: string, ds: DaemonSetObject, plan: DaemonSetPlan, hash: string): Promise<Error | undefined> {
    if (plan.create.length === 0 && plan.delete.length === 0) return undefined;
    this.expectations.expect(key, plan.create.length, plan.delete.length);
    const createFailure = await this.createPods(key, ds, plan.create, hash);
    const deleteFailure = await this.deletePods(key, ds, plan.delete);
    return createFailure ?? deleteFailure;
  }

  /** Slow start: batches of 1, 2, 4, …; the first batch with a failure ends the round. */
  private async createPods(key: string, ds: DaemonSetObject, nodes: readonly string[], hash: string): Promise<Error | undefined> {
    const ns = ds.metadata?.namespace ?? "";
    let done = 0;
    for (const size of slowStartBatches(nodes.length)) {
      const batch = nodes.slice(done, done + size);
      done += size;
      const results = await Promise.allSettled(batch.map((node) => this.client.create("pods", ns, newDaemonPod(ds, node, hash), { fieldManager: MANAGER })));
      let failed: Error | undefined;
      for (const r of results) {
        if (r.status === "fulfilled") this.events.record(involved(ds), "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name ?? ""}`);
        else {
          failed = r.reason as Error;
          this.expectations.creationObserved(key); // never to be seen
        }
      }
      if (failed) {
        // The pods of the batches not attempted will not be observed either.
        for (let i = done; i < nodes.length; i++) this.expectations.creationObserved(key);
        this.events.record(involved(ds), "Warning", "FailedCreate", `Error creating: ${failed.message}`);
        return failed;
      }
    }
    return undefined;
  }

  private deletePods(key: string, ds: DaemonSetObject, pods: readonly PodObject[]): Promise<Error | undefined> {
    return deleteOwnedPods({ client: this.client, events: this.events, expectations: this.expectations }, key, involved(ds), pods);
  }

  /** PUT of the status subresource from the cached copy: a concurrent change is a conflict, retried with a fresh copy. */
  private async writeStatus(ds: DaemonSetObject, status: DaemonSetObject["status"]): Promise<void> {
    await this.client.update("daemonsets", { ...(ds as unknown as KubeObject), status } as KubeObject, { subresource: "status", fieldManager: MANAGER }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }

  private async patchPod(p: PodObject, body: Record<string, unknown>): Promise<void> {
    const pm = p.metadata ?? {};
    await this.client.patch("pods", pm.namespace, pm.name ?? "", MERGE, body, { fieldManager: MANAGER }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }
}

/** Labels, taints or the node's name decide eligibility; status heartbeats do not. */
function nodeEligibilityChanged(old: NodeObject, n: NodeObject): boolean {
  return JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(n.metadata?.labels ?? {}) || JSON.stringify(old.spec?.taints ?? []) !== JSON.stringify(n.spec?.taints ?? []);
}

function involved(ds: DaemonSetObject): InvolvedObject {
  return involvedOwner("DaemonSet", "apps/v1", ds);
}
