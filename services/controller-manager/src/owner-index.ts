/**
 * Objects of one informer grouped by their controller (the ownerReference with
 * `controller: true`), plus the orphans of each namespace: a ReplicaSet's reconcile reads
 * its own pods and the orphans it could adopt without scanning every pod of the cluster
 * (3,000 pods, reconciled once per pod change, would otherwise be millions of checks).
 */
import type { OwnerReference } from "@flotilla/api";
import { keyOf, type HasMeta } from "@flotilla/informer";

export interface Owned extends HasMeta {
  metadata?: HasMeta["metadata"] & { ownerReferences?: OwnerReference[] | undefined; uid?: string | undefined };
}

export function controllerRef(obj: Owned): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export class OwnerIndex<T extends Owned> {
  private readonly byController = new Map<string, Map<string, T>>();
  private readonly orphans = new Map<string, Map<string, T>>();

  /** Call from the informer's add, update (with the new object) and delete handlers. */
  set(obj: T, old?: T): void {
    if (old) this.remove(old);
    const ref = controllerRef(obj);
    const key = keyOf(obj);
    const group = ref ? ref.uid : (obj.metadata?.namespace ?? "");
    const index = ref ? this.byController : this.orphans;
    let m = index.get(group);
    if (!m) index.set(group, (m = new Map()));
    m.set(key, obj);
  }

  remove(obj: T): void {
    const ref = controllerRef(obj);
    const index = ref ? this.byController : this.orphans;
    const group = ref ? ref.uid : (obj.metadata?.namespace ?? "");
    const m = index.get(group);
    m?.delete(keyOf(obj));
    if (m?.size === 0) index.delete(group);
  }

  /** Objects whose controller has this uid. */
  ownedBy(uid: string): T[] {
    return [...(this.byController.get(uid)?.values() ?? [])];
  }

  /** Objects of the namespace without a controller. */
  orphansIn(namespace: string): T[] {
    return [...(this.orphans.get(namespace)?.values() ?? [])];
  }
}
