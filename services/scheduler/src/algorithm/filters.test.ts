import { describe, expect, it } from "vitest";
import type { NodeObject, PodObject, PodSpecObject } from "@flotilla/api";
import {
  Reason,
  nodeAffinity,
  nodePorts,
  nodeReady,
  nodeUnschedulable,
  podAntiAffinity,
  prepareCycle,
  resourcesFit,
  runFilters,
  taintToleration,
  toleratesTaint,
} from "./filters.ts";
import { newNodeInfo } from "./resources.ts";
import type { NodeInfo } from "./resources.ts";

type Spec = Partial<PodSpecObject>;
type NodeSpec = NonNullable<NodeObject["spec"]>;
type Toleration = NonNullable<PodSpecObject["tolerations"]>[number];
type Affinity = NonNullable<PodSpecObject["affinity"]>;
type Term = NonNullable<NonNullable<Affinity["nodeAffinity"]>["requiredDuringSchedulingIgnoredDuringExecution"]>["nodeSelectorTerms"][number];

function pod(spec: Spec = {}, meta: PodObject["metadata"] = {}): PodObject {
  return { metadata: { name: "p", namespace: "default", ...meta }, spec: { containers: [{ name: "c" }], ...spec } };
}

function requesting(cpu: string, memory: string, spec: Spec = {}): PodObject {
  return pod({ containers: [{ name: "c", resources: { requests: { cpu, memory } } }], ...spec });
}

interface NodeOpts {
  labels?: Record<string, string>;
  spec?: NodeSpec;
  ready?: string | null;
  alloc?: Record<string, string>;
}

function node(name: string, { labels, spec, ready = "True", alloc = { cpu: "2", memory: "4Gi", pods: "110" } }: NodeOpts = {}): NodeObject {
  const conditions = ready === null ? [] : [{ type: "MemoryPressure", status: "False" }, { type: "Ready", status: ready }];
  return { metadata: { name, labels }, spec, status: { allocatable: alloc, conditions } };
}

function info(n: NodeObject, pods: PodObject[] = []): NodeInfo {
  return newNodeInfo(n, pods);
}

describe("nodeReady", () => {
  const cases: { name: string; ready: string | null; tolerations?: Toleration[]; want: string[] }[] = [
    { name: "a Ready node fits", ready: "True", want: [] },
    { name: "a node with Ready=False is not ready", ready: "False", want: [Reason.notReady] },
    { name: "a node with Ready=Unknown is not ready", ready: "Unknown", want: [Reason.notReady] },
    { name: "a node without a Ready condition is not ready", ready: null, want: [Reason.notReady] },
    { name: "a pod tolerating not-ready:NoSchedule may use a Ready=False node", ready: "False", tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" }], want: [] },
    { name: "the not-ready toleration does not cover an unreachable node", ready: "Unknown", tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists" }], want: [Reason.notReady] },
    { name: "a pod tolerating everything may use a not-ready node", ready: "Unknown", tolerations: [{ operator: "Exists" }], want: [] },
  ];
  it.each(cases)("filters: $name", ({ ready, tolerations, want }) => {
    expect(nodeReady(pod({ tolerations }), info(node("n", { ready })))).toEqual(want);
  });
});

describe("nodeUnschedulable", () => {
  it.each([
    { name: "a schedulable node fits", spec: {}, tolerations: undefined, want: [] },
    { name: "a cordoned node refuses the pod", spec: { unschedulable: true }, tolerations: undefined, want: [Reason.unschedulable] },
    {
      name: "a cordoned node takes a pod tolerating node.kubernetes.io/unschedulable:NoSchedule",
      spec: { unschedulable: true },
      tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }],
      want: [],
    },
  ])("filters: $name", ({ spec, tolerations, want }) => {
    expect(nodeUnschedulable(pod({ tolerations }), info(node("n", { spec })))).toEqual(want);
  });
});

describe("taintToleration", () => {
  const gpu = { key: "gpu", value: "true", effect: "NoSchedule" };
  const cases: { name: string; taints: NodeSpec["taints"]; tolerations?: Toleration[]; want: string[] }[] = [
    { name: "an untolerated NoSchedule taint is named with its value", taints: [gpu], want: ["node(s) had untolerated taint {gpu: true}"] },
    { name: "a taint without a value prints an empty value", taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }], want: ["node(s) had untolerated taint {node.kubernetes.io/unreachable: }"] },
    { name: "PreferNoSchedule taints do not filter", taints: [{ key: "soft", effect: "PreferNoSchedule" }], want: [] },
    { name: "Equal (the default operator) with the same value tolerates", taints: [gpu], tolerations: [{ key: "gpu", value: "true" }], want: [] },
    { name: "Equal with another value does not tolerate", taints: [gpu], tolerations: [{ key: "gpu", operator: "Equal", value: "false" }], want: ["node(s) had untolerated taint {gpu: true}"] },
    { name: "Exists with the key tolerates any value", taints: [gpu], tolerations: [{ key: "gpu", operator: "Exists" }], want: [] },
    { name: "Exists with an empty key tolerates every taint", taints: [gpu, { key: "other", effect: "NoExecute" }], tolerations: [{ operator: "Exists" }], want: [] },
    { name: "a toleration for another effect does not tolerate", taints: [gpu], tolerations: [{ key: "gpu", operator: "Exists", effect: "NoExecute" }], want: ["node(s) had untolerated taint {gpu: true}"] },
    { name: "the first untolerated taint is reported", taints: [gpu, { key: "b", value: "1", effect: "NoSchedule" }], tolerations: [{ key: "gpu", operator: "Exists" }], want: ["node(s) had untolerated taint {b: 1}"] },
  ];
  it.each(cases)("filters: $name", ({ taints, tolerations, want }) => {
    expect(taintToleration(pod({ tolerations }), info(node("n", { spec: { taints } })))).toEqual(want);
  });

  it("filters: a toleration with an empty effect matches every effect", () => {
    for (const effect of ["NoSchedule", "PreferNoSchedule", "NoExecute"]) expect(toleratesTaint({ key: "k", value: "v" }, { key: "k", value: "v", effect })).toBe(true);
  });
});

describe("nodeAffinity", () => {
  const labels = { zone: "a", disk: "ssd", cores: "8" };
  const n = node("node-1", { labels });
  const expr = (key: string, operator: string, values?: string[]): Term => ({ matchExpressions: [{ key, operator, values }] });
  const cases: { name: string; selector?: Record<string, string>; terms?: Term[]; want: boolean }[] = [
    { name: "a matching nodeSelector fits", selector: { zone: "a", disk: "ssd" }, want: true },
    { name: "a nodeSelector with a wrong value does not fit", selector: { zone: "b" }, want: false },
    { name: "a nodeSelector naming a missing label does not fit", selector: { gpu: "yes" }, want: false },
    { name: "In matches a listed value", terms: [expr("zone", "In", ["a", "b"])], want: true },
    { name: "In does not match a missing label", terms: [expr("gpu", "In", ["x"])], want: false },
    { name: "NotIn matches a missing label", terms: [expr("gpu", "NotIn", ["x"])], want: true },
    { name: "NotIn does not match a listed value", terms: [expr("zone", "NotIn", ["a"])], want: false },
    { name: "Exists matches a present label", terms: [expr("disk", "Exists")], want: true },
    { name: "DoesNotExist does not match a present label", terms: [expr("disk", "DoesNotExist")], want: false },
    { name: "Gt compares as integers (8 > 4)", terms: [expr("cores", "Gt", ["4"])], want: true },
    { name: "Gt fails when not greater (8 > 8)", terms: [expr("cores", "Gt", ["8"])], want: false },
    { name: "Lt compares as integers (8 < 10, not as strings)", terms: [expr("cores", "Lt", ["10"])], want: true },
    { name: "Lt fails on a non-integer label", terms: [expr("zone", "Lt", ["10"])], want: false },
    { name: "matchFields on metadata.name matches the node's name", terms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["node-1"] }] }], want: true },
    { name: "matchFields on another name does not match", terms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["node-2"] }] }], want: false },
    { name: "terms are ORed", terms: [expr("zone", "In", ["z"]), expr("disk", "In", ["ssd"])], want: true },
    {
      name: "expressions and fields in one term are ANDed",
      terms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }], matchFields: [{ key: "metadata.name", operator: "In", values: ["other"] }] }],
      want: false,
    },
    { name: "an empty term matches nothing", terms: [{}], want: false },
    { name: "nodeSelector and affinity must both hold (selector fails)", selector: { zone: "b" }, terms: [expr("disk", "Exists")], want: false },
    { name: "nodeSelector and affinity must both hold (affinity fails)", selector: { zone: "a" }, terms: [expr("disk", "DoesNotExist")], want: false },
    { name: "nodeSelector and affinity both holding fit", selector: { zone: "a" }, terms: [expr("disk", "Exists")], want: true },
  ];
  it.each(cases)("filters: $name", ({ selector, terms, want }) => {
    const affinity = terms ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } : undefined;
    expect(nodeAffinity(pod({ nodeSelector: selector, affinity }), info(n))).toEqual(want ? [] : [Reason.nodeAffinity]);
  });
});

describe("nodePorts", () => {
  type Port = { containerPort: number; hostPort?: number; protocol?: string; hostIP?: string };
  const withPorts = (ports: Port[], name = "p"): PodObject => pod({ containers: [{ name: "c", ports }] }, { name, uid: name });
  const cases: { name: string; used: Port; wanted: Port; conflict: boolean }[] = [
    { name: "the same host port conflicts", used: { containerPort: 80, hostPort: 8080 }, wanted: { containerPort: 81, hostPort: 8080 }, conflict: true },
    { name: "TCP is the default protocol", used: { containerPort: 80, hostPort: 8080, protocol: "TCP" }, wanted: { containerPort: 80, hostPort: 8080 }, conflict: true },
    { name: "the same port over another protocol is free", used: { containerPort: 53, hostPort: 53, protocol: "UDP" }, wanted: { containerPort: 53, hostPort: 53, protocol: "TCP" }, conflict: false },
    { name: "another port is free", used: { containerPort: 80, hostPort: 8080 }, wanted: { containerPort: 80, hostPort: 8081 }, conflict: false },
    { name: "two different addresses do not conflict", used: { containerPort: 80, hostPort: 80, hostIP: "10.0.0.1" }, wanted: { containerPort: 80, hostPort: 80, hostIP: "10.0.0.2" }, conflict: false },
    { name: "the wildcard address conflicts with a specific one", used: { containerPort: 80, hostPort: 80, hostIP: "10.0.0.1" }, wanted: { containerPort: 80, hostPort: 80, hostIP: "0.0.0.0" }, conflict: true },
    { name: "an empty address is the wildcard", used: { containerPort: 80, hostPort: 80 }, wanted: { containerPort: 80, hostPort: 80, hostIP: "10.0.0.2" }, conflict: true },
    { name: "container ports without host ports never conflict", used: { containerPort: 80 }, wanted: { containerPort: 80 }, conflict: false },
  ];
  it.each(cases)("filters: $name", ({ used, wanted, conflict }) => {
    const nodeInfo = info(node("n"), [withPorts([used], "old")]);
    expect(nodePorts(withPorts([wanted]), nodeInfo)).toEqual(conflict ? [Reason.hostPorts] : []);
  });
});

describe("resourcesFit", () => {
  const small = { cpu: "1", memory: "1Gi", pods: "2" };
  const cases: { name: string; pod: PodObject; existing: PodObject[]; want: string[] }[] = [
    { name: "a pod within what is left fits", pod: requesting("500m", "512Mi"), existing: [requesting("500m", "512Mi")], want: [] },
    { name: "a pod asking for more cpu than is left gets Insufficient cpu", pod: requesting("600m", "1Mi"), existing: [requesting("500m", "1Mi")], want: [Reason.insufficientCpu] },
    { name: "a pod asking for more memory than is left gets Insufficient memory", pod: requesting("1m", "600Mi"), existing: [requesting("1m", "512Mi")], want: [Reason.insufficientMemory] },
    { name: "each resource short is its own reason", pod: requesting("2", "2Gi"), existing: [], want: [Reason.insufficientCpu, Reason.insufficientMemory] },
    { name: "a full node has Too many pods", pod: requesting("1m", "1Mi"), existing: [pod(), pod()], want: [Reason.tooManyPods] },
    { name: "a pod without requests fits a node whose cpu is all taken", pod: pod(), existing: [requesting("1", "1Gi")], want: [] },
  ];
  it.each(cases)("filters: $name", ({ pod: p, existing, want }) => {
    expect(resourcesFit(p, info(node("n", { alloc: small }), existing))).toEqual(want);
  });
});

describe("podAntiAffinity", () => {
  type PodAffinityTerm = NonNullable<NonNullable<Affinity["podAntiAffinity"]>["requiredDuringSchedulingIgnoredDuringExecution"]>[number];
  const avoiding = (term: PodAffinityTerm, meta: PodObject["metadata"] = {}): PodObject =>
    pod({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } }, { labels: { app: "web" }, ...meta });
  const web = (ns = "default"): PodObject => pod({}, { name: "web", namespace: ns, uid: `web-${ns}`, labels: { app: "web" } });
  const byHost: PodAffinityTerm = { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web" } } };

  it("filters: a node running a pod the anti-affinity selects fails, an empty one fits", () => {
    const nodes = [info(node("a"), [web()]), info(node("b"))];
    const p = avoiding(byHost);
    const state = prepareCycle(p, nodes);
    expect(podAntiAffinity(p, nodes[0]!, state)).toEqual([Reason.antiAffinity]);
    expect(podAntiAffinity(p, nodes[1]!, state)).toEqual([]);
  });

  it.each([
    { name: "a matching pod in another namespace does not count", term: byHost, ns: "other", want: [] },
    { name: "listed namespaces are searched instead of the pod's own", term: { ...byHost, namespaces: ["other"] }, ns: "other", want: [Reason.antiAffinity] },
    { name: "an empty namespaceSelector searches every namespace", term: { ...byHost, namespaceSelector: {} }, ns: "other", want: [Reason.antiAffinity] },
    { name: "a term without a labelSelector selects nothing", term: { topologyKey: "kubernetes.io/hostname" }, ns: "default", want: [] },
    { name: "matchExpressions select too", term: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["web"] }] } }, ns: "default", want: [Reason.antiAffinity] },
  ])("filters: $name", ({ term, ns, want }) => {
    expect(podAntiAffinity(avoiding(term), info(node("a"), [web(ns)]))).toEqual(want);
  });

  it("filters: every matchLabels pair must hold on one pod, not spread over several", () => {
    const term = { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web", tier: "db" } } };
    const split = [pod({}, { name: "x", uid: "x", labels: { app: "web" } }), pod({}, { name: "y", uid: "y", labels: { tier: "db" } })];
    expect(podAntiAffinity(avoiding(term), info(node("a"), split))).toEqual([]);
    const both = pod({}, { name: "z", uid: "z", labels: { app: "web", tier: "db" } });
    expect(podAntiAffinity(avoiding(term), info(node("a"), [...split, both]))).toEqual([Reason.antiAffinity]);
  });

  it("filters: a pod does not repel itself when it is already listed on the node", () => {
    const self = avoiding(byHost, { name: "self", uid: "self" });
    expect(podAntiAffinity(self, info(node("a"), [{ ...self, spec: { ...self.spec!, affinity: undefined } }]))).toEqual([]);
  });

  it("filters: with a zone topology key every node in the zone of a selected pod fails", () => {
    const zone = (z: string) => ({ "topology.kubernetes.io/zone": z });
    const nodes = [info(node("a1", { labels: zone("a") }), [web()]), info(node("a2", { labels: zone("a") })), info(node("b1", { labels: zone("b") })), info(node("none"))];
    const p = avoiding({ topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: { app: "web" } } });
    const state = prepareCycle(p, nodes);
    expect(nodes.map((n) => podAntiAffinity(p, n, state))).toEqual([[Reason.antiAffinity], [Reason.antiAffinity], [], []]);
  });

  it("filters: a node whose pod's anti-affinity selects the incoming pod fails with the existing-pods reason", () => {
    const guard = avoiding({ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { role: "db" } } }, { name: "guard", uid: "guard" });
    const nodes = [info(node("a"), [guard]), info(node("b"))];
    const db = pod({}, { labels: { role: "db" } });
    const state = prepareCycle(db, nodes);
    expect(podAntiAffinity(db, nodes[0]!, state)).toEqual([Reason.existingAntiAffinity]);
    expect(podAntiAffinity(db, nodes[1]!, state)).toEqual([]);
  });
});

describe("runFilters", () => {
  it("filters: a node's reasons are those of the first filter it fails (cordon before readiness)", () => {
    const n = info(node("n", { ready: "False", spec: { unschedulable: true } }));
    const p = pod();
    expect(runFilters(p, n, prepareCycle(p, [n]))).toEqual([Reason.unschedulable]);
  });

  it("filters: a pod that passes every filter gets no reasons", () => {
    const n = info(node("n"));
    const p = requesting("100m", "100Mi");
    expect(runFilters(p, n, prepareCycle(p, [n]))).toEqual([]);
  });
});
