import { describe, expect, it } from "vitest";
import type { NodeObject, PodObject } from "@flotilla/api";
import { newNodeInfo } from "./resources.ts";
import type { NodeInfo } from "./resources.ts";
import { WEIGHTS, balancedAllocationScore, controllerSpread, leastAllocatedScore, scoreNodes } from "./scores.ts";

function pod(cpu?: string, memory?: string, owner?: string): PodObject {
  const requests: Record<string, string> = {};
  if (cpu) requests.cpu = cpu;
  if (memory) requests.memory = memory;
  const ownerReferences = owner ? [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: owner, controller: true }] : undefined;
  return { metadata: { name: "p", namespace: "default", ownerReferences }, spec: { containers: [{ name: "c", resources: { requests } }] } };
}

function node(cpu: string, memory: string, pods: PodObject[] = []): NodeInfo {
  const n: NodeObject = { metadata: { name: "n" }, status: { allocatable: { cpu, memory, pods: "110" } } };
  return newNodeInfo(n, pods);
}

describe("leastAllocatedScore", () => {
  it.each([
    { name: "an empty node scores the free share left after the pod", pod: pod("1", "1Gi"), node: node("4", "4Gi"), want: 75 },
    { name: "cpu and memory shares are averaged", pod: pod("2", "1Gi"), node: node("4", "4Gi"), want: 62.5 },
    { name: "pods already there lower the score", pod: pod("1", "1Gi"), node: node("4", "4Gi", [pod("2", "2Gi")]), want: 25 },
    { name: "a node filled to the brim scores 0", pod: pod("4", "4Gi"), node: node("4", "4Gi"), want: 0 },
    { name: "a node reporting no resources scores 0", pod: pod("1", "1Gi"), node: node("0", "0"), want: 0 },
    // 100m of 1 cpu and 200Mi of 1000Mi used by the defaults: (0.9 + 0.8) / 2.
    { name: "a pod without requests is scored with the 100m/200Mi defaults", pod: pod(), node: node("1", "1000Mi"), want: 85 },
  ])("scores: $name", ({ pod: p, node: n, want }) => {
    expect(leastAllocatedScore(p, n)).toBeCloseTo(want, 9);
  });
});

describe("balancedAllocationScore", () => {
  it.each([
    { name: "equal cpu and memory shares score 100", pod: pod("1", "1Gi"), node: node("4", "4Gi"), want: 100 },
    { name: "uneven shares lose their difference (50% cpu vs 25% memory)", pod: pod("2", "1Gi"), node: node("4", "4Gi"), want: 75 },
    { name: "the pods already there are counted", pod: pod("1", "1Gi"), node: node("4", "4Gi", [pod("2")]), want: 50 },
    { name: "shares are capped at 1", pod: pod("8", "4Gi"), node: node("4", "8Gi"), want: 50 },
    { name: "a node without memory has nothing to balance", pod: pod("1", "1Gi"), node: node("4", "0"), want: 100 },
  ])("scores: $name", ({ pod: p, node: n, want }) => {
    expect(balancedAllocationScore(p, n)).toBeCloseTo(want, 9);
  });
});

describe("controllerSpread", () => {
  it("scores: the node with most siblings scores 0, one without any 100, the rest in proportion", () => {
    const nodes = [node("4", "4Gi", [pod("1", "1Gi", "rs"), pod("1", "1Gi", "rs")]), node("4", "4Gi", [pod("1", "1Gi", "rs")]), node("4", "4Gi", [pod("1", "1Gi", "other")])];
    expect(Array.from(controllerSpread(pod("1", "1Gi", "rs"), nodes))).toEqual([0, 50, 100]);
  });

  it.each([
    { name: "a pod without a controller scores 100 everywhere", pod: pod("1", "1Gi") },
    { name: "a pod whose controller has no pods yet scores 100 everywhere", pod: pod("1", "1Gi", "new") },
  ])("scores: $name", ({ pod: p }) => {
    const nodes = [node("4", "4Gi", [pod("1", "1Gi", "rs")]), node("4", "4Gi")];
    expect(Array.from(controllerSpread(p, nodes))).toEqual([100, 100]);
  });
});

describe("scoreNodes", () => {
  it("scores: the total is the weighted sum of every plugin, weights all 1", () => {
    expect(WEIGHTS).toEqual({ leastAllocated: 1, balancedAllocation: 1, controllerSpread: 1 });
    const p = pod("2", "1Gi", "rs");
    const nodes = [node("4", "4Gi"), node("4", "4Gi", [pod("1", "1Gi", "rs")])];
    // Node 0: least 62.5, balanced 75, spread 100. Node 1: least 37.5, balanced 75, spread 0.
    expect([...scoreNodes(p, nodes)]).toEqual([237.5, 112.5]);
  });
});
