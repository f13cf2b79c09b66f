import { describe, expect, it } from "vitest";
import type { PodObject } from "@flotilla/api";
import { POD_DELETION_COST_ANNOTATION, controllerOf, isPodActive, isPodAvailable, isPodReady, podAvailableAtMs, rankPodsForDeletion } from "./pods.ts";

const T0 = Date.parse("2026-11-22T01:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Inputs come from a shared read-only cache: freezing them makes any mutation throw. */
function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

interface PodOpts {
  node?: string;
  phase?: string;
  /** Ready condition status; omitted → no Ready condition. */
  ready?: "True" | "False";
  readySince?: number;
  restarts?: number[];
  created?: number;
  deleting?: boolean;
  cost?: string;
}

function pod(name: string, o: PodOpts = {}): PodObject {
  const p: PodObject = { metadata: { name, namespace: "default" }, spec: { containers: [{ name: "app", image: "nginx" }] }, status: {} };
  if (o.created !== undefined) p.metadata!.creationTimestamp = iso(o.created);
  if (o.deleting) p.metadata!.deletionTimestamp = iso(T0);
  if (o.cost !== undefined) p.metadata!.annotations = { [POD_DELETION_COST_ANNOTATION]: o.cost };
  if (o.node !== undefined) p.spec!.nodeName = o.node;
  if (o.phase !== undefined) p.status!.phase = o.phase;
  if (o.ready !== undefined) {
    p.status!.conditions = [{ type: "Ready", status: o.ready, ...(o.readySince !== undefined ? { lastTransitionTime: iso(o.readySince) } : {}) }];
  }
  if (o.restarts !== undefined) {
    p.status!.containerStatuses = o.restarts.map((n, i) => ({ name: `c${i}`, ready: true, restartCount: n, image: "nginx", imageID: "sha256:1" }));
  }
  return deepFreeze(p);
}

const names = (pods: readonly PodObject[]) => pods.map((p) => p.metadata?.name);

describe("pods: activeness, readiness and availability", () => {
  it.each([
    { name: "a Running pod is active", o: { phase: "Running" }, want: true },
    { name: "a Pending pod is active", o: { phase: "Pending" }, want: true },
    { name: "a pod without a phase yet is active", o: {}, want: true },
    { name: "a Succeeded pod is not active", o: { phase: "Succeeded" }, want: false },
    { name: "a Failed pod is not active", o: { phase: "Failed" }, want: false },
    { name: "a Running pod being deleted is not active", o: { phase: "Running", deleting: true }, want: false },
  ])("pods: $name", ({ o, want }) => {
    expect(isPodActive(pod("p", o))).toBe(want);
  });

  it.each([
    { name: "a pod whose Ready condition is True is ready", o: { ready: "True" as const }, want: true },
    { name: "a pod whose Ready condition is False is not ready", o: { ready: "False" as const }, want: false },
    { name: "a pod without a Ready condition is not ready", o: { phase: "Running" }, want: false },
  ])("pods: $name", ({ o, want }) => {
    expect(isPodReady(pod("p", o))).toBe(want);
  });

  it.each([
    { name: "with minReadySeconds 0, ready is available", o: { ready: "True" as const, readySince: T0 }, min: 0, want: true },
    { name: "with minReadySeconds 0, ready without a transition time is available", o: { ready: "True" as const }, min: 0, want: true },
    { name: "a not-ready pod is never available", o: { ready: "False" as const, readySince: T0 - 3_600_000 }, min: 0, want: false },
    { name: "a pod ready for less than minReadySeconds is not available", o: { ready: "True" as const, readySince: T0 - 9_000 }, min: 10, want: false },
    { name: "a pod ready for exactly minReadySeconds is not yet available", o: { ready: "True" as const, readySince: T0 - 10_000 }, min: 10, want: false },
    { name: "a pod ready for longer than minReadySeconds is available", o: { ready: "True" as const, readySince: T0 - 11_000 }, min: 10, want: true },
    { name: "a ready pod without a transition time is not available when minReadySeconds is set", o: { ready: "True" as const }, min: 10, want: false },
  ])("pods: $name", ({ o, min, want }) => {
    expect(isPodAvailable(pod("p", o), min, T0)).toBe(want);
  });

  it("pods: availability starts the millisecond after minReadySeconds have passed", () => {
    expect(podAvailableAtMs(pod("p", { ready: "True", readySince: T0 }), 5)).toBe(T0 + 5_001);
    expect(podAvailableAtMs(pod("p", { ready: "False", readySince: T0 }), 5)).toBeUndefined();
  });
});

describe("pods: controller reference", () => {
  const ref = (uid: string, controller?: boolean) => ({ apiVersion: "apps/v1", kind: "ReplicaSet", name: `rs-${uid}`, uid, ...(controller === undefined ? {} : { controller }) });
  it.each([
    { name: "the reference with controller: true is the controller", refs: [ref("a"), ref("b", true)], want: "b" },
    { name: "an owner that is not the controller is not returned", refs: [ref("a"), ref("b", false)], want: undefined },
    { name: "an object without owners has no controller", refs: undefined, want: undefined },
  ])("pods: $name", ({ refs, want }) => {
    expect(controllerOf({ metadata: refs === undefined ? {} : { ownerReferences: refs } })?.uid).toBe(want);
  });
});

describe("pods: ranking for deletion", () => {
  const running = { node: "n1", phase: "Running", ready: "True" as const, readySince: T0 - 60_000, created: T0 - 120_000 };
  // Each row differs in one criterion only; `first` must be deleted before `second`
  // whichever order they are given in.
  it.each([
    { name: "deletes unscheduled pods before scheduled ones", first: { ...running, node: undefined }, second: running },
    { name: "deletes Pending pods before Unknown ones", first: { ...running, phase: "Pending" }, second: { ...running, phase: "Unknown" } },
    { name: "deletes Unknown pods before Running ones", first: { ...running, phase: "Unknown" }, second: running },
    { name: "deletes not-ready pods before ready ones", first: { ...running, ready: "False" as const }, second: running },
    { name: "deletes pods with a lower deletion cost first", first: { ...running, cost: "-5" }, second: { ...running, cost: "10" } },
    { name: "deletes pods ready for a shorter time first", first: { ...running, readySince: T0 - 1_000 }, second: running },
    { name: "deletes a ready pod without a transition time before one ready for a known time", first: { ...running, readySince: undefined }, second: running },
    { name: "deletes pods whose most-restarted container restarted more first", first: { ...running, restarts: [0, 5] }, second: { ...running, restarts: [3, 3] } },
    { name: "deletes newer pods first", first: { ...running, created: T0 - 1_000 }, second: running },
    { name: "deletes a pod without a creation time before a dated one", first: { ...running, created: undefined }, second: running },
  ])("replicaset: $name", ({ first, second }) => {
    const a = pod("b-first", first);
    const b = pod("a-second", second);
    expect(names(rankPodsForDeletion([a, b]))).toEqual(["b-first", "a-second"]);
    expect(names(rankPodsForDeletion([b, a]))).toEqual(["b-first", "a-second"]);
  });

  it("replicaset: deletes a pod from the node with the most related pods first", () => {
    const crowded = pod("z-crowded", { ...running, node: "n1" });
    const alone = pod("a-alone", { ...running, node: "n2" });
    const related = [crowded, alone, pod("x", { ...running, node: "n1" }), pod("y", { ...running, node: "n1" })];
    expect(names(rankPodsForDeletion([alone, crowded], related))).toEqual(["z-crowded", "a-alone"]);
  });

  it("replicaset: colocation counts only active related pods", () => {
    const a = pod("a", { ...running, node: "n1" });
    const b = pod("b", { ...running, node: "n2" });
    const finished = [1, 2, 3].map((i) => pod(`done-${i}`, { node: "n2", phase: "Succeeded" }));
    const terminating = pod("going", { ...running, node: "n2", deleting: true });
    expect(names(rankPodsForDeletion([a, b], [a, b, ...finished, terminating]))).toEqual(["a", "b"]);
  });

  it("replicaset: without related pods, colocation is counted among the ranked pods", () => {
    const pods = [pod("a", { ...running, node: "n1" }), pod("b", { ...running, node: "n2" }), pod("c", { ...running, node: "n2" })];
    expect(names(rankPodsForDeletion(pods))).toEqual(["b", "c", "a"]);
  });

  it("replicaset: an earlier criterion outweighs every later one", () => {
    // Newer, restarting, barely ready and not alone, but scheduled: the unscheduled old pod still goes first.
    const scheduled = pod("scheduled", { ...running, created: T0, readySince: T0, restarts: [9] });
    const unscheduled = pod("unscheduled", { ...running, node: undefined });
    expect(names(rankPodsForDeletion([scheduled, unscheduled]))).toEqual(["unscheduled", "scheduled"]);
  });

  it.each([
    { name: "a malformed deletion cost counts as 0", cost: "cheap" },
    { name: "a deletion cost beyond int32 counts as 0", cost: "4294967296" },
  ])("replicaset: $name", ({ cost }) => {
    const odd = pod("z-odd", { ...running, cost });
    const zero = pod("a-zero", { ...running, cost: "0" });
    expect(names(rankPodsForDeletion([odd, zero]))).toEqual(["a-zero", "z-odd"]);
  });

  it("replicaset: equal pods come out ordered by name, and the input is left alone", () => {
    const input = deepFreeze(["d", "b", "c", "a"].map((n) => pod(n, running)));
    const out = rankPodsForDeletion(input);
    expect(names(out)).toEqual(["a", "b", "c", "d"]);
    expect(names(input)).toEqual(["d", "b", "c", "a"]);
    expect(out).not.toBe(input);
  });
});
