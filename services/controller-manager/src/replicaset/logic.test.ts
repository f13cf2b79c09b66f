import { describe, expect, it } from "vitest";
import type { PodObject } from "@flotilla/api";
import {
  BURST_REPLICAS,
  REPLICA_FAILURE,
  SLOW_START_INITIAL_BATCH,
  claimPods,
  nextAvailabilityCheckMs,
  planReplicaSet,
  podFromTemplate,
  replicaSetStatus,
  slowStartBatches,
  statusChanged,
} from "./logic.ts";
import type { ReplicaSetLike, ReplicaSetStatusLike } from "./logic.ts";

const T0 = Date.parse("2026-11-22T01:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const RS_UID = "uid-web";
const APP = { app: "web" };

/** Inputs come from a shared read-only cache: freezing them makes any mutation throw. */
function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function replicaSet(o: { replicas?: number; minReadySeconds?: number; deleting?: boolean; conditions?: ReplicaSetStatusLike["conditions"] } = {}): ReplicaSetLike {
  const rs: ReplicaSetLike = {
    metadata: { name: "web", namespace: "default", uid: RS_UID, generation: 3 },
    spec: {
      selector: { matchLabels: APP },
      template: {
        metadata: { labels: { ...APP, tier: "front" }, annotations: { note: "hi" } },
        spec: { containers: [{ name: "app", image: "nginx:1.27", env: [{ name: "A", value: "1" }] }] },
      },
    },
  };
  if (o.replicas !== undefined) rs.spec!.replicas = o.replicas;
  if (o.minReadySeconds !== undefined) rs.spec!.minReadySeconds = o.minReadySeconds;
  if (o.deleting) rs.metadata!.deletionTimestamp = iso(T0);
  if (o.conditions !== undefined) rs.status = { replicas: 0, conditions: o.conditions };
  return deepFreeze(rs);
}

interface PodOpts {
  labels?: Record<string, string>;
  /** uid of the controlling owner; "" for an orphan. */
  owner?: string;
  node?: string;
  phase?: string;
  ready?: boolean;
  readySince?: number;
  created?: number;
  deleting?: boolean;
  namespace?: string;
}

function pod(name: string, o: PodOpts = {}): PodObject {
  const owner = o.owner ?? RS_UID;
  const p: PodObject = {
    metadata: { name, namespace: o.namespace ?? "default", uid: `uid-${name}`, labels: o.labels ?? { ...APP, tier: "front" }, creationTimestamp: iso(o.created ?? T0 - 600_000) },
    spec: { containers: [{ name: "app", image: "nginx:1.27" }], ...(o.node === undefined ? {} : { nodeName: o.node }) },
    status: { phase: o.phase ?? "Running" },
  };
  if (owner !== "") p.metadata!.ownerReferences = [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: owner, controller: true }];
  if (o.deleting) p.metadata!.deletionTimestamp = iso(T0);
  if (o.ready !== undefined) p.status!.conditions = [{ type: "Ready", status: o.ready ? "True" : "False", lastTransitionTime: iso(o.readySince ?? T0 - 600_000) }];
  return deepFreeze(p);
}

const names = (pods: readonly PodObject[]) => pods.map((p) => p.metadata?.name);
const running = (name: string, o: PodOpts = {}) => pod(name, { node: "n1", ready: true, ...o });

describe("replicaset: slow start", () => {
  it.each([
    { count: 0, want: [] },
    { count: -3, want: [] },
    { count: 1, want: [1] },
    { count: 3, want: [1, 2] },
    { count: 10, want: [1, 2, 4, 3] },
    { count: 500, want: [1, 2, 4, 8, 16, 32, 64, 128, 245] },
  ])("replicaset: creating $count pods goes in batches $want", ({ count, want }) => {
    expect(slowStartBatches(count)).toEqual(want);
  });

  it("replicaset: a larger first batch doubles from there", () => {
    expect(slowStartBatches(20, 3)).toEqual([3, 6, 11]);
  });

  it("replicaset: a first batch that is not a positive integer is a bug", () => {
    expect(() => slowStartBatches(5, 0)).toThrow(RangeError);
  });

  it("replicaset: the limits are Kubernetes' (first batch 1, at most 500 per reconcile)", () => {
    expect([SLOW_START_INITIAL_BATCH, BURST_REPLICAS]).toEqual([1, 500]);
  });
});

describe("replicaset: claiming pods", () => {
  const claimNames = (rs: ReplicaSetLike, pods: PodObject[]) => {
    const c = claimPods(rs, pods);
    return { owned: names(c.owned), adopt: names(c.adopt), release: names(c.release) };
  };

  it.each([
    { name: "owns its selected pods, finished ones included", pods: [pod("a"), pod("done", { phase: "Succeeded" })], want: { owned: ["a", "done"], adopt: [], release: [] } },
    { name: "adopts selected orphans", pods: [pod("orphan", { owner: "" })], want: { owned: [], adopt: ["orphan"], release: [] } },
    { name: "never adopts a pod controlled by someone else", pods: [pod("theirs", { owner: "uid-other" })], want: { owned: [], adopt: [], release: [] } },
    { name: "never adopts an orphan being deleted", pods: [pod("going", { owner: "", deleting: true })], want: { owned: [], adopt: [], release: [] } },
    { name: "never adopts a finished orphan", pods: [pod("done", { owner: "", phase: "Failed" })], want: { owned: [], adopt: [], release: [] } },
    { name: "never adopts an orphan the selector does not select", pods: [pod("db", { owner: "", labels: { app: "db" } })], want: { owned: [], adopt: [], release: [] } },
    { name: "releases its pods whose labels changed", pods: [pod("relabelled", { labels: { app: "debug" } })], want: { owned: [], adopt: [], release: ["relabelled"] } },
    { name: "leaves its pods being deleted alone", pods: [pod("going", { deleting: true }), pod("going-relabelled", { deleting: true, labels: {} })], want: { owned: [], adopt: [], release: [] } },
    { name: "ignores pods in other namespaces", pods: [pod("elsewhere", { namespace: "other" }), pod("orphan-elsewhere", { owner: "", namespace: "other" })], want: { owned: [], adopt: [], release: [] } },
  ])("replicaset: $name", ({ pods, want }) => {
    expect(claimNames(replicaSet(), pods)).toEqual(want);
  });

  it("replicaset: being deleted, it keeps what it owns but adopts and releases nothing", () => {
    const pods = [pod("a"), pod("orphan", { owner: "" }), pod("relabelled", { labels: { app: "debug" } })];
    expect(claimNames(replicaSet({ deleting: true }), pods)).toEqual({ owned: ["a"], adopt: [], release: [] });
  });

  it.each([
    { name: "with no selector selects nothing", selector: undefined },
    { name: "with an empty selector selects nothing", selector: {} },
  ])("replicaset: $name", ({ selector }) => {
    const rs = structuredClone(replicaSet());
    if (selector === undefined) delete rs.spec!.selector;
    else rs.spec!.selector = selector;
    expect(claimNames(rs, [pod("orphan", { owner: "" })])).toEqual({ owned: [], adopt: [], release: [] });
  });

  it("replicaset: a selector expression is honoured", () => {
    const rs = structuredClone(replicaSet());
    rs.spec!.selector = { matchExpressions: [{ key: "app", operator: "In", values: ["web", "api"] }] };
    expect(claimNames(rs, [pod("api", { owner: "", labels: { app: "api" } }), pod("db", { owner: "", labels: { app: "db" } })]).adopt).toEqual(["api"]);
  });
});

describe("replicaset: new pods from the template", () => {
  it("replicaset: a new pod carries the template and a controller reference to the set", () => {
    const rs = replicaSet();
    const p = podFromTemplate(rs);
    expect(p.metadata).toEqual({
      generateName: "web-",
      namespace: "default",
      labels: { app: "web", tier: "front" },
      annotations: { note: "hi" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: RS_UID, controller: true, blockOwnerDeletion: true }],
    });
    expect(p.spec).toEqual(rs.spec?.template?.spec);
  });

  it("replicaset: a new pod shares nothing with the template, so changing it leaves the set alone", () => {
    const rs = replicaSet();
    const p = podFromTemplate(rs);
    p.metadata.labels!.extra = "x";
    p.spec!.containers[0]!.env!.push({ name: "B", value: "2" });
    expect(rs.spec?.template?.metadata?.labels).toEqual({ app: "web", tier: "front" });
    expect(rs.spec?.template?.spec?.containers[0]?.env).toHaveLength(1);
  });
});

describe("replicaset: scaling", () => {
  it.each([
    { name: "creates the missing pods", replicas: 5, pods: [running("a"), running("b")], create: 3 },
    { name: "defaults to one replica", replicas: undefined, pods: [], create: 1 },
    { name: "does nothing at the desired count", replicas: 2, pods: [running("a"), running("b")], create: 0 },
    { name: "does not count terminating pods, so their replacements start now", replicas: 2, pods: [running("a"), running("b", { deleting: true })], create: 1 },
    { name: "does not count finished pods", replicas: 2, pods: [running("a"), pod("b", { phase: "Failed" }), pod("c", { phase: "Succeeded" })], create: 1 },
    { name: "creates at most BURST_REPLICAS per reconcile", replicas: 10_000, pods: [], create: BURST_REPLICAS },
  ])("replicaset: $name", ({ replicas, pods, create }) => {
    expect(planReplicaSet(replicaSet(replicas === undefined ? {} : { replicas }), pods, T0)).toEqual({ create, delete: [] });
  });

  it.each([
    { name: "deletes unscheduled pods before running ones", pods: [running("old"), pod("unscheduled", { phase: "Pending" })], want: ["unscheduled"] },
    { name: "deletes not-ready pods before ready ones", pods: [running("ready"), running("not-ready", { ready: false })], want: ["not-ready"] },
    { name: "deletes the newest pods first", pods: [running("old", { created: T0 - 60_000 }), running("new", { created: T0 - 1_000 })], want: ["new"] },
    { name: "deletes from the node running more of its pods", pods: [running("alone", { node: "n2" }), running("pair-a"), running("pair-b")], want: ["pair-a"] },
    { name: "does not delete terminating pods again, nor count them", pods: [running("a"), running("b"), running("going", { deleting: true })], want: ["a"] },
  ])("replicaset: scaling down $name", ({ pods, want }) => {
    const plan = planReplicaSet(replicaSet({ replicas: pods.filter((p) => !p.metadata?.deletionTimestamp).length - 1 }), pods, T0);
    expect({ create: plan.create, delete: names(plan.delete) }).toEqual({ create: 0, delete: want });
  });

  it("replicaset: scaling to zero deletes at most BURST_REPLICAS per reconcile", () => {
    const pods = Array.from({ length: BURST_REPLICAS + 20 }, (_, i) => running(`p${String(i).padStart(4, "0")}`));
    const plan = planReplicaSet(replicaSet({ replicas: 0 }), pods, T0);
    expect(plan.delete).toHaveLength(BURST_REPLICAS);
    expect(new Set(plan.delete).size).toBe(BURST_REPLICAS);
  });
});

describe("replicaset: status", () => {
  const pods = () => [
    running("ready-long", { readySince: T0 - 60_000 }),
    running("ready-new", { readySince: T0 - 5_000 }),
    running("not-ready", { ready: false }),
    running("unlabelled", { labels: APP }),
    running("going", { deleting: true }),
    pod("done", { phase: "Succeeded" }),
  ];

  it.each([
    { name: "with minReadySeconds 0, every ready pod is available", min: undefined, available: 3 },
    { name: "before minReadySeconds has passed, a newly ready pod is not available", min: 10, available: 2 },
    { name: "after minReadySeconds has passed, it is", min: 4, available: 3 },
    { name: "a minReadySeconds longer than any pod has been ready leaves none available", min: 1200, available: 0 },
  ])("replicaset: status $name", ({ min, available }) => {
    const rs = replicaSet(min === undefined ? {} : { minReadySeconds: min });
    expect(replicaSetStatus(rs, pods(), T0)).toEqual({ replicas: 4, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: available, observedGeneration: 3 });
  });

  it("replicaset: the next availability check is when the earliest ready pod passes minReadySeconds", () => {
    expect(nextAvailabilityCheckMs(replicaSet({ minReadySeconds: 10 }), pods(), T0)).toBe(5_001);
    expect(nextAvailabilityCheckMs(replicaSet({ minReadySeconds: 4 }), pods(), T0)).toBeUndefined();
    expect(nextAvailabilityCheckMs(replicaSet(), pods(), T0)).toBeUndefined();
  });

  const failureCond = (c: ReplicaSetStatusLike) => c.conditions?.find((x) => x.type === REPLICA_FAILURE);
  const other = { type: "Custom", status: "True", lastTransitionTime: iso(T0 - 1_000_000) };

  it("replicaset: a failed create sets ReplicaFailure with the reason and message", () => {
    const s = replicaSetStatus(replicaSet({ conditions: [other] }), [], T0, { reason: "FailedCreate", message: "quota exceeded" });
    expect(s.conditions).toEqual([other, { type: REPLICA_FAILURE, status: "True", lastTransitionTime: iso(T0), reason: "FailedCreate", message: "quota exceeded" }]);
  });

  it("replicaset: a failure that persists keeps its transition time and shows the latest message", () => {
    const since = iso(T0 - 30_000);
    const rs = replicaSet({ conditions: [{ type: REPLICA_FAILURE, status: "True", lastTransitionTime: since, reason: "FailedCreate", message: "old" }] });
    const cond = failureCond(replicaSetStatus(rs, [], T0, { reason: "FailedDelete", message: "new" }));
    expect(cond).toEqual({ type: REPLICA_FAILURE, status: "True", lastTransitionTime: since, reason: "FailedDelete", message: "new" });
  });

  it("replicaset: a successful reconcile clears ReplicaFailure and keeps other conditions", () => {
    const rs = replicaSet({ conditions: [other, { type: REPLICA_FAILURE, status: "True", lastTransitionTime: iso(T0), reason: "FailedCreate", message: "x" }] });
    expect(replicaSetStatus(rs, [], T0).conditions).toEqual([other]);
  });

  it("replicaset: clearing the last condition reports an empty list, so a merge patch removes it", () => {
    const rs = replicaSet({ conditions: [{ type: REPLICA_FAILURE, status: "True", reason: "FailedCreate", message: "x" }] });
    expect(replicaSetStatus(rs, [], T0).conditions).toEqual([]);
    expect(replicaSetStatus(replicaSet(), [], T0).conditions).toBeUndefined();
  });
});

describe("replicaset: status changes", () => {
  const base: ReplicaSetStatusLike = { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 1, observedGeneration: 3 };
  const a = { type: "A", status: "True" };
  const b = { type: "B", status: "False", reason: "R" };
  it.each([
    { name: "the same status is unchanged", x: base, y: { ...base }, want: false },
    { name: "absent counts equal zero", x: { replicas: 0, readyReplicas: 0 }, y: {}, want: false },
    { name: "no status equals an empty one", x: undefined, y: { conditions: [] }, want: false },
    { name: "condition order does not matter", x: { ...base, conditions: [a, b] }, y: { ...base, conditions: [b, a] }, want: false },
    { name: "a different ready count is a change", x: base, y: { ...base, readyReplicas: 2 }, want: true },
    { name: "a new observedGeneration is a change", x: base, y: { ...base, observedGeneration: 4 }, want: true },
    { name: "a new condition message is a change", x: { ...base, conditions: [b] }, y: { ...base, conditions: [{ ...b, message: "m" }] }, want: true },
    { name: "a removed condition is a change", x: { ...base, conditions: [a] }, y: base, want: true },
  ])("replicaset: $name", ({ x, y, want }) => {
    expect(statusChanged(x, y)).toBe(want);
  });

  it("replicaset: recomputing the status of a settled set writes nothing", () => {
    const rs = structuredClone(replicaSet({ replicas: 1 }));
    const owned = [running("a")];
    rs.status = replicaSetStatus(rs, owned, T0);
    expect(statusChanged(rs.status, replicaSetStatus(rs, owned, T0 + 60_000))).toBe(false);
  });
});
