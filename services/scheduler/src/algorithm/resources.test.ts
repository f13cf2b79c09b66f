import { describe, expect, it } from "vitest";
import type { ContainerObject, NodeObject, PodObject, PodSpecObject } from "@flotilla/api";
import { addPod, milliCpuOf, newNodeInfo, nodeAllocatable, nodeFree, podHostPorts, podRequests, removePod, unitsOf } from "./resources.ts";

const Mi = 1024 * 1024;

function ctr(name: string, requests: Record<string, string> = {}, extra: Partial<ContainerObject> = {}): ContainerObject {
  return { name, resources: { requests }, ...extra };
}

function pod(spec: Partial<PodSpecObject>, meta: PodObject["metadata"] = {}): PodObject {
  return { metadata: { name: "p", namespace: "default", ...meta }, spec: { containers: [], ...spec } };
}

function node(allocatable: Record<string, string> | undefined, capacity?: Record<string, string>): NodeObject {
  return { metadata: { name: "n1" }, status: { allocatable, capacity } };
}

describe("quantities", () => {
  it.each([
    ["100m", 100],
    ["1", 1000],
    ["0.5", 500],
    ["0.3", 300],
    ["1.5m", 2],
    [2, 2000],
    ["bogus", 0],
    ["-1", 0],
    [undefined, 0],
  ] as const)("resources: cpu %s is %d millicores (rounded up, invalid is 0)", (q, want) => {
    expect(milliCpuOf(q)).toBe(want);
  });

  it.each([
    ["128Mi", 134217728],
    ["1Gi", 1073741824],
    ["1k", 1000],
    ["1.5", 2],
    ["x", 0],
  ] as const)("resources: memory %s is %d bytes", (q, want) => {
    expect(unitsOf(q)).toBe(want);
  });
});

describe("podRequests", () => {
  const cases: { name: string; spec: Partial<PodSpecObject>; cpu: number; memory: number }[] = [
    { name: "containers add up", spec: { containers: [ctr("a", { cpu: "100m", memory: "64Mi" }), ctr("b", { cpu: "250m", memory: "64Mi" })] }, cpu: 350, memory: 128 * Mi },
    {
      name: "an init container larger than the containers' sum sets the request",
      spec: { initContainers: [ctr("i", { cpu: "1", memory: "10Mi" })], containers: [ctr("a", { cpu: "200m", memory: "64Mi" })] },
      cpu: 1000,
      memory: 64 * Mi,
    },
    {
      name: "init containers count one at a time, the largest wins",
      spec: { initContainers: [ctr("i1", { cpu: "300m" }), ctr("i2", { cpu: "400m" })], containers: [ctr("a", { cpu: "100m" })] },
      cpu: 400,
      memory: 0,
    },
    {
      name: "a sidecar init container adds to the containers and to later init containers",
      spec: {
        initContainers: [ctr("side", { cpu: "100m" }, { restartPolicy: "Always" }), ctr("i", { cpu: "500m" })],
        containers: [ctr("a", { cpu: "200m" })],
      },
      cpu: 600,
      memory: 0,
    },
    { name: "overhead is added", spec: { containers: [ctr("a", { cpu: "100m", memory: "1Mi" })], overhead: { cpu: "50m", memory: "1Mi" } }, cpu: 150, memory: 2 * Mi },
    { name: "a limit stands in for a missing request", spec: { containers: [{ name: "a", resources: { limits: { cpu: "300m", memory: "5Mi" } } }] }, cpu: 300, memory: 5 * Mi },
    {
      name: "pod-level requests replace the containers' sum",
      spec: { containers: [ctr("a", { cpu: "100m", memory: "1Mi" })], resources: { requests: { cpu: "1" } } },
      cpu: 1000,
      memory: 1 * Mi,
    },
    { name: "an invalid quantity counts as nothing", spec: { containers: [ctr("a", { cpu: "lots", memory: "2Mi" })] }, cpu: 0, memory: 2 * Mi },
    { name: "a pod without requests asks for nothing", spec: { containers: [{ name: "a" }] }, cpu: 0, memory: 0 },
  ];
  it.each(cases)("resources: $name", ({ spec, cpu, memory }) => {
    expect(podRequests(pod(spec)).requests).toEqual({ milliCpu: cpu, memory });
  });

  it("resources: scoring requests default each container without requests to 100m and 200Mi", () => {
    const p = pod({ containers: [{ name: "a" }, ctr("b", { cpu: "50m" })] });
    expect(podRequests(p).nonZero).toEqual({ milliCpu: 150, memory: 400 * Mi });
    expect(podRequests(p).requests).toEqual({ milliCpu: 50, memory: 0 });
  });

  it("resources: requests are computed once per pod object", () => {
    const p = pod({ containers: [ctr("a", { cpu: "1" })] });
    expect(podRequests(p)).toBe(podRequests(p));
  });
});

describe("nodes", () => {
  it("resources: allocatable is parsed, with capacity as the fallback", () => {
    expect(nodeAllocatable(node({ cpu: "2", memory: "4Gi", pods: "110" }))).toEqual({ milliCpu: 2000, memory: 4096 * Mi, pods: 110 });
    expect(nodeAllocatable(node(undefined, { cpu: "500m", memory: "1Gi", pods: "10" }))).toEqual({ milliCpu: 500, memory: 1024 * Mi, pods: 10 });
    expect(nodeAllocatable(node(undefined))).toEqual({ milliCpu: 0, memory: 0, pods: 0 });
  });

  it("resources: host ports come from containers and sidecars, defaulting protocol and address", () => {
    const p = pod({
      initContainers: [
        ctr("init", {}, { ports: [{ containerPort: 1, hostPort: 1 }] }),
        ctr("side", {}, { restartPolicy: "Always", ports: [{ containerPort: 2, hostPort: 2, protocol: "UDP" }] }),
      ],
      containers: [ctr("a", {}, { ports: [{ containerPort: 80 }, { containerPort: 80, hostPort: 8080, hostIP: "10.0.0.1" }] })],
    });
    expect(podHostPorts(p)).toEqual([
      { port: 2, protocol: "UDP", ip: "0.0.0.0" },
      { port: 8080, protocol: "TCP", ip: "10.0.0.1" },
    ]);
  });

  it("resources: addPod and removePod keep the node's totals, ports, owners and anti-affinity pods current", () => {
    const owner = [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "rs-1", controller: true }];
    const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: {} }] } };
    const a = pod({ containers: [ctr("a", { cpu: "100m", memory: "1Mi" }, { ports: [{ containerPort: 80, hostPort: 80 }] })] }, { name: "a", uid: "a", ownerReferences: owner, labels: { app: "web" } });
    const b = pod({ containers: [ctr("b", { cpu: "200m" })], affinity: anti }, { name: "b", uid: "b", ownerReferences: owner, labels: { app: "web" } });
    const info = newNodeInfo(node({ cpu: "1", memory: "10Mi", pods: "3" }), [a]);
    addPod(info, b);
    expect(info.requested).toEqual({ milliCpu: 300, memory: 1 * Mi });
    expect(info.nonZeroRequested).toEqual({ milliCpu: 300, memory: 201 * Mi });
    expect(info.hostPorts).toEqual([{ port: 80, protocol: "TCP", ip: "0.0.0.0" }]);
    expect(info.controllerPods.get("rs-1")).toBe(2);
    expect(info.antiAffinityPods).toEqual([b]);
    expect(nodeFree(info)).toEqual({ milliCpu: 700, memory: 9 * Mi, pods: 1 });
    expect(info.labelCounts.get("app=web")).toBe(2);

    // A newer copy of the pod (same UID) removes the stored one.
    expect(removePod(info, { ...a, status: { phase: "Succeeded" } })).toBe(true);
    expect(info.requested).toEqual({ milliCpu: 200, memory: 0 });
    expect(info.hostPorts).toEqual([]);
    expect(info.controllerPods.get("rs-1")).toBe(1);
    expect(removePod(info, b)).toBe(true);
    expect(info.controllerPods.has("rs-1")).toBe(false);
    expect(info.antiAffinityPods).toEqual([]);
    expect(info.labelCounts.size).toBe(0);
    expect(removePod(info, b)).toBe(false);
  });
});
