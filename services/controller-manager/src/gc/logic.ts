/**
 * The garbage collector's decisions, as Kubernetes makes them (pkg/controller/
 * garbagecollector), without I/O:
 * - a dependent whose owners are all gone is deleted (Background: it goes now, its own
 *   dependents after it); one with an owner still there only loses the dangling refs;
 * - an owner deleted with `propagationPolicy: Orphan` carries the `orphan` finalizer:
 *   its dependents lose their reference to it, then the finalizer goes;
 * - an owner deleted with `Foreground` carries `foregroundDeletion`: dependents that
 *   block it (blockOwnerDeletion) are deleted first, in foreground themselves, and the
 *   finalizer goes only when none is left.
 */
import type { KubeObject, OwnerReference } from "@flotilla/api";

export const FINALIZER_ORPHAN = "orphan";
export const FINALIZER_FOREGROUND = "foregroundDeletion";

/** What the collector knows of one owner reference. */
export type OwnerState =
  /** Exists with that uid and is not waiting for its dependents. */
  | "present"
  /** Gone, or its name now belongs to an object with another uid. */
  | "absent"
  /** Being deleted in foreground: its dependents must go first. */
  | "deletingDependents";

export type DependentVerdict =
  | { action: "none" }
  /** Remove these owner references (dangling, or owners waiting for dependents) and keep the object. */
  | { action: "removeOwners"; uids: string[] }
  | { action: "delete"; propagationPolicy: "Background" | "Foreground" };

export function isBeingDeleted(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && obj.metadata.deletionTimestamp !== null;
}

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

/**
 * The verdict for an object with owner references, given each owner's state.
 * `hasDependents`: whether the object owns others itself (then deleting it on behalf of
 * an owner in foreground deletion propagates the foreground order).
 */
export function judgeDependent(obj: KubeObject, stateOf: (ref: OwnerReference) => OwnerState, hasDependents: boolean): DependentVerdict {
  const refs = obj.metadata.ownerReferences ?? [];
  if (refs.length === 0 || isBeingDeleted(obj)) return { action: "none" };
  const solid: OwnerReference[] = [];
  const dangling: OwnerReference[] = [];
  const waiting: OwnerReference[] = [];
  for (const ref of refs) {
    const state = stateOf(ref);
    if (state === "present") solid.push(ref);
    else if (state === "absent") dangling.push(ref);
    else waiting.push(ref);
  }
  if (solid.length > 0) {
    // Another owner keeps the object alive. A foreground owner waiting on it must not
    // wait forever, so its reference goes too (as Kubernetes does).
    const stale = [...dangling, ...waiting].map((r) => r.uid);
    return stale.length === 0 ? { action: "none" } : { action: "removeOwners", uids: stale };
  }
  if (waiting.length > 0 && hasDependents) return { action: "delete", propagationPolicy: "Foreground" };
  return { action: "delete", propagationPolicy: "Background" };
}

/** The dependents that hold up an owner's foreground deletion: those whose reference to it blocks. */
export function blockingDependents<T extends KubeObject>(ownerUid: string, dependents: readonly T[]): T[] {
  return dependents.filter((d) => (d.metadata.ownerReferences ?? []).some((r) => r.uid === ownerUid && r.blockOwnerDeletion === true));
}

/**
 * A merge patch that leaves only the other owner references. It carries the object's
 * resourceVersion, so it applies only to the copy it was computed from (a concurrent
 * change makes it a 409, and the collector looks again).
 */
export function ownerRemovalPatch(obj: KubeObject, uids: readonly string[]): Record<string, unknown> {
  const keep = (obj.metadata.ownerReferences ?? []).filter((r) => !uids.includes(r.uid));
  return { metadata: { resourceVersion: obj.metadata.resourceVersion, ownerReferences: keep.length > 0 ? keep : null } };
}

/** A merge patch removing one finalizer, guarded by the resourceVersion as above. */
export function finalizerRemovalPatch(obj: KubeObject, finalizer: string): Record<string, unknown> {
  const keep = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  return { metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: keep.length > 0 ? keep : null } };
}
