/**
 * Patches that take or give up control of an object (Kubernetes' ControllerRefManager).
 * Each carries the object's resourceVersion, so it applies only to the copy it was
 * computed from: two controllers adopting the same orphan cannot both win.
 */
import type { OwnerReference } from "@flotilla/api";

interface Meta {
  metadata?: { resourceVersion?: string | undefined; ownerReferences?: OwnerReference[] | undefined; uid?: string | undefined; name?: string | undefined } | undefined;
}

/** The controller reference an owner puts on what it controls. */
export function controllerRefTo(owner: Meta & { apiVersion?: string | undefined; kind?: string | undefined }, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata?.name ?? "", uid: owner.metadata?.uid ?? "", controller: true, blockOwnerDeletion: true };
}

export function adoptPatch(obj: Meta, owner: Meta, apiVersion = "apps/v1", kind = "ReplicaSet"): Record<string, unknown> {
  const refs = [...(obj.metadata?.ownerReferences ?? []), controllerRefTo(owner, apiVersion, kind)];
  return { metadata: { resourceVersion: obj.metadata?.resourceVersion, ownerReferences: refs } };
}

export function releasePatch(obj: Meta, ownerUid: string): Record<string, unknown> {
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  return { metadata: { resourceVersion: obj.metadata?.resourceVersion, ownerReferences: refs.length > 0 ? refs : null } };
}
