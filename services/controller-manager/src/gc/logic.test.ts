import type { KubeObject, OwnerReference } from "@flotilla/api";
import { describe, expect, it } from "vitest";
import { blockingDependents, finalizerRemovalPatch, judgeDependent, ownerRemovalPatch, type OwnerState } from "./logic.ts";

const ref = (uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({ apiVersion: "apps/v1", kind: "ReplicaSet", name: `rs-${uid}`, uid, ...extra });
const obj = (refs: OwnerReference[], extra: Partial<KubeObject["metadata"]> = {}): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", uid: "p1", resourceVersion: "7", ownerReferences: refs, ...extra } });
const states = (m: Record<string, OwnerState>) => (r: OwnerReference): OwnerState => m[r.uid] ?? "present";

describe("garbage collector decisions", () => {
  it.each([
    { name: "an object whose only owner is gone is deleted in the background", refs: [ref("a")], st: { a: "absent" }, deps: false, want: { action: "delete", propagationPolicy: "Background" } },
    { name: "an object with a live owner is kept", refs: [ref("a")], st: { a: "present" }, deps: false, want: { action: "none" } },
    { name: "one live owner keeps it; the dangling reference is removed", refs: [ref("a"), ref("b")], st: { a: "present", b: "absent" }, deps: false, want: { action: "removeOwners", uids: ["b"] } },
    { name: "a live owner keeps it even when another waits in foreground; that reference goes", refs: [ref("a"), ref("b")], st: { a: "present", b: "deletingDependents" }, deps: true, want: { action: "removeOwners", uids: ["b"] } },
    { name: "an owner deleting in foreground makes an owning dependent go in foreground too", refs: [ref("a")], st: { a: "deletingDependents" }, deps: true, want: { action: "delete", propagationPolicy: "Foreground" } },
    { name: "a leaf dependent of a foreground owner goes in the background", refs: [ref("a")], st: { a: "deletingDependents" }, deps: false, want: { action: "delete", propagationPolicy: "Background" } },
    { name: "all owners gone, whatever their number: deleted", refs: [ref("a"), ref("b")], st: { a: "absent", b: "absent" }, deps: true, want: { action: "delete", propagationPolicy: "Background" } },
  ] as const)("gc: $name", ({ refs, st, deps, want }) => {
    expect(judgeDependent(obj([...refs]), states(st as Record<string, OwnerState>), deps)).toEqual(want);
  });

  it("gc: objects without owners, or already being deleted, are left alone", () => {
    expect(judgeDependent(obj([]), states({}), false)).toEqual({ action: "none" });
    expect(judgeDependent(obj([ref("a")], { deletionTimestamp: "2026-01-01T00:00:00Z" }), states({ a: "absent" }), false)).toEqual({ action: "none" });
  });

  it("gc: only dependents whose reference blocks the owner hold up a foreground deletion", () => {
    const blocking = obj([ref("o", { blockOwnerDeletion: true })], { name: "x" });
    const nonBlocking = obj([ref("o")], { name: "y" });
    const other = obj([ref("z", { blockOwnerDeletion: true })], { name: "w" });
    expect(blockingDependents("o", [blocking, nonBlocking, other]).map((d) => d.metadata.name)).toEqual(["x"]);
  });

  it("gc: removal patches keep the rest and are guarded by the resourceVersion", () => {
    expect(ownerRemovalPatch(obj([ref("a"), ref("b")]), ["b"])).toEqual({ metadata: { resourceVersion: "7", ownerReferences: [ref("a")] } });
    expect(ownerRemovalPatch(obj([ref("a")]), ["a"])).toEqual({ metadata: { resourceVersion: "7", ownerReferences: null } });
    const owner = obj([], { finalizers: ["orphan", "example.com/keep"] });
    expect(finalizerRemovalPatch(owner, "orphan")).toEqual({ metadata: { resourceVersion: "7", finalizers: ["example.com/keep"] } });
    expect(finalizerRemovalPatch(obj([], { finalizers: ["orphan"] }), "orphan")).toEqual({ metadata: { resourceVersion: "7", finalizers: null } });
  });
});
