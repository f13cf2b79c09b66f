import { describe, expect, it } from "vitest";
import type { PodSpecObject } from "@flotilla/api";
import { daemonPodSpec } from "./daemon-pod.ts";
import { daemonSet, node } from "./fixtures.ts";
import { nodeMatchesPod, nodeMatchesTerm, nodeShouldRunDaemonPod, requirementHolds, toleratesTaint, type NodeSelectorTerm, type Taint } from "./nodes.ts";

type Requirement = Parameters<typeof requirementHolds>[0];

describe("node selector requirements", () => {
  const cases: { name: string; req: Requirement; value: string | undefined; want: boolean }[] = [
    { name: "In holds for a listed value", req: { key: "k", operator: "In", values: ["a", "b"] }, value: "b", want: true },
    { name: "In fails for an absent label", req: { key: "k", operator: "In", values: ["a"] }, value: undefined, want: false },
    { name: "NotIn holds for an absent label", req: { key: "k", operator: "NotIn", values: ["a"] }, value: undefined, want: true },
    { name: "NotIn fails for a listed value", req: { key: "k", operator: "NotIn", values: ["a"] }, value: "a", want: false },
    { name: "Exists holds for an empty value", req: { key: "k", operator: "Exists" }, value: "", want: true },
    { name: "DoesNotExist fails for a present label", req: { key: "k", operator: "DoesNotExist" }, value: "x", want: false },
    { name: "Gt compares integers", req: { key: "k", operator: "Gt", values: ["4"] }, value: "10", want: true },
    { name: "Lt fails on a non-integer label", req: { key: "k", operator: "Lt", values: ["4"] }, value: "two", want: false },
    { name: "an unknown operator never holds", req: { key: "k", operator: "Like", values: ["a"] }, value: "a", want: false },
  ];
  it.each(cases)("daemonset nodes: $name", ({ req, value, want }) => {
    expect(requirementHolds(req, value)).toBe(want);
  });
});

describe("node affinity terms", () => {
  const n = node("pi-1", { labels: { zone: "a" } });
  const cases: { name: string; term: NodeSelectorTerm; want: boolean }[] = [
    { name: "an empty term matches no node", term: {}, want: false },
    { name: "matchFields on metadata.name selects the node by name", term: { matchFields: [{ key: "metadata.name", operator: "In", values: ["pi-1"] }] }, want: true },
    { name: "matchFields naming another node fails", term: { matchFields: [{ key: "metadata.name", operator: "In", values: ["pi-2"] }] }, want: false },
    { name: "matchFields on another field fails", term: { matchFields: [{ key: "spec.podCIDR", operator: "Exists" }] }, want: false },
    { name: "labels and fields must all hold", term: { matchExpressions: [{ key: "zone", operator: "In", values: ["b"] }], matchFields: [{ key: "metadata.name", operator: "In", values: ["pi-1"] }] }, want: false },
  ];
  it.each(cases)("daemonset nodes: $name", ({ term, want }) => {
    expect(nodeMatchesTerm(n, term)).toBe(want);
  });

  it("daemonset nodes: nodeSelector needs every label exactly; affinity terms are alternatives", () => {
    const spec = (s: Partial<PodSpecObject>): PodSpecObject => ({ containers: [], ...s });
    expect(nodeMatchesPod(n, spec({ nodeSelector: { zone: "a" } }))).toBe(true);
    expect(nodeMatchesPod(n, spec({ nodeSelector: { zone: "a", disk: "ssd" } }))).toBe(false);
    const terms = [{ matchExpressions: [{ key: "zone", operator: "In", values: ["b"] }] }, { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }];
    expect(nodeMatchesPod(n, spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } }))).toBe(true);
    expect(nodeMatchesPod(n, spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.slice(0, 1) } } } }))).toBe(false);
  });
});

describe("tolerations", () => {
  const gpu: Taint = { key: "gpu", value: "true", effect: "NoSchedule" };
  it.each([
    { name: "Equal (the default) with the same value tolerates", t: { key: "gpu", value: "true" }, want: true },
    { name: "Equal with another value does not", t: { key: "gpu", value: "false" }, want: false },
    { name: "Exists with an empty key tolerates every taint", t: { operator: "Exists" }, want: true },
    { name: "another effect does not tolerate", t: { key: "gpu", operator: "Exists", effect: "NoExecute" }, want: false },
  ])("daemonset nodes: $name", ({ t, want }) => {
    expect(toleratesTaint(t, gpu)).toBe(want);
  });
});

describe("nodeShouldRunDaemonPod", () => {
  const run = { shouldRun: true, shouldContinueRunning: true };
  const stay = { shouldRun: false, shouldContinueRunning: true };
  const neither = { shouldRun: false, shouldContinueRunning: false };
  const cases = [
    { name: "a plain node runs the daemon", ds: daemonSet(), n: node("pi-1"), want: run },
    { name: "a node without the nodeSelector's label does not", ds: daemonSet({ nodeSelector: { role: "edge" } }), n: node("pi-1"), want: neither },
    { name: "a node with the nodeSelector's label does", ds: daemonSet({ nodeSelector: { role: "edge" } }), n: node("pi-1", { labels: { role: "edge" } }), want: run },
    { name: "a template pinned to another node by nodeName runs nowhere else", ds: daemonSet({ spec: { nodeName: "pi-2" } }), n: node("pi-1"), want: neither },
    { name: "an untolerated NoSchedule taint: no new pod, a running one stays", ds: daemonSet(), n: node("pi-1", { taints: [{ key: "gpu", effect: "NoSchedule" }] }), want: stay },
    { name: "an untolerated NoExecute taint: the pod goes", ds: daemonSet(), n: node("pi-1", { taints: [{ key: "gpu", effect: "NoExecute" }] }), want: neither },
    { name: "a PreferNoSchedule taint is no obstacle", ds: daemonSet(), n: node("pi-1", { taints: [{ key: "gpu", effect: "PreferNoSchedule" }] }), want: run },
    { name: "a tolerated taint is no obstacle", ds: daemonSet({ spec: { tolerations: [{ key: "gpu", operator: "Exists" }] } }), n: node("pi-1", { taints: [{ key: "gpu", effect: "NoExecute" }] }), want: run },
    { name: "a cordoned node still runs daemons (unschedulable is tolerated)", ds: daemonSet(), n: node("pi-1", { unschedulable: true, taints: [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }] }), want: run },
    { name: "an unreachable node keeps its daemon (NoExecute tolerated)", ds: daemonSet(), n: node("pi-1", { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }] }), want: run },
    { name: "network-unavailable blocks a pod on the pod network", ds: daemonSet(), n: node("pi-1", { taints: [{ key: "node.kubernetes.io/network-unavailable", effect: "NoSchedule" }] }), want: stay },
    { name: "network-unavailable is tolerated by a hostNetwork daemon", ds: daemonSet({ spec: { hostNetwork: true } }), n: node("pi-1", { taints: [{ key: "node.kubernetes.io/network-unavailable", effect: "NoSchedule" }] }), want: run },
  ];
  it.each(cases)("daemonset nodes: $name", ({ ds, n, want }) => {
    expect(nodeShouldRunDaemonPod(n, daemonPodSpec(ds))).toEqual(want);
  });
});
