import { describe, expect, it } from "vitest";
import type { NodeObject, PodObject, PodSpecObject } from "@flotilla/api";
import { addPod } from "./resources.ts";
import { NO_NODES_MESSAGE, buildNodeInfos, fitErrorMessage, schedule } from "./schedule.ts";
import type { NodeInfo } from "./schedule.ts";

interface PodOpts {
  cpu?: string;
  memory?: string;
  owner?: string;
  nodeName?: string;
  phase?: string;
  spec?: Partial<PodSpecObject>;
  meta?: PodObject["metadata"];
}

let seq = 0;
function pod({ cpu, memory, owner, nodeName, phase, spec = {}, meta = {} }: PodOpts = {}): PodObject {
  const requests: Record<string, string> = {};
  if (cpu) requests.cpu = cpu;
  if (memory) requests.memory = memory;
  const name = `p${++seq}`;
  const ownerReferences = owner ? [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: owner, controller: true }] : undefined;
  return {
    metadata: { name, namespace: "default", uid: name, ownerReferences, ...meta },
    spec: { containers: [{ name: "c", resources: { requests } }], nodeName, ...spec },
    status: phase ? { phase } : undefined,
  };
}

function node(name: string, opts: { cpu?: string; memory?: string; labels?: Record<string, string>; spec?: NodeObject["spec"] } = {}): NodeObject {
  const { cpu = "2", memory = "4Gi", labels, spec } = opts;
  return { metadata: { name, labels }, spec, status: { allocatable: { cpu, memory, pods: "110" }, conditions: [{ type: "Ready", status: "True" }] } };
}

function infos(nodes: NodeObject[], pods: PodObject[] = []): NodeInfo[] {
  return buildNodeInfos(nodes, pods);
}

describe("fitErrorMessage", () => {
  it.each<{ name: string; total: number; reasons: Record<string, number>; want: string }>([
    { name: "zero nodes says so", total: 0, reasons: {}, want: NO_NODES_MESSAGE },
    { name: "one reason reads as Kubernetes does", total: 3, reasons: { "Insufficient cpu": 3 }, want: "0/3 nodes are available: 3 Insufficient cpu." },
    {
      name: "reasons are comma-separated, sorted, with their counts",
      total: 3,
      reasons: { "node(s) didn't match Pod's node affinity/selector": 2, "Insufficient cpu": 1 },
      want: "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector.",
    },
    {
      name: "entries sort as whole strings, count first, like Go's sort.Strings",
      total: 3,
      reasons: { "Insufficient cpu": 2, "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }": 1 },
      want: "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.",
    },
  ])("scheduler: $name", ({ total, reasons, want }) => {
    expect(fitErrorMessage(total, reasons)).toBe(want);
  });
});

describe("schedule", () => {
  it("scheduler: with no nodes the pod is unschedulable with Kubernetes' no-nodes message", () => {
    expect(schedule(pod(), [])).toEqual({ unschedulable: true, message: "0/0 nodes are available: no nodes available to schedule pods.", reasons: {} });
  });

  it("scheduler: a pod too big for every node is unschedulable with Insufficient cpu", () => {
    const result = schedule(pod({ cpu: "3" }), infos([node("a"), node("b"), node("c")]));
    expect(result).toEqual({ unschedulable: true, message: "0/3 nodes are available: 3 Insufficient cpu.", reasons: { "Insufficient cpu": 3 } });
  });

  it("scheduler: each node counts under its own reasons in the summary", () => {
    const nodes = infos([node("a", { cpu: "1", memory: "1Gi", labels: { disk: "hdd" } }), node("b", { labels: { disk: "ssd" } }), node("c", { labels: { disk: "ssd" } })]);
    const result = schedule(pod({ cpu: "1500m", memory: "2Gi", spec: { nodeSelector: { disk: "hdd" } } }), nodes);
    expect(result).toEqual({
      unschedulable: true,
      message: "0/3 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 2 node(s) didn't match Pod's node affinity/selector.",
      reasons: { "Insufficient cpu": 1, "Insufficient memory": 1, "node(s) didn't match Pod's node affinity/selector": 2 },
    });
  });

  it("scheduler: the emptier node wins", () => {
    const nodes = infos([node("a"), node("b")], [pod({ cpu: "1", memory: "2Gi", nodeName: "a" })]);
    expect(schedule(pod({ cpu: "100m", memory: "100Mi" }), nodes)).toMatchObject({ node: "b" });
  });

  it("scheduler: equal scores go to the node whose name sorts first", () => {
    const nodes = infos([node("node-c"), node("node-a"), node("node-b")]);
    const first = schedule(pod({ cpu: "100m", memory: "100Mi" }), nodes);
    expect(first).toMatchObject({ node: "node-a" });
    expect(schedule(pod({ cpu: "100m", memory: "100Mi" }), nodes)).toEqual(first);
  });

  it("scheduler: replicas of one controller spread across nodes as each binding is added", () => {
    const nodes = infos([node("a"), node("b"), node("c")]);
    const placed: string[] = [];
    for (let i = 0; i < 6; i++) {
      const p = pod({ cpu: "100m", memory: "128Mi", owner: "rs-web" });
      const result = schedule(p, nodes);
      if (!("node" in result)) throw new Error(result.message);
      placed.push(result.node);
      addPod(nodes.find((n) => n.node.metadata?.name === result.node)!, p);
    }
    expect(placed.sort()).toEqual(["a", "a", "b", "b", "c", "c"]);
  });

  it("scheduler: pods without requests spread too, through the default requests used for scoring", () => {
    const nodes = infos([node("a"), node("b")]);
    const p1 = pod();
    const r1 = schedule(p1, nodes);
    if (!("node" in r1)) throw new Error(r1.message);
    addPod(nodes.find((n) => n.node.metadata?.name === r1.node)!, p1);
    const r2 = schedule(pod(), nodes);
    expect("node" in r2 && r2.node).not.toBe(r1.node);
  });

  it("scheduler: an init container's request decides whether the pod fits", () => {
    const spec = { initContainers: [{ name: "init", resources: { requests: { cpu: "3" } } }] };
    expect(schedule(pod({ cpu: "100m", spec }), infos([node("a")]))).toMatchObject({ unschedulable: true, reasons: { "Insufficient cpu": 1 } });
  });

  // Kubernetes checks the placed pods' terms first, so the last replica is refused by its siblings' rules.
  it("scheduler: required anti-affinity keeps replicas on separate nodes until none is left", () => {
    const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "db" } } }] } };
    const nodes = infos([node("a"), node("b")]);
    const make = () => pod({ spec: { affinity: anti }, meta: { labels: { app: "db" } } });
    for (const want of ["a", "b"]) {
      const p = make();
      const r = schedule(p, nodes);
      expect(r).toMatchObject({ node: want });
      addPod(nodes.find((n) => n.node.metadata?.name === want)!, p);
    }
    expect(schedule(make(), nodes)).toMatchObject({
      unschedulable: true,
      message: "0/2 nodes are available: 2 node(s) didn't satisfy existing pods anti-affinity rules.",
    });
  });
});

describe("buildNodeInfos", () => {
  it("scheduler: bound pods are grouped by node; finished, unbound and unknown-node pods are left out; deleting pods stay", () => {
    const running = pod({ cpu: "1", nodeName: "a", phase: "Running" });
    const deleting = pod({ cpu: "500m", nodeName: "a", meta: { deletionTimestamp: "2025-01-01T00:00:00Z" } });
    const pods = [running, deleting, pod({ nodeName: "a", phase: "Succeeded" }), pod({ nodeName: "a", phase: "Failed" }), pod(), pod({ nodeName: "gone" })];
    const [a, b] = infos([node("a"), node("b")], pods);
    expect(a!.pods).toEqual([running, deleting]);
    expect(a!.requested.milliCpu).toBe(1500);
    expect(b!.pods).toEqual([]);
  });
});

describe("performance", () => {
  it("scheduler: a thousand pods over a thousand nodes take well under a millisecond each", () => {
    const nodes = infos(Array.from({ length: 1000 }, (_, i) => node(`node-${String(i).padStart(4, "0")}`, { cpu: "8", memory: "32Gi", labels: { zone: `z${i % 3}` } })));
    const pods = Array.from({ length: 1000 }, (_, i) => pod({ cpu: "100m", memory: "128Mi", owner: `rs-${i % 10}` }));
    const byName = new Map(nodes.map((n) => [n.node.metadata?.name, n]));
    const start = performance.now();
    for (const p of pods) {
      const r = schedule(p, nodes);
      if (!("node" in r)) throw new Error(r.message);
      addPod(byName.get(r.node)!, p);
    }
    const perPod = (performance.now() - start) / pods.length;
    // The target is 1,000 pods/s on 2 cores; the bound is loose so a busy machine does not fail it.
    expect(perPod).toBeLessThan(5);
  });
});

describe("sampling large clusters", () => {
  it("scheduler: up to 100 nodes every node is looked at; beyond, kube-scheduler's adaptive share", async () => {
    const { feasibleNodesToFind } = await import("./schedule.ts");
    expect(feasibleNodesToFind(50)).toBe(50);
    expect(feasibleNodesToFind(100)).toBe(100);
    expect(feasibleNodesToFind(1000)).toBe(420);
    expect(feasibleNodesToFind(5000)).toBe(500);
    expect(feasibleNodesToFind(200)).toBe(100);
  });
});
