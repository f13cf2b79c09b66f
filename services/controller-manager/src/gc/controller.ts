/**
 * The garbage collector: follows every resource that can own or be owned (all but
 * Events), keeps a uid index and an owner → dependents index, and acts on one object
 * per work-queue key (its uid) with the decisions of logic.ts.
 *
 * An owner missing from the caches is checked with a live GET before anything is
 * deleted: a ReplicaSet's pods can reach this process before the ReplicaSet itself
 * (two watches, no order between them), and a cache miss must never cost a pod.
 */
import { NotFoundError, resourceForKind, type KubeObject, type OwnerReference } from "@flotilla/api";
import type { ApiClient } from "@flotilla/bus";
import { runController, WorkQueue } from "@flotilla/controller";
import type { Informer } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";
import type { SharedInformers } from "../informers.ts";
import { blockingDependents, FINALIZER_FOREGROUND, FINALIZER_ORPHAN, finalizerRemovalPatch, hasFinalizer, isBeingDeleted, judgeDependent, ownerRemovalPatch, type OwnerState } from "./logic.ts";

/** Resources the collector follows: everything that can be an owner or a dependent, except Events (high churn, never owners). */
export const GC_RESOURCES = ["pods", "replicasets", "deployments", "daemonsets", "controllerrevisions", "jobs", "services", "endpoints", "endpointslices", "configmaps", "secrets", "serviceaccounts", "leases", "nodes", "namespaces"] as const;

const MERGE = "application/merge-patch+json";

interface Entry {
  resource: string;
  obj: KubeObject;
}

export interface GarbageCollectorOptions {
  /** Concurrent reconciles. @default 4 */
  workers?: number;
}

export class GarbageCollector {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly queue = new WorkQueue();
  private readonly byUid = new Map<string, Entry>();
  /** owner uid → uids of the objects that reference it. */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly workers: number;

  constructor(deps: { client: ApiClient; log: Logger; informers: SharedInformers }, opts: GarbageCollectorOptions = {}) {
    this.client = deps.client;
    this.log = deps.log;
    this.workers = opts.workers ?? 4;
    for (const resource of GC_RESOURCES) {
      const inf = deps.informers.informer<KubeObject>(resource);
      inf.on({ add: (o) => this.observe(resource, undefined, o), update: (old, o) => this.observe(resource, old, o), delete: (o) => this.forget(o) });
      this.informers.push(inf);
    }
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({ name: "garbage-collector", synced: this.informers.map((i) => i.synced), queue: this.queue, workers: this.workers, reconcile: (uid) => this.reconcile(uid), log: this.log }, signal);
  }

  private observe(resource: string, old: KubeObject | undefined, obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    this.byUid.set(uid, { resource, obj });
    const before = new Set((old?.metadata.ownerReferences ?? []).map((r) => r.uid));
    const after = new Set((obj.metadata.ownerReferences ?? []).map((r) => r.uid));
    for (const o of before) if (!after.has(o)) this.unlink(o, uid);
    for (const o of after) {
      let set = this.dependents.get(o);
      if (!set) this.dependents.set(o, (set = new Set()));
      set.add(uid);
    }
    const owners = obj.metadata.ownerReferences?.length ?? 0;
    const finalizing = isBeingDeleted(obj) && (hasFinalizer(obj, FINALIZER_ORPHAN) || hasFinalizer(obj, FINALIZER_FOREGROUND));
    if (owners > 0 || finalizing) this.queue.add(uid);
  }

  private forget(obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    this.byUid.delete(uid);
    for (const r of obj.metadata.ownerReferences ?? []) {
      this.unlink(r.uid, uid);
      // An owner deleting in foreground may have been waiting for this one.
      if (this.byUid.has(r.uid)) this.queue.add(r.uid);
    }
    // Its dependents may now have no owner left.
    for (const d of this.dependents.get(uid) ?? []) this.queue.add(d);
  }

  private unlink(ownerUid: string, depUid: string): void {
    const set = this.dependents.get(ownerUid);
    set?.delete(depUid);
    if (set?.size === 0) this.dependents.delete(ownerUid);
  }

  private dependentsOf(uid: string): Entry[] {
    return [...(this.dependents.get(uid) ?? [])].map((d) => this.byUid.get(d)).filter((e): e is Entry => e !== undefined);
  }

  private async reconcile(uid: string): Promise<void> {
    const entry = this.byUid.get(uid);
    if (!entry) return;
    const { obj } = entry;
    if (isBeingDeleted(obj)) {
      if (hasFinalizer(obj, FINALIZER_ORPHAN)) await this.orphanDependents(entry);
      else if (hasFinalizer(obj, FINALIZER_FOREGROUND)) await this.deleteDependentsFirst(entry);
      return;
    }
    if (!obj.metadata.ownerReferences?.length) return;
    const states = new Map<string, OwnerState>();
    for (const ref of obj.metadata.ownerReferences) states.set(ref.uid, await this.ownerState(ref, obj.metadata.namespace));
    const verdict = judgeDependent(obj, (r) => states.get(r.uid) ?? "present", (this.dependents.get(uid)?.size ?? 0) > 0);
    if (verdict.action === "removeOwners") {
      await this.patch(entry, ownerRemovalPatch(obj, verdict.uids));
    } else if (verdict.action === "delete") {
      this.log.info({ resource: entry.resource, object: nameOf(obj), propagationPolicy: verdict.propagationPolicy }, "deleting an object whose owners are gone");
      await this.remove(entry, verdict.propagationPolicy);
    }
  }

  /** Present in the caches, or confirmed by a live read; "absent" only when the API says so. */
  private async ownerState(ref: OwnerReference, namespace: string | undefined): Promise<OwnerState> {
    const cached = this.byUid.get(ref.uid)?.obj;
    if (cached) return isBeingDeleted(cached) && hasFinalizer(cached, FINALIZER_FOREGROUND) ? "deletingDependents" : "present";
    const info = resourceForKind(ref.apiVersion, ref.kind);
    // A kind this apiserver does not serve cannot be judged: keep the dependent.
    if (!info) return "present";
    try {
      const live = await this.client.get(info.resource, info.namespaced ? namespace : undefined, ref.name);
      if (live.metadata.uid !== ref.uid) return "absent";
      return isBeingDeleted(live) && hasFinalizer(live, FINALIZER_FOREGROUND) ? "deletingDependents" : "present";
    } catch (err) {
      if (err instanceof NotFoundError) return "absent";
      throw err;
    }
  }

  /** Orphan: every dependent loses its reference to the owner, then the finalizer goes. */
  private async orphanDependents(owner: Entry): Promise<void> {
    const uid = owner.obj.metadata.uid ?? "";
    for (const dep of this.dependentsOf(uid)) await this.patch(dep, ownerRemovalPatch(dep.obj, [uid]));
    await this.patch(owner, finalizerRemovalPatch(owner.obj, FINALIZER_ORPHAN));
  }

  /** Foreground: blocking dependents are deleted (in foreground themselves when they own others); the finalizer goes once none is left. */
  private async deleteDependentsFirst(owner: Entry): Promise<void> {
    const uid = owner.obj.metadata.uid ?? "";
    const blocking = blockingDependents(uid, this.dependentsOf(uid).map((e) => e.obj));
    if (blocking.length === 0) {
      await this.patch(owner, finalizerRemovalPatch(owner.obj, FINALIZER_FOREGROUND));
      return;
    }
    for (const dep of blocking) {
      if (isBeingDeleted(dep)) continue; // already going; its delete event brings the owner back here
      const entry = this.byUid.get(dep.metadata.uid ?? "");
      if (entry) await this.remove(entry, (this.dependents.get(dep.metadata.uid ?? "")?.size ?? 0) > 0 ? "Foreground" : "Background");
    }
  }

  private async patch(entry: Entry, body: Record<string, unknown>): Promise<void> {
    const m = entry.obj.metadata;
    try {
      await this.client.patch(entry.resource, m.namespace, m.name ?? "", MERGE, body, { fieldManager: "garbage-collector" });
    } catch (err) {
      // Gone already: nothing to do. A conflict (the copy was stale) is thrown and retried.
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  private async remove(entry: Entry, propagationPolicy: "Background" | "Foreground"): Promise<void> {
    const m = entry.obj.metadata;
    try {
      await this.client.delete(entry.resource, m.namespace, m.name ?? "", { propagationPolicy, preconditions: { uid: m.uid ?? "" } });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
}

function nameOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name ?? ""}` : (obj.metadata.name ?? "");
}
