/**
 * The Node this kubelet registers: capacity from the machine, the labels Kubernetes
 * tools expect, one label per runtime it offers, addresses and node info. Pure: the
 * machine facts are passed in, so tests and hollow nodes can invent them.
 */
import type { NodeObject } from "@flotilla/api";
import type { KubeletConfig } from "./config.ts";
import { runtimeLabel } from "@flotilla/api/labels";

export interface MachineInfo {
  cpus: number;
  memoryBytes: number;
  arch: string;
  kernelVersion: string;
  osImage: string;
  machineId: string;
  bootId: string;
}

export const KUBELET_VERSION = "v1.32.0+flotilla";

/** Node architecture names are Go's: amd64, arm64, arm. */
export function goArch(nodeArch: string): string {
  return ({ x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386" } as Record<string, string>)[nodeArch] ?? nodeArch;
}

/** Memory in Ki, as Kubernetes reports node memory. */
function ki(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

export function nodeLabels(cfg: KubeletConfig, m: MachineInfo): Record<string, string> {
  const labels: Record<string, string> = {
    "kubernetes.io/hostname": cfg.nodeName,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": goArch(m.arch),
    "beta.kubernetes.io/os": "linux",
    "beta.kubernetes.io/arch": goArch(m.arch),
  };
  for (const r of cfg.runtimes) labels[runtimeLabel(r)] = "true";
  if (cfg.hollow) labels["flotilla.io/hollow"] = "true";
  return { ...labels, ...cfg.labels };
}

export function readyConditions(now: string): NonNullable<NonNullable<NodeObject["status"]>["conditions"]> {
  const c = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message });
  return [
    c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    c("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    c("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
  ];
}

export function nodeStatus(cfg: KubeletConfig, m: MachineInfo, now: string): NonNullable<NodeObject["status"]> {
  const capacity = { cpu: String(m.cpus), memory: ki(m.memoryBytes), pods: String(cfg.maxPods), "ephemeral-storage": "0" };
  return {
    capacity,
    allocatable: { ...capacity },
    conditions: readyConditions(now),
    addresses: [
      { type: "InternalIP", address: cfg.nodeIp },
      { type: "Hostname", address: cfg.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
    nodeInfo: {
      machineID: m.machineId,
      systemUUID: m.machineId,
      bootID: m.bootId,
      kernelVersion: m.kernelVersion,
      osImage: m.osImage,
      containerRuntimeVersion: cfg.hollow ? "hollow://0.1.0" : cfg.runtimes.map((r) => `${r}://flotilla`).join(","),
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: "linux",
      architecture: goArch(m.arch),
    },
  };
}

export function desiredNode(cfg: KubeletConfig, m: MachineInfo, now: string): NodeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: cfg.nodeName, labels: nodeLabels(cfg, m), annotations: { "node.alpha.kubernetes.io/ttl": "0", "flotilla.io/heartbeat-interval-ms": String(cfg.heartbeatIntervalMs) } },
    spec: {},
    status: nodeStatus(cfg, m, now),
  } as NodeObject;
}
