import { describe, expect, it } from "vitest";
import type { NodeObject, PodObject } from "@flotilla/api";
import { NODE_LIFECYCLE_DEFAULTS, TAINT_NOT_READY, TAINT_UNREACHABLE, evictions, nodeStatusUpdate, podsToMarkNotReady, taintUpdate } from "./lifecycle.ts";
import type { NodeLifecycleConfig } from "./lifecycle.ts";

type Taint = NonNullable<NonNullable<NodeObject["spec"]>["taints"]>[number];
type Toleration = NonNullable<NonNullable<PodObject["spec"]>["tolerations"]>[number];

const T0 = Date.parse("2026-11-22T01:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const CREATED = "2026-11-20T00:00:00Z";
const LAST_HEARD = "2026-11-22T00:59:50Z";
const cfg: NodeLifecycleConfig = NODE_LIFECYCLE_DEFAULTS;

/** Inputs come from a shared read-only cache: freezing them makes any mutation throw. */
function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function node(ready: string | undefined, taints?: Taint[], types = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]): NodeObject {
  const status = (type: string) => (type === "Ready" ? ready! : "False");
  const conditions = types
    .filter((type) => type !== "Ready" || ready !== undefined)
    .map((type) => ({ type, status: status(type), reason: "KubeletSays", message: "kubelet", lastHeartbeatTime: LAST_HEARD, lastTransitionTime: CREATED }));
  return deepFreeze({ metadata: { name: "pi-1", creationTimestamp: CREATED }, spec: taints ? { taints } : {}, status: { conditions } });
}

const cond = (n: NodeObject | undefined, type: string) => n?.status?.conditions?.find((c) => c.type === type);
const taintsOf = (n: NodeObject | undefined) => (n?.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}${t.timeAdded ? `@${t.timeAdded}` : ""}`);

const unreachable = (added = T0 - 60_000): Taint[] => [
  { key: TAINT_UNREACHABLE, effect: "NoExecute", timeAdded: iso(added) },
  { key: TAINT_UNREACHABLE, effect: "NoSchedule" },
];

describe("node lifecycle: conditions from heartbeats", () => {
  it.each([
    { name: "a node heard from within the grace period is left alone", heard: T0 - 1000 },
    { name: "a node silent for exactly the grace period is left alone", heard: T0 - cfg.gracePeriodMs },
    { name: "a node never heard from is not judged before the grace period since the controller started", heard: undefined, since: T0 - 1000 },
  ])("node lifecycle: $name", ({ heard, since }) => {
    expect(nodeStatusUpdate(node("True"), heard, T0, cfg, since)).toBeUndefined();
  });

  it.each([
    { name: "a node silent past the grace period becomes Ready=Unknown and tainted unreachable", heard: T0 - cfg.gracePeriodMs - 1, since: undefined },
    { name: "a node never heard from since the controller started, past the grace period, becomes Unknown", heard: undefined, since: T0 - 3000 },
  ])("node lifecycle: $name", ({ heard, since }) => {
    const input = node("True");
    const out = nodeStatusUpdate(input, heard, T0, cfg, since);
    for (const type of ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]) {
      expect(cond(out, type), type).toEqual({
        type,
        status: "Unknown",
        reason: "NodeStatusUnknown",
        message: "Kubelet stopped posting node status.",
        lastHeartbeatTime: LAST_HEARD,
        lastTransitionTime: iso(T0),
      });
    }
    expect(taintsOf(out)).toEqual([`${TAINT_UNREACHABLE}:NoExecute@${iso(T0)}`, `${TAINT_UNREACHABLE}:NoSchedule`]);
    expect(cond(input, "Ready")?.status).toBe("True");
  });

  it("node lifecycle: a silent node already Unknown and tainted is left alone, keeping its transition times", () => {
    const allUnknown: NodeObject = structuredClone(node("Unknown", unreachable()));
    for (const c of allUnknown.status!.conditions!) c.status = "Unknown";
    expect(nodeStatusUpdate(deepFreeze(allUnknown), T0 - 10_000, T0, cfg)).toBeUndefined();
  });

  it("node lifecycle: conditions the kubelet never posted are added as Unknown with reason NodeStatusNeverUpdated", () => {
    const out = nodeStatusUpdate(node("True", undefined, ["Ready"]), T0 - 5000, T0, cfg);
    expect(cond(out, "Ready")?.reason).toBe("NodeStatusUnknown");
    expect(cond(out, "PIDPressure")).toEqual({
      type: "PIDPressure",
      status: "Unknown",
      reason: "NodeStatusNeverUpdated",
      message: "Kubelet never posted node status.",
      lastHeartbeatTime: CREATED,
      lastTransitionTime: iso(T0),
    });
  });

  it.each([
    { name: "with no heartbeat and no start time, silence counts from Ready's lastHeartbeatTime", types: ["Ready"], ready: "True" },
    { name: "with no heartbeat, start time nor Ready condition, silence counts from creation", types: [], ready: undefined },
  ])("node lifecycle: $name", ({ types, ready }) => {
    expect(cond(nodeStatusUpdate(node(ready, undefined, types), undefined, T0, cfg), "Ready")?.status).toBe("Unknown");
  });

  it("node lifecycle: a node that reports Ready again loses its taints", () => {
    const out = nodeStatusUpdate(node("True", [...unreachable(), { key: "dedicated", value: "gpu", effect: "NoSchedule" }]), T0 - 500, T0, cfg);
    expect(out?.spec?.taints).toEqual([{ key: "dedicated", value: "gpu", effect: "NoSchedule" }]);
    expect(cond(out, "Ready")?.status).toBe("True");
  });

  it("node lifecycle: the defaults are a 2 s grace period and no eviction cap", () => {
    expect(NODE_LIFECYCLE_DEFAULTS).toEqual({ gracePeriodMs: 2000 });
  });
});

describe("node lifecycle: taints follow the Ready condition", () => {
  const notReady: Taint[] = [
    { key: TAINT_NOT_READY, effect: "NoExecute", timeAdded: iso(T0 - 5000) },
    { key: TAINT_NOT_READY, effect: "NoSchedule" },
  ];
  it.each([
    { name: "Ready=False taints not-ready NoExecute and NoSchedule", ready: "False", taints: undefined, want: [`${TAINT_NOT_READY}:NoExecute@${iso(T0)}`, `${TAINT_NOT_READY}:NoSchedule`] },
    { name: "Ready=Unknown swaps not-ready for unreachable", ready: "Unknown", taints: notReady, want: [`${TAINT_UNREACHABLE}:NoExecute@${iso(T0)}`, `${TAINT_UNREACHABLE}:NoSchedule`] },
    { name: "Ready=False swaps unreachable for not-ready", ready: "False", taints: unreachable(), want: [`${TAINT_NOT_READY}:NoExecute@${iso(T0)}`, `${TAINT_NOT_READY}:NoSchedule`] },
    { name: "Ready=True removes both and keeps other taints", ready: "True", taints: [...notReady, ...unreachable(), { key: "x", effect: "NoSchedule" }], want: ["x:NoSchedule"] },
    { name: "a missing half is added and the present half keeps its timeAdded", ready: "Unknown", taints: unreachable().slice(0, 1), want: [`${TAINT_UNREACHABLE}:NoExecute@${iso(T0 - 60_000)}`, `${TAINT_UNREACHABLE}:NoSchedule`] },
    { name: "a NoExecute taint added by hand without timeAdded is stamped with now", ready: "True", taints: [{ key: "drain", effect: "NoExecute" }], want: [`drain:NoExecute@${iso(T0)}`] },
  ])("node lifecycle: $name", ({ ready, taints, want }) => {
    expect(taintsOf(taintUpdate(node(ready, taints), T0))).toEqual(want);
  });

  it.each([
    { name: "taints already right are left alone", ready: "Unknown", taints: unreachable() },
    { name: "a Ready node without taints is left alone", ready: "True", taints: undefined },
    { name: "a node without a Ready condition keeps its taints", ready: undefined, taints: unreachable() },
  ])("node lifecycle: $name", ({ ready, taints }) => {
    expect(taintUpdate(node(ready, taints), T0)).toBeUndefined();
  });

  it("node lifecycle: removing the last taint drops the taints field", () => {
    const out = taintUpdate(node("True", unreachable()), T0);
    expect(out?.spec).toEqual({});
  });
});

function pod(name: string, opts: { tolerations?: Toleration[]; ready?: string; phase?: string; deleting?: boolean; owner?: string; nodeName?: string } = {}): PodObject {
  return deepFreeze({
    metadata: {
      name,
      namespace: "default",
      ...(opts.deleting ? { deletionTimestamp: iso(T0 - 1000) } : {}),
      ...(opts.owner ? { ownerReferences: [{ apiVersion: "apps/v1", kind: opts.owner, name: "o", uid: "u1", controller: true }] } : {}),
    },
    spec: { nodeName: opts.nodeName ?? "pi-1", containers: [{ name: "c", image: "nginx" }], ...(opts.tolerations ? { tolerations: opts.tolerations } : {}) },
    status: {
      phase: opts.phase ?? "Running",
      conditions: [
        { type: "PodScheduled", status: "True", lastTransitionTime: CREATED },
        ...(opts.ready ? [{ type: "Ready", status: opts.ready, lastTransitionTime: CREATED, lastProbeTime: CREATED }] : []),
      ],
    },
  });
}

describe("node lifecycle: pods on a node that stopped reporting", () => {
  it("node lifecycle: a ready pod's Ready condition becomes False with reason NodeNotReady, other fields kept", () => {
    const input = pod("a", { ready: "True" });
    const [out, ...rest] = podsToMarkNotReady([input], T0);
    expect(rest).toEqual([]);
    expect(out?.status?.conditions).toEqual([
      { type: "PodScheduled", status: "True", lastTransitionTime: CREATED },
      { type: "Ready", status: "False", reason: "NodeNotReady", message: "Node is not ready", lastTransitionTime: iso(T0), lastProbeTime: CREATED },
    ]);
    expect(input.status?.conditions?.[1]?.status).toBe("True");
  });

  it.each([
    { name: "a pod already not ready is left out", p: pod("a", { ready: "False" }) },
    { name: "a pod without a Ready condition is left out", p: pod("a") },
  ])("node lifecycle: $name", ({ p }) => {
    expect(podsToMarkNotReady([p], T0)).toEqual([]);
  });

  it("node lifecycle: without a time the pod's Ready lastTransitionTime is kept", () => {
    expect(podsToMarkNotReady([pod("a", { ready: "Unknown" })])[0]?.status?.conditions?.[1]?.lastTransitionTime).toBe(CREATED);
  });
});

describe("node lifecycle: taint-based eviction", () => {
  const tainted = node("Unknown", unreachable(T0 - 30_000));
  const tol = (seconds?: number, key: string | undefined = TAINT_UNREACHABLE): Toleration => ({
    ...(key ? { key } : {}),
    operator: "Exists",
    effect: "NoExecute",
    ...(seconds === undefined ? {} : { tolerationSeconds: seconds }),
  });
  const names = (r: { evict: PodObject[] }) => r.evict.map((p) => p.metadata?.name);

  it.each([
    { name: "a pod tolerating unreachable for 30 s is evicted 30 s after the taint", tols: [tol(30)], now: T0, evicted: true, next: undefined },
    { name: "a pod tolerating unreachable for 30 s stays 29 s after the taint, with a check due at 30 s", tols: [tol(30)], now: T0 - 1000, evicted: false, next: T0 },
    { name: "a pod with no toleration is evicted at once", tols: undefined, now: T0 - 29_000, evicted: true, next: undefined },
    { name: "a pod tolerating another key only is evicted at once", tols: [tol(600, "other")], now: T0 - 29_000, evicted: true, next: undefined },
    { name: "a pod tolerating NoSchedule only is evicted at once", tols: [{ key: TAINT_UNREACHABLE, operator: "Exists", effect: "NoSchedule" }], now: T0 - 29_000, evicted: true, next: undefined },
    { name: "a toleration without tolerationSeconds keeps the pod forever", tols: [tol(undefined)], now: T0 + 86_400_000, evicted: false, next: undefined },
    { name: "an empty-key Exists toleration tolerates every taint forever", tols: [{ operator: "Exists" }], now: T0 + 86_400_000, evicted: false, next: undefined },
    { name: "a negative tolerationSeconds counts as zero", tols: [tol(-5)], now: T0 - 29_000, evicted: true, next: undefined },
    { name: "the first matching toleration decides, as in Kubernetes", tols: [tol(300), { operator: "Exists" }], now: T0 + 269_000, evicted: false, next: T0 + 270_000 },
    { name: "an Equal toleration must match the taint's value", tols: [{ key: TAINT_UNREACHABLE, operator: "Equal", value: "x", effect: "NoExecute" }], now: T0 - 29_000, evicted: true, next: undefined },
  ])("node lifecycle: $name", ({ tols, now, evicted, next }) => {
    const r = evictions(tainted, [pod("p", tols ? { tolerations: tols } : {})], now, cfg);
    expect(names(r)).toEqual(evicted ? ["p"] : []);
    expect(r.nextCheckMs).toBe(next);
  });

  it.each([
    { name: "podEvictionTimeoutMs caps the default 300 s toleration", cap: 2000, tols: [tol(300)], now: T0 - 28_000, evicted: true },
    { name: "podEvictionTimeoutMs of 0 evicts tolerating pods at once", cap: 0, tols: [tol(300)], now: T0 - 30_000, evicted: true },
    { name: "podEvictionTimeoutMs leaves a shorter toleration alone", cap: 60_000, tols: [tol(10)], now: T0 - 20_000, evicted: true },
    { name: "podEvictionTimeoutMs does not cap a forever toleration", cap: 0, tols: [tol(undefined)], now: T0, evicted: false },
  ])("node lifecycle: $name", ({ cap, tols, now, evicted }) => {
    const r = evictions(tainted, [pod("p", { tolerations: tols })], now, { ...cfg, podEvictionTimeoutMs: cap });
    expect(names(r)).toEqual(evicted ? ["p"] : []);
  });

  it.each([
    { name: "a pod already being deleted is skipped", p: pod("p", { deleting: true }) },
    { name: "a Succeeded pod is skipped", p: pod("p", { phase: "Succeeded" }) },
    { name: "a Failed pod is skipped", p: pod("p", { phase: "Failed" }) },
    { name: "a DaemonSet pod is skipped", p: pod("p", { owner: "DaemonSet" }) },
    { name: "a pod bound to another node is skipped", p: pod("p", { nodeName: "pi-2" }) },
  ])("node lifecycle: $name", ({ p }) => {
    expect(evictions(tainted, [p], T0, cfg)).toEqual({ evict: [], nextCheckMs: undefined });
  });

  it("node lifecycle: a ReplicaSet pod is evicted like any other", () => {
    expect(names(evictions(tainted, [pod("p", { owner: "ReplicaSet" })], T0, cfg))).toEqual(["p"]);
  });

  it("node lifecycle: nothing is evicted from a node without NoExecute taints", () => {
    const r = evictions(node("Unknown", [{ key: TAINT_UNREACHABLE, effect: "NoSchedule" }]), [pod("p")], T0, cfg);
    expect(r).toEqual({ evict: [], nextCheckMs: undefined });
  });

  it("node lifecycle: the next check is the earliest future eviction among the pods", () => {
    const pods = [pod("now"), pod("in60", { tolerations: [tol(90)] }), pod("in10", { tolerations: [tol(40)] }), pod("never", { tolerations: [tol()] })];
    const r = evictions(tainted, pods, T0, cfg);
    expect(names(r)).toEqual(["now"]);
    expect(r.nextCheckMs).toBe(T0 + 10_000);
  });

  it("node lifecycle: with two NoExecute taints a pod must tolerate both, and the shorter wait wins", () => {
    const both = node("False", [...unreachable(T0 - 30_000), { key: "maintenance", effect: "NoExecute", timeAdded: iso(T0 - 5000) }]);
    const onlyOne = pod("one", { tolerations: [tol(600)] });
    const twoTols = pod("two", { tolerations: [tol(600), tol(10, "maintenance")] });
    const r = evictions(both, [onlyOne, twoTols], T0, cfg);
    expect(names(r)).toEqual(["one"]);
    expect(r.nextCheckMs).toBe(T0 + 5000);
  });

  it("node lifecycle: a NoExecute taint not yet stamped counts from now", () => {
    const r = evictions(node("Unknown", [{ key: TAINT_UNREACHABLE, effect: "NoExecute" }]), [pod("p", { tolerations: [tol(30)] })], T0, cfg);
    expect(r).toEqual({ evict: [], nextCheckMs: T0 + 30_000 });
  });
});
