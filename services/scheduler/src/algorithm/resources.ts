/**
 * What a pod asks of a node and what a node has left: pod requests (containers, init
 * containers, pod-level requests and overhead), parsed node allocatable, and the per-node
 * bookkeeping (NodeInfo) the filters and scores read. Pure: no I/O.
 */
import { parseQuantity } from "@flotilla/api";
import type { ContainerObject, NodeObject, PodObject } from "@flotilla/api";

/** CPU in millicores and memory in bytes, both integers. */
export interface Resources {
  milliCpu: number;
  memory: number;
}

/** A node's allocatable resources, with the most pods it takes. */
export interface Allocatable extends Resources {
  pods: number;
}

/** What one pod asks for: its real requests, and the ones scoring uses. */
export interface PodRequests {
  /** Requests as written; what the resource filter checks. */
  requests: Resources;
  /**
   * Requests with a default for every container that sets none (100m cpu, 200Mi memory),
   * as Kubernetes scores with: otherwise pods without requests all look free and pile
   * onto one node.
   */
  nonZero: Resources;
}

/** A port a pod holds on its node's network. */
export interface HostPort {
  port: number;
  /** TCP, UDP or SCTP. */
  protocol: string;
  /** "0.0.0.0" stands for every address of the node. */
  ip: string;
}

/**
 * A node with the pods bound to it and running totals over them. Build one with
 * newNodeInfo or buildNodeInfos, and keep it current with addPod and removePod rather
 * than rebuilding: the totals are what keep a scheduling pass cheap. Pod objects are
 * taken as immutable (a changed pod is a new object, removed and added again), since
 * their requests and selectors are cached by object.
 */
export interface NodeInfo {
  node: NodeObject;
  /** The Ready condition's status ("Unknown" when missing), read once per node version. */
  readyStatus: string;
  /** Pods bound to the node that are not Succeeded or Failed. */
  pods: PodObject[];
  /** Parsed status.allocatable (status.capacity when allocatable is absent). */
  allocatable: Allocatable;
  /** Sum of the pods' requests. */
  requested: Resources;
  /** Sum of the pods' requests with container defaults, for scoring. */
  nonZeroRequested: Resources;
  /** Host ports the pods hold. */
  hostPorts: HostPort[];
  /** Number of pods per controller owner UID. */
  controllerPods: Map<string, number>;
  /** The pods with required pod anti-affinity, which a newcomer must not offend. */
  antiAffinityPods: PodObject[];
  /**
   * Number of pods carrying each label, keyed by labelKey(key, value), so pod
   * anti-affinity can skip nodes without a candidate instead of reading every pod.
   */
  labelCounts: Map<string, number>;
}

/** Kubernetes' defaults for a container without requests, used when scoring only. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

type QuantityMap = Readonly<Record<string, string | number>> | undefined;

const requestCache = new WeakMap<PodObject, PodRequests>();

/** Millicores of a quantity, rounded up as Kubernetes' MilliValue does; 0 when invalid. */
export function milliCpuOf(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const v = parseQuantity(q);
  // The small allowance absorbs binary floating-point noise ("0.3" * 1000).
  return v === undefined || v <= 0 ? 0 : Math.ceil(v * 1000 - 1e-6);
}

/** Whole units of a quantity (bytes, pods), rounded up as Kubernetes' Value does; 0 when invalid. */
export function unitsOf(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const v = parseQuantity(q);
  return v === undefined || v <= 0 ? 0 : Math.ceil(v - 1e-6);
}

function containerRequest(c: ContainerObject, nonZero: boolean): Resources {
  const req: QuantityMap = c.resources?.requests;
  const lim: QuantityMap = c.resources?.limits;
  // The API server defaults a missing request to the limit; doing it here too keeps
  // the scheduler right for objects that never went through defaulting.
  const cpu = req?.cpu ?? lim?.cpu;
  const mem = req?.memory ?? lim?.memory;
  return {
    milliCpu: cpu === undefined ? (nonZero ? DEFAULT_MILLI_CPU_REQUEST : 0) : milliCpuOf(cpu),
    memory: mem === undefined ? (nonZero ? DEFAULT_MEMORY_REQUEST : 0) : unitsOf(mem),
  };
}

/**
 * The pod's requests the way Kubernetes' resource helper sums them: main containers
 * and sidecars (restartable init containers) run together, so they add up; ordinary
 * init containers run one at a time, each beside the sidecars started before it, so
 * only the largest counts; the pod needs the larger of the two phases.
 */
function aggregate(pod: PodObject, nonZero: boolean): Resources {
  const spec = pod.spec;
  const total: Resources = { milliCpu: 0, memory: 0 };
  for (const c of spec?.containers ?? []) {
    const r = containerRequest(c, nonZero);
    total.milliCpu += r.milliCpu;
    total.memory += r.memory;
  }
  const sidecars: Resources = { milliCpu: 0, memory: 0 };
  const initPeak: Resources = { milliCpu: 0, memory: 0 };
  for (const c of spec?.initContainers ?? []) {
    const r = containerRequest(c, nonZero);
    if (c.restartPolicy === "Always") {
      total.milliCpu += r.milliCpu;
      total.memory += r.memory;
      sidecars.milliCpu += r.milliCpu;
      sidecars.memory += r.memory;
      r.milliCpu = sidecars.milliCpu;
      r.memory = sidecars.memory;
    } else {
      r.milliCpu += sidecars.milliCpu;
      r.memory += sidecars.memory;
    }
    initPeak.milliCpu = Math.max(initPeak.milliCpu, r.milliCpu);
    initPeak.memory = Math.max(initPeak.memory, r.memory);
  }
  const result = { milliCpu: Math.max(total.milliCpu, initPeak.milliCpu), memory: Math.max(total.memory, initPeak.memory) };
  // Pod-level requests, when set, replace what the containers add up to.
  const podLevel: QuantityMap = spec?.resources?.requests;
  if (podLevel?.cpu !== undefined) result.milliCpu = milliCpuOf(podLevel.cpu);
  if (podLevel?.memory !== undefined) result.memory = unitsOf(podLevel.memory);
  const overhead: QuantityMap = spec?.overhead;
  result.milliCpu += milliCpuOf(overhead?.cpu);
  result.memory += unitsOf(overhead?.memory);
  return result;
}

/**
 * The pod's requests, computed once per pod object. Pod objects are treated as
 * immutable (a changed pod arrives as a new object), so the cache never goes stale.
 */
export function podRequests(pod: PodObject): PodRequests {
  let cached = requestCache.get(pod);
  if (!cached) {
    cached = { requests: aggregate(pod, false), nonZero: aggregate(pod, true) };
    requestCache.set(pod, cached);
  }
  return cached;
}

/** The node's allocatable cpu, memory and pod count, falling back to its capacity. */
export function nodeAllocatable(node: NodeObject): Allocatable {
  const alloc: QuantityMap = node.status?.allocatable ?? node.status?.capacity;
  return { milliCpu: milliCpuOf(alloc?.cpu), memory: unitsOf(alloc?.memory), pods: unitsOf(alloc?.pods) };
}

/** Allocatable minus what the node's pods already request (may be negative when overcommitted). */
export function nodeFree(info: NodeInfo): Resources & { pods: number } {
  return {
    milliCpu: info.allocatable.milliCpu - info.requested.milliCpu,
    memory: info.allocatable.memory - info.requested.memory,
    pods: info.allocatable.pods - info.pods.length,
  };
}

/**
 * Host ports the pod holds: those of its containers and of its sidecars, which keep
 * running; plain init containers have exited before the others start.
 */
export function podHostPorts(pod: PodObject): HostPort[] {
  const out: HostPort[] = [];
  const collect = (c: ContainerObject): void => {
    for (const p of c.ports ?? []) {
      if (p.hostPort === undefined || p.hostPort <= 0) continue;
      out.push({ port: p.hostPort, protocol: p.protocol || "TCP", ip: !p.hostIP ? "0.0.0.0" : p.hostIP });
    }
  };
  for (const c of pod.spec?.initContainers ?? []) if (c.restartPolicy === "Always") collect(c);
  for (const c of pod.spec?.containers ?? []) collect(c);
  return out;
}

/** UID of the pod's controlling owner (the ownerReference with controller: true), if any. */
export function controllerUid(pod: PodObject): string | undefined {
  for (const ref of pod.metadata?.ownerReferences ?? []) if (ref.controller === true) return ref.uid;
  return undefined;
}

/** True when the pod has required pod anti-affinity terms. */
export function hasRequiredAntiAffinity(pod: PodObject): boolean {
  return (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
}

/** A NodeInfo for the node holding the given pods (none by default). */
export function newNodeInfo(node: NodeObject, pods: readonly PodObject[] = []): NodeInfo {
  const info: NodeInfo = {
    node,
    readyStatus: node.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "Unknown",
    pods: [],
    allocatable: nodeAllocatable(node),
    requested: { milliCpu: 0, memory: 0 },
    nonZeroRequested: { milliCpu: 0, memory: 0 },
    hostPorts: [],
    controllerPods: new Map(),
    antiAffinityPods: [],
    labelCounts: new Map(),
  };
  for (const pod of pods) addPod(info, pod);
  return info;
}

/** Accounts for a pod bound to the node: call it when binding so the next pass sees it. */
export function addPod(info: NodeInfo, pod: PodObject): void {
  update(info, pod, 1);
  info.pods.push(pod);
  for (const hp of podHostPorts(pod)) info.hostPorts.push(hp);
  if (hasRequiredAntiAffinity(pod)) info.antiAffinityPods.push(pod);
}

/**
 * Forgets a pod that left the node (deleted, finished, or rebound), matched by UID or
 * else namespace and name. The stored version is subtracted, so a newer copy of the pod
 * may be passed. Returns false when the pod was not on the node.
 */
export function removePod(info: NodeInfo, pod: PodObject): boolean {
  const i = info.pods.findIndex((p) => samePod(p, pod));
  if (i < 0) return false;
  const stored = info.pods[i]!;
  info.pods.splice(i, 1);
  update(info, stored, -1);
  info.hostPorts = info.pods.flatMap(podHostPorts);
  info.antiAffinityPods = info.antiAffinityPods.filter((p) => p !== stored);
  return true;
}

/** The NodeInfo.labelCounts key of a label; label keys cannot contain "=", so it is unambiguous. */
export function labelKey(key: string, value: string): string {
  return `${key}=${value}`;
}

function update(info: NodeInfo, pod: PodObject, sign: 1 | -1): void {
  const labels = pod.metadata?.labels;
  for (const k in labels) count(info.labelCounts, labelKey(k, labels[k]!), sign);
  const { requests, nonZero } = podRequests(pod);
  info.requested.milliCpu += sign * requests.milliCpu;
  info.requested.memory += sign * requests.memory;
  info.nonZeroRequested.milliCpu += sign * nonZero.milliCpu;
  info.nonZeroRequested.memory += sign * nonZero.memory;
  const owner = controllerUid(pod);
  if (owner !== undefined) count(info.controllerPods, owner, sign);
}

function count(counts: Map<string, number>, key: string, delta: number): void {
  const n = (counts.get(key) ?? 0) + delta;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}

function samePod(a: PodObject, b: PodObject): boolean {
  if (a === b) return true;
  const ua = a.metadata?.uid;
  const ub = b.metadata?.uid;
  if (ua && ub) return ua === ub;
  return a.metadata?.namespace === b.metadata?.namespace && a.metadata?.name === b.metadata?.name;
}
