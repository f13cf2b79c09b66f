/**
 * The Deployment controller: for each Deployment, adopts matching orphan ReplicaSets,
 * plans one pass (plan.ts) and performs its writes in order, stopping at the first
 * failure (the next pass plans from whatever did happen), then writes the status.
 * Events say what it scaled, as `kubectl describe deployment` shows Kubernetes'.
 */
import { AlreadyExistsError, NotFoundError, selectorMatches, type DeploymentObject, type KubeObject, type PodObject, type ReplicaSetObject } from "@flotilla/api";
import type { ApiClient, EventRecorder } from "@flotilla/bus";
import { runController, WorkQueue, type ReconcileResult } from "@flotilla/controller";
import { keyOf, type Informer } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";
import type { SharedInformers } from "../informers.ts";
import { controllerRef, OwnerIndex } from "../owner-index.ts";
import { adoptPatch, releasePatch } from "../replicaset/refs.ts";
import type { DeploymentAction } from "./actions.ts";
import { collisionStatus, isHashCollision, planDeployment } from "./plan.ts";
import { findNewReplicaSet } from "./replicasets.ts";

const MERGE = "application/merge-patch+json";
const MANAGER = "deployment-controller";

export interface DeploymentControllerOptions {
  /** Concurrent reconciles (different Deployments). @default 5 */
  workers?: number;
}

export class DeploymentController {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly events: EventRecorder;
  private readonly queue = new WorkQueue();
  private readonly deployments: Informer<DeploymentObject>;
  private readonly sets: Informer<ReplicaSetObject>;
  private readonly setsByOwner = new OwnerIndex<ReplicaSetObject>();
  private readonly podsByOwner = new OwnerIndex<PodObject>();
  private readonly workers: number;

  constructor(deps: { client: ApiClient; log: Logger; events: EventRecorder; informers: SharedInformers }, opts: DeploymentControllerOptions = {}) {
    this.client = deps.client;
    this.log = deps.log;
    this.events = deps.events;
    this.workers = opts.workers ?? 5;
    this.deployments = deps.informers.informer<DeploymentObject>("deployments");
    this.sets = deps.informers.informer<ReplicaSetObject>("replicasets");
    const pods = deps.informers.informer<PodObject>("pods");
    this.deployments.on({ add: (d) => this.queue.add(keyOf(d)), update: (_o, d) => this.queue.add(keyOf(d)) });
    this.sets.on({
      add: (rs) => this.setChanged(rs),
      update: (old, rs) => this.setChanged(rs, old),
      delete: (rs) => {
        this.setsByOwner.remove(rs);
        this.enqueueOwner(rs);
      },
    });
    // Pods matter only to Recreate, which waits for the old pods to be gone.
    pods.on({ add: (p) => this.podsByOwner.set(p), update: (old, p) => this.podsByOwner.set(p, old), delete: (p) => this.podGone(p) });
    this.synced = [this.deployments.synced, this.sets.synced, pods.synced];
  }

  private readonly synced: Promise<void>[];

  run(signal: AbortSignal): Promise<void> {
    return runController({ name: "deployment", synced: this.synced, queue: this.queue, workers: this.workers, reconcile: (key) => this.reconcile(key), log: this.log }, signal);
  }

  private setChanged(rs: ReplicaSetObject, old?: ReplicaSetObject): void {
    this.setsByOwner.set(rs, old);
    if (old) this.enqueueOwner(old);
    if (controllerRef(rs)) this.enqueueOwner(rs);
    else this.enqueueMatching(rs);
  }

  private enqueueOwner(rs: ReplicaSetObject): void {
    const ref = controllerRef(rs);
    if (ref?.kind === "Deployment") this.queue.add(`${rs.metadata?.namespace ?? ""}/${ref.name}`);
  }

  /** Deployments that could adopt an orphan ReplicaSet. */
  private enqueueMatching(rs: ReplicaSetObject): void {
    for (const d of this.deployments.list()) {
      if (d.metadata?.namespace === rs.metadata?.namespace && selects(d, rs)) this.queue.add(keyOf(d));
    }
  }

  private podGone(p: PodObject): void {
    this.podsByOwner.remove(p);
    const ref = controllerRef(p);
    if (ref?.kind !== "ReplicaSet") return;
    const rs = this.sets.get(`${p.metadata?.namespace ?? ""}/${ref.name}`);
    if (rs) this.enqueueOwner(rs);
  }

  private async reconcile(key: string): Promise<ReconcileResult | void> {
    const d = this.deployments.get(key);
    if (!d) return;
    const ns = d.metadata?.namespace ?? "";
    const uid = d.metadata?.uid ?? "";
    const owned = await this.claim(d, [...this.setsByOwner.ownedBy(uid), ...this.setsByOwner.orphansIn(ns)]);
    const nowMs = Date.now();
    const plan = planDeployment(d, owned, { nowMs, oldPodsRunning: this.oldPodsRunning(d, owned) });
    if (plan.collision) {
      await this.writeStatus(d, collisionStatus(d));
      return { requeueAfterMs: 0 };
    }
    for (const action of plan.actions) {
      const outcome = await this.perform(d, action);
      if (outcome === "collision") {
        await this.writeStatus(d, collisionStatus(d));
        return { requeueAfterMs: 0 };
      }
      if (outcome === "stale") return; // the cache is behind: its event brings this key back
    }
    if (plan.statusChanged) await this.writeStatus(d, plan.status);
    return plan.nextCheckMs !== undefined ? { requeueAfterMs: Math.max(0, plan.nextCheckMs - Date.now()) } : undefined;
  }

  /** The ReplicaSets this Deployment controls after adopting matching orphans and releasing those that stopped matching. */
  private async claim(d: DeploymentObject, candidates: readonly ReplicaSetObject[]): Promise<ReplicaSetObject[]> {
    const uid = d.metadata?.uid ?? "";
    const out: ReplicaSetObject[] = [];
    for (const rs of candidates) {
      const ref = controllerRef(rs);
      const matches = selects(d, rs);
      if (ref?.uid === uid) {
        if (matches || rs.metadata?.deletionTimestamp) out.push(rs);
        else await this.patch("replicasets", rs, releasePatch(rs, uid));
      } else if (!ref && matches && !rs.metadata?.deletionTimestamp && !d.metadata?.deletionTimestamp) {
        await this.patch("replicasets", rs, adoptPatch(rs, d, "apps/v1", "Deployment"));
        out.push(rs);
      }
    }
    return out;
  }

  /** Pods of the Deployment outside its new ReplicaSet that have not finished: what Recreate waits for. */
  private oldPodsRunning(d: DeploymentObject, owned: readonly ReplicaSetObject[]): number {
    const fresh = findNewReplicaSet(d, owned);
    let n = 0;
    for (const rs of owned) {
      if (rs === fresh) continue;
      for (const p of this.podsByOwner.ownedBy(rs.metadata?.uid ?? "")) if (p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed") n++;
    }
    return n;
  }

  private async perform(d: DeploymentObject, a: DeploymentAction): Promise<"ok" | "collision" | "stale"> {
    const ns = d.metadata?.namespace ?? "";
    switch (a.type) {
      case "createReplicaSet":
        try {
          await this.client.create("replicasets", ns, a.rs as unknown as KubeObject, { fieldManager: MANAGER });
        } catch (err) {
          if (!(err instanceof AlreadyExistsError)) throw err;
          const existing = (await this.client.get("replicasets", ns, a.rs.metadata.name ?? "")) as unknown as ReplicaSetObject;
          return isHashCollision(d, existing) ? "collision" : "stale";
        }
        this.scaled(d, a.rs.metadata.name ?? "", 0, a.rs.spec.replicas);
        return "ok";
      case "scaleReplicaSet": {
        const current = this.sets.get(`${ns}/${a.name}`);
        await this.patch("replicasets", { metadata: { name: a.name, namespace: ns } }, { metadata: { resourceVersion: a.resourceVersion, annotations: replaceMap(current?.metadata?.annotations, a.annotations) }, spec: { replicas: a.replicas, ...(a.minReadySeconds !== undefined ? { minReadySeconds: a.minReadySeconds } : {}) } });
        this.scaled(d, a.name, a.from, a.replicas);
        return "ok";
      }
      case "updateReplicaSetAnnotations": {
        const current = this.sets.get(`${ns}/${a.name}`);
        await this.patch("replicasets", { metadata: { name: a.name, namespace: ns } }, { metadata: { resourceVersion: a.resourceVersion, annotations: replaceMap(current?.metadata?.annotations, a.annotations) }, ...(a.minReadySeconds !== undefined ? { spec: { minReadySeconds: a.minReadySeconds } } : {}) });
        return "ok";
      }
      case "deleteReplicaSet":
        await this.client.delete("replicasets", ns, a.name, { propagationPolicy: "Background", ...(a.uid ? { preconditions: { uid: a.uid } } : {}) }).catch((err: unknown) => {
          if (!(err instanceof NotFoundError)) throw err;
        });
        return "ok";
      case "updateDeploymentAnnotations":
        await this.patch("deployments", d, { metadata: { annotations: replaceMap(d.metadata?.annotations, a.annotations) } });
        return "ok";
    }
  }

  private scaled(d: DeploymentObject, rs: string, from: number, to: number): void {
    if (from === to) return;
    const involved = { kind: "Deployment", apiVersion: "apps/v1", name: d.metadata?.name ?? "", namespace: d.metadata?.namespace ?? "", uid: d.metadata?.uid ?? "" };
    this.events.record(involved, "Normal", "ScalingReplicaSet", `Scaled ${to > from ? "up" : "down"} replica set ${rs} from ${from} to ${to}`);
  }

  /** PUT of the status subresource from the cached copy: a concurrent change is a conflict, retried with a fresh copy. */
  private async writeStatus(d: DeploymentObject, status: object): Promise<void> {
    await this.client.update("deployments", { ...(d as unknown as KubeObject), status } as KubeObject, { subresource: "status", fieldManager: MANAGER }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }

  private async patch(resource: string, obj: { metadata?: { name?: string | undefined; namespace?: string | undefined } | undefined }, body: Record<string, unknown>): Promise<void> {
    await this.client.patch(resource, obj.metadata?.namespace, obj.metadata?.name ?? "", MERGE, body, { fieldManager: MANAGER }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }
}

function selects(d: DeploymentObject, rs: ReplicaSetObject): boolean {
  const sel = d.spec?.selector;
  if (!sel || (!sel.matchLabels && !sel.matchExpressions)) return false;
  return selectorMatches(sel, rs.metadata?.labels ?? {});
}

/** A merge-patch value that turns `current` into `wanted`: changed keys, and null for keys to drop. */
function replaceMap(current: Record<string, string> | undefined, wanted: Record<string, string>): Record<string, string | null> {
  const out: Record<string, string | null> = { ...wanted };
  for (const k of Object.keys(current ?? {})) if (!(k in wanted)) out[k] = null;
  return out;
}
