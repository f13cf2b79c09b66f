import { describe, expect, it } from "vitest";
import type { DaemonSetObject, NodeObject, PodObject } from "@flotilla/api";
import { BURST_REPLICAS } from "../replicaset/logic.ts";
import { daemonSetHash } from "./daemon-pod.ts";
import { daemonPod, daemonSet, node, T0 } from "./fixtures.ts";
import { allowsSurge, groupByNode, planDaemonSet, updateBudget, type PlanOptions } from "./plan.ts";

const V1 = daemonSet({ image: "agent:v1" });
const NODES = [node("pi-1"), node("pi-2"), node("pi-3")];
const names = (pods: readonly PodObject[]) => pods.map((p) => p.metadata?.name);

interface Case {
  name: string;
  ds?: DaemonSetObject;
  nodes?: NodeObject[];
  pods: PodObject[];
  opts?: PlanOptions;
  create?: string[];
  delete?: string[];
  failed?: string[];
  requeueAfterMs?: number;
}

function check(c: Case): void {
  const plan = planDaemonSet(c.ds ?? V1, c.nodes ?? NODES, groupByNode(c.pods), T0, c.opts);
  expect(plan.create).toEqual(c.create ?? []);
  expect(names(plan.delete)).toEqual(c.delete ?? []);
  expect(names(plan.failed.map((f) => f.pod))).toEqual(c.failed ?? []);
  if (c.requeueAfterMs !== undefined) expect(plan.requeueAfterMs).toBe(c.requeueAfterMs);
}

describe("planDaemonSet: one pod per eligible node", () => {
  const cases: Case[] = [
    { name: "every node without a pod gets one", pods: [], create: ["pi-1", "pi-2", "pi-3"] },
    { name: "nodes that each have a current pod need nothing", pods: [daemonPod("a", "pi-1"), daemonPod("b", "pi-2"), daemonPod("c", "pi-3")] },
    { name: "a node that joins later gets a pod", pods: [daemonPod("a", "pi-1"), daemonPod("b", "pi-2")], create: ["pi-3"] },
    { name: "a pending pod (pinned, not yet bound) counts for its node", pods: [daemonPod("a", "pi-1", { bound: false }), daemonPod("b", "pi-2"), daemonPod("c", "pi-3")] },
    {
      name: "a nodeSelector places pods only on the nodes with the label",
      ds: daemonSet({ nodeSelector: { role: "edge" } }),
      nodes: [node("pi-1"), node("pi-2", { labels: { role: "edge" } })],
      pods: [],
      create: ["pi-2"],
    },
    {
      name: "a node that loses the selected label loses its pod",
      ds: daemonSet({ nodeSelector: { role: "edge" } }),
      nodes: [node("pi-1"), node("pi-2", { labels: { role: "edge" } })],
      pods: [daemonPod("a", "pi-1", { from: daemonSet({ nodeSelector: { role: "edge" } }) }), daemonPod("b", "pi-2", { from: daemonSet({ nodeSelector: { role: "edge" } }) })],
      delete: ["a"],
    },
    { name: "the pods of a deleted node are deleted, bound or pending", nodes: [node("pi-1")], pods: [daemonPod("a", "pi-1"), daemonPod("b", "gone"), daemonPod("c", "gone-too", { bound: false })], delete: ["b", "c"] },
    { name: "extra pods on a node go and the oldest stays", nodes: [node("pi-1")], pods: [daemonPod("new", "pi-1", { created: T0 - 10_000 }), daemonPod("old", "pi-1", { created: T0 - 90_000 }), daemonPod("mid", "pi-1", { created: T0 - 50_000 })], delete: ["mid", "new"] },
    { name: "a bound pod is kept over an older pending one", nodes: [node("pi-1")], pods: [daemonPod("pending", "pi-1", { bound: false, created: T0 - 90_000 }), daemonPod("bound", "pi-1", { created: T0 - 10_000 })], delete: ["pending"] },
    { name: "a node whose pod is terminating gets its new pod only once that one is gone", nodes: [node("pi-1")], pods: [daemonPod("a", "pi-1", { deleting: true })] },
    { name: "an untolerated NoSchedule taint lets a running pod stay", nodes: [node("pi-1", { taints: [{ key: "gpu", effect: "NoSchedule" }] })], pods: [daemonPod("a", "pi-1")] },
    { name: "an untolerated NoSchedule taint gets no new pod", nodes: [node("pi-1", { taints: [{ key: "gpu", effect: "NoSchedule" }] })], pods: [] },
    { name: "an untolerated NoExecute taint removes the pod", nodes: [node("pi-1", { taints: [{ key: "gpu", effect: "NoExecute" }] })], pods: [daemonPod("a", "pi-1")], delete: ["a"] },
    { name: "a cordoned node still gets its daemon", nodes: [node("pi-1", { unschedulable: true, taints: [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }] })], pods: [], create: ["pi-1"] },
  ];
  it.each(cases)("daemonset plan: $name", (c) => check(c));

  it("daemonset plan: creations and deletions are capped at the burst size", () => {
    const many = Array.from({ length: BURST_REPLICAS + 100 }, (_, i) => node(`n-${i}`));
    const plan = planDaemonSet(V1, many, new Map(), T0);
    expect(plan.create).toHaveLength(BURST_REPLICAS);
    expect(plan.status.desiredNumberScheduled).toBe(BURST_REPLICAS + 100);
  });

  it("daemonset plan: nothing is written while earlier writes are unobserved, and observedGeneration waits", () => {
    const ds = daemonSet({ generation: 4, status: { observedGeneration: 3 } });
    const plan = planDaemonSet(ds, NODES, new Map(), T0, { expectationsSatisfied: false });
    expect(plan.create).toEqual([]);
    expect(plan.status.observedGeneration).toBe(3);
    expect(plan.status.desiredNumberScheduled).toBe(3);
    expect(planDaemonSet(ds, NODES, new Map(), T0).status.observedGeneration).toBe(4);
  });
});

describe("planDaemonSet: failed and succeeded pods", () => {
  const failed = daemonPod("f", "pi-1", { phase: "Failed", ready: false });
  const cases: Case[] = [
    { name: "a failed pod is deleted and reported (its node gets a new one next pass)", nodes: [node("pi-1")], pods: [failed], delete: ["f"], failed: ["f"] },
    {
      name: "a failed pod whose node is in backoff waits for the backoff to end",
      nodes: [node("pi-1")],
      pods: [failed],
      opts: { backoffUntilMs: (n) => (n === "pi-1" ? T0 + 4_000 : undefined) },
      requeueAfterMs: 4_000,
    },
    { name: "a backoff that has ended no longer holds the replacement", nodes: [node("pi-1")], pods: [failed], opts: { backoffUntilMs: () => T0 - 1 }, delete: ["f"], failed: ["f"] },
    { name: "a succeeded pod is replaced too, without a failure", nodes: [node("pi-1")], pods: [daemonPod("s", "pi-1", { phase: "Succeeded", ready: false })], delete: ["s"] },
    { name: "a failed pod beside a running one: both judged, the running one stays", nodes: [node("pi-1")], pods: [failed, daemonPod("r", "pi-1")], delete: ["f"], failed: ["f"] },
  ];
  it.each(cases)("daemonset plan: $name", (c) => check(c));
});

describe("planDaemonSet: RollingUpdate without surge", () => {
  const V2 = daemonSet({ image: "agent:v2", generation: 2 });
  const old = (n: string, o: Parameters<typeof daemonPod>[2] = {}) => daemonPod(`old-${n}`, n, o);
  const cur = (n: string, o: Parameters<typeof daemonPod>[2] = {}) => daemonPod(`new-${n}`, n, { from: V2, ...o });
  const cases: Case[] = [
    { name: "a changed template replaces one available pod at a time (maxUnavailable 1)", ds: V2, pods: [old("pi-1"), old("pi-2"), old("pi-3")], delete: ["old-pi-1"] },
    { name: "a replacement not yet available holds the next deletion", ds: V2, pods: [cur("pi-1", { ready: false }), old("pi-2"), old("pi-3")] },
    { name: "a node without a pod gets one before any old pod is deleted (one step per pass)", ds: V2, pods: [old("pi-2"), old("pi-3")], create: ["pi-1"] },
    { name: "once the new pod is available the next old pod goes", ds: V2, pods: [cur("pi-1"), old("pi-2"), old("pi-3")], delete: ["old-pi-2"] },
    {
      name: "maxUnavailable 50% of 3 nodes rounds up to 2",
      ds: daemonSet({ image: "agent:v2", strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "50%" } } }),
      pods: [old("pi-1"), old("pi-2"), old("pi-3")],
      delete: ["old-pi-1", "old-pi-2"],
    },
    { name: "an old pod that is unavailable anyway is replaced beyond the budget", ds: V2, pods: [old("pi-1", { ready: false }), cur("pi-2", { ready: false }), old("pi-3")], delete: ["old-pi-1"] },
    { name: "a terminating old pod is not deleted again", ds: V2, pods: [old("pi-1", { deleting: true }), old("pi-2"), old("pi-3")] },
    {
      name: "minReadySeconds: a pod ready for less is not yet available",
      ds: daemonSet({ image: "agent:v2", minReadySeconds: 30 }),
      pods: [daemonPod("new-pi-1", "pi-1", { from: daemonSet({ image: "agent:v2", minReadySeconds: 30 }), readySince: T0 - 10_000 }), old("pi-2"), old("pi-3")],
      requeueAfterMs: 20_001,
    },
    { name: "OnDelete leaves old pods alone", ds: daemonSet({ image: "agent:v2", strategy: { type: "OnDelete" } }), pods: [old("pi-1"), old("pi-2"), old("pi-3")] },
    { name: "pods labelled with the current revision's hash are up to date, whatever the template hashes to now", ds: V2, pods: [old("pi-1"), old("pi-2"), old("pi-3")], opts: { hash: daemonSetHash(daemonSet()) } },
    { name: "pods of another hash than the current revision's are rolled", ds: V2, pods: [cur("pi-1"), cur("pi-2"), cur("pi-3")], opts: { hash: "from-another-collision-count" }, delete: ["new-pi-1"] },
    { name: "OnDelete: a node whose pod was deleted by hand gets a new one", ds: daemonSet({ image: "agent:v2", strategy: { type: "OnDelete" } }), pods: [old("pi-2"), old("pi-3")], create: ["pi-1"] },
  ];
  it.each(cases)("daemonset plan: $name", (c) => check(c));

  it("daemonset plan: a rollout walks every node, one at a time, to the new template", () => {
    // Apply each plan as the cluster would: deleted pods vanish, created pods start ready.
    let pods: PodObject[] = NODES.map((n) => old(n.metadata!.name!));
    let fewestAvailable = Infinity;
    for (let pass = 0; pass < 20; pass++) {
      const plan = planDaemonSet(V2, NODES, groupByNode(pods), T0);
      fewestAvailable = Math.min(fewestAvailable, plan.status.numberAvailable ?? 0);
      if (plan.create.length === 0 && plan.delete.length === 0) break;
      pods = pods.filter((p) => !plan.delete.includes(p));
      pods.push(...plan.create.map((n) => cur(n)));
    }
    expect(pods.map((p) => p.metadata?.name).sort()).toEqual(["new-pi-1", "new-pi-2", "new-pi-3"]);
    expect(fewestAvailable).toBe(2);
  });
});

describe("planDaemonSet: RollingUpdate with surge", () => {
  const SURGE = daemonSet({ image: "agent:v2", strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
  const old = (n: string, o: Parameters<typeof daemonPod>[2] = {}) => daemonPod(`old-${n}`, n, o);
  const cur = (n: string, o: Parameters<typeof daemonPod>[2] = {}) => daemonPod(`new-${n}`, n, { from: SURGE, created: T0 - 5_000, ...o });
  const cases: Case[] = [
    { name: "a new pod starts beside one old pod (maxSurge 1)", ds: SURGE, pods: [old("pi-1"), old("pi-2"), old("pi-3")], create: ["pi-1"] },
    { name: "both stay while the new pod is not available, and no other node surges", ds: SURGE, pods: [old("pi-1"), cur("pi-1", { ready: false }), old("pi-2"), old("pi-3")] },
    { name: "the old pod goes once the new one is available", ds: SURGE, pods: [old("pi-1"), cur("pi-1"), old("pi-2"), old("pi-3")], delete: ["old-pi-1"] },
    { name: "an old pod that is not ready goes at once", ds: SURGE, nodes: [node("pi-1")], pods: [old("pi-1", { ready: false }), cur("pi-1", { ready: false })], delete: ["old-pi-1"] },
    { name: "a node whose old pod is unavailable surges beyond the budget", ds: SURGE, pods: [old("pi-1"), cur("pi-1", { ready: false }), old("pi-2", { ready: false }), old("pi-3")], create: ["pi-2"] },
  ];
  it.each(cases)("daemonset plan: $name", (c) => check(c));
});

describe("update budget", () => {
  it.each([
    { name: "defaults: 1 unavailable, no surge", ru: undefined, desired: 10, want: { maxUnavailable: 1, maxSurge: 0 } },
    { name: "percentages round up", ru: { maxUnavailable: "10%", maxSurge: "15%" }, desired: 12, want: { maxUnavailable: 2, maxSurge: 2 } },
    { name: "0 and 0 would stall: 1 unavailable", ru: { maxUnavailable: "0%", maxSurge: 0 }, desired: 5, want: { maxUnavailable: 1, maxSurge: 0 } },
  ])("daemonset plan: $name", ({ ru, desired, want }) => {
    expect(updateBudget(daemonSet({ strategy: { type: "RollingUpdate", ...(ru ? { rollingUpdate: ru } : {}) } }), desired)).toEqual(want);
  });

  it("daemonset plan: surge is on for any non-zero maxSurge, and never under OnDelete", () => {
    expect(allowsSurge(daemonSet({ strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "1%" } } }))).toBe(true);
    expect(allowsSurge(daemonSet({ strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0 } } }))).toBe(false);
    expect(allowsSurge(daemonSet({ strategy: { type: "OnDelete", rollingUpdate: { maxSurge: 1 } } }))).toBe(false);
  });
});
