/**
 * Pod informer handlers shared by the controllers that own pods (ReplicaSet, Job,
 * DaemonSet): keep the owner index current, count what the expectations wait for (a
 * pod seen created; a pod seen deleted or marked for deletion), and queue the owner a
 * pod belongs to, or the owners that might adopt it when it is an orphan. Also the
 * deletes they make of their pods.
 */
import { NotFoundError, type PodObject } from "@flotilla/api";
import type { ApiClient, EventRecorder, InvolvedObject } from "@flotilla/bus";
import type { Expectations, WorkQueue } from "@flotilla/controller";
import type { InformerHandlers } from "@flotilla/informer";
import { controllerRef, type OwnerIndex } from "./owner-index.ts";

export interface OwnedPodsOptions {
  /** The owner kind whose pods these are ("ReplicaSet", "Job", "DaemonSet"). */
  kind: string;
  index: OwnerIndex<PodObject>;
  expectations: Expectations;
  queue: WorkQueue;
  /** Queue the owners of the pod's namespace that could adopt this orphan. */
  enqueueAdopters(p: PodObject): void;
}

/** `namespace/name` of the owner of `kind` controlling the pod, if one does. */
export function ownerKeyOf(p: PodObject, kind: string): string | undefined {
  const ref = controllerRef(p);
  return ref?.kind === kind ? `${p.metadata?.namespace ?? ""}/${ref.name}` : undefined;
}

export function ownedPodHandlers(o: OwnedPodsOptions): InformerHandlers<PodObject> {
  const keyOf = (p: PodObject) => ownerKeyOf(p, o.kind);
  return {
    add(p) {
      o.index.set(p);
      const key = keyOf(p);
      if (key) {
        o.expectations.creationObserved(key);
        o.queue.add(key);
      } else if (!controllerRef(p)) o.enqueueAdopters(p);
    },
    update(old, p) {
      o.index.set(p, old);
      const key = keyOf(p);
      const oldKey = keyOf(old);
      // A pod being deleted counts as gone for the expectations, as Kubernetes does.
      if (key && p.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) o.expectations.deletionObserved(key);
      if (oldKey && oldKey !== key) o.queue.add(oldKey);
      if (key) o.queue.add(key);
      // An orphan matters to adopters only when it just became one or its labels changed.
      else if (!controllerRef(p) && (oldKey !== undefined || JSON.stringify(old.metadata?.labels) !== JSON.stringify(p.metadata?.labels))) o.enqueueAdopters(p);
    },
    delete(p) {
      o.index.remove(p);
      const key = keyOf(p);
      if (!key) return;
      if (!p.metadata?.deletionTimestamp) o.expectations.deletionObserved(key);
      o.queue.add(key);
    },
  };
}

/** The owner as an Event's involvedObject. */
export function involvedOwner(kind: string, apiVersion: string, obj: { metadata?: { name?: string | undefined; namespace?: string | undefined; uid?: string | undefined } | undefined }): InvolvedObject {
  return { kind, apiVersion, name: obj.metadata?.name ?? "", namespace: obj.metadata?.namespace ?? "", uid: obj.metadata?.uid ?? "" };
}

/**
 * Deletes an owner's pods in parallel (each guarded by its uid), with Kubernetes' events.
 * A delete that fails will never be observed, so it settles its expectation at once; a
 * pod already gone is no failure. Returns the first other failure.
 */
export async function deleteOwnedPods(deps: { client: ApiClient; events: EventRecorder; expectations: Expectations }, key: string, owner: InvolvedObject, pods: readonly PodObject[]): Promise<Error | undefined> {
  let failure: Error | undefined;
  await Promise.all(
    pods.map(async (p) => {
      const pm = p.metadata ?? {};
      try {
        await deps.client.delete("pods", pm.namespace, pm.name ?? "", { preconditions: { uid: pm.uid ?? "" } });
        deps.events.record(owner, "Normal", "SuccessfulDelete", `Deleted pod: ${pm.name ?? ""}`);
      } catch (err) {
        deps.expectations.deletionObserved(key);
        if (err instanceof NotFoundError) return;
        failure ??= err as Error;
        deps.events.record(owner, "Warning", "FailedDelete", `Error deleting: ${(err as Error).message}`);
      }
    }),
  );
  return failure;
}
