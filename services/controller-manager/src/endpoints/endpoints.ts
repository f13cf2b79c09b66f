/**
 * The v1 Endpoints of a service, decided from its pods: one address per published pod,
 * grouped into subsets of addresses that share exactly the same ports, and the write
 * (if any) that brings the stored object there.
 *
 * Kubernetes semantics: the endpoints controller's syncService and RepackSubsets
 * (pkg/controller/endpoint, pkg/api/v1/endpoints). Pure functions; inputs are read-only.
 */
import type { EndpointsObject, ObjectMeta, PodObject, ServiceObject } from "@flotilla/api";
import { isPodReady } from "../replicaset/pods.ts";
import { findPort, HEADLESS_LABEL, isHeadless, isIPv6, podIPsOf, shouldPodBeInEndpoints, shouldSetHostname } from "./pod-endpoints.ts";

export type EndpointSubset = NonNullable<EndpointsObject["subsets"]>[number];
export type EndpointAddress = NonNullable<EndpointSubset["addresses"]>[number];
export type EndpointPort = NonNullable<EndpointSubset["ports"]>[number];

/** Most addresses one Endpoints object carries; beyond it the object is truncated and says so (EndpointSlices have no such limit). */
export const MAX_ENDPOINTS_ADDRESSES = 1000;
/** Names the writer of Endpoints, as Kubernetes' endpoints controller labels its own since 1.33. */
export const ENDPOINTS_MANAGED_BY_LABEL = "endpoints.kubernetes.io/managed-by";
/** This controller's value of ENDPOINTS_MANAGED_BY_LABEL. */
export const ENDPOINTS_CONTROLLER_NAME = "endpoint-controller";
/** Marks Endpoints that hold fewer addresses than the service has. */
export const OVER_CAPACITY_ANNOTATION = "endpoints.kubernetes.io/over-capacity";

interface Member {
  address: EndpointAddress;
  ready: boolean;
}

/** Same IP, different pods (a host-network or process-runtime pod shares its node's IP): still two addresses. */
function addressKey(a: EndpointAddress): string {
  return `${a.ip}/${a.targetRef?.uid ?? a.targetRef?.name ?? ""}`;
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  const ka = addressKey(a);
  const kb = addressKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function portKey(p: EndpointPort): string {
  return JSON.stringify([p.name ?? "", p.port, p.protocol ?? "TCP", p.appProtocol ?? ""]);
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  const ka = portKey(a);
  const kb = portKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The IP a service of a single primary family publishes for the pod: the pod's first IP of that family. */
function endpointIP(svc: ServiceObject, pod: PodObject): string | undefined {
  const ips = podIPsOf(pod);
  let family = svc.spec?.ipFamilies?.[0];
  if (family === undefined) {
    // Families not defaulted yet: the cluster IP tells, or for a headless service the pod's own IP.
    const basis = isHeadless(svc) ? (ips[0] ?? "") : (svc.spec?.clusterIP ?? "");
    family = isIPv6(basis) ? "IPv6" : "IPv4";
  }
  return ips.find((ip) => isIPv6(ip) === (family === "IPv6"));
}

function endpointAddress(svc: ServiceObject, pod: PodObject, ip: string): EndpointAddress {
  const m = pod.metadata ?? {};
  const nodeName = pod.spec?.nodeName;
  return {
    ip,
    ...(shouldSetHostname(pod, svc) ? { hostname: pod.spec?.hostname ?? "" } : {}),
    ...(nodeName ? { nodeName } : {}),
    targetRef: { kind: "Pod", namespace: m.namespace ?? "", name: m.name ?? "", uid: m.uid ?? "" },
  };
}

/**
 * The subsets the service's Endpoints should hold. `pods` are the pods its selector
 * matches. A pod with an IP that is neither terminal nor being deleted gets one address
 * per service port it resolves (a named targetPort it lacks leaves it out of that port);
 * ready pods go to `addresses`, the others to `notReadyAddresses`, unless the service
 * publishes not-ready addresses, in which case every pod (terminating ones too) is ready.
 * Ports that reach exactly the same addresses share a subset. The result is in a
 * canonical order (addresses by IP then pod, ports, subsets), so equal inputs always
 * give equal output.
 */
export function desiredEndpoints(svc: ServiceObject, pods: readonly PodObject[]): EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const ports = svc.spec?.ports ?? [];
  // Only a headless service may have no ports; its addresses then carry none.
  if (ports.length === 0 && svc.spec?.clusterIP !== "None") return [];
  const byPort = new Map<string, { port: EndpointPort | undefined; members: Member[] }>();
  const add = (port: EndpointPort | undefined, member: Member): void => {
    const key = port ? portKey(port) : "";
    let entry = byPort.get(key);
    if (!entry) byPort.set(key, (entry = { port, members: [] }));
    entry.members.push(member);
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = endpointIP(svc, pod);
    if (ip === undefined) continue;
    const member = { address: endpointAddress(svc, pod, ip), ready: publishNotReady || isPodReady(pod) };
    if (ports.length === 0) add(undefined, member);
    for (const sp of ports) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      add({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? "TCP", ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) }, member);
    }
  }
  return repack([...byPort.values()]);
}

/** One subset per distinct set of (address, ready) pairs, carrying every port that reaches exactly that set. */
function repack(entries: readonly { port: EndpointPort | undefined; members: Member[] }[]): EndpointSubset[] {
  const groups = new Map<string, { members: Member[]; ports: EndpointPort[] }>();
  for (const { port, members } of entries) {
    const sorted = [...members].sort((a, b) => compareAddresses(a.address, b.address));
    const key = sorted.map((m) => `${addressKey(m.address)}=${m.ready ? 1 : 0}`).join(",");
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { members: sorted, ports: [] }));
    if (port) group.ports.push(port);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => {
      const ready = g.members.filter((m) => m.ready).map((m) => m.address);
      const notReady = g.members.filter((m) => !m.ready).map((m) => m.address);
      return {
        ...(ready.length > 0 ? { addresses: ready } : {}),
        ...(notReady.length > 0 ? { notReadyAddresses: notReady } : {}),
        ...(g.ports.length > 0 ? { ports: g.ports.sort(comparePorts) } : {}),
      };
    });
}

/**
 * Keeps at most `max` addresses, ready ones first: when the ready ones alone fit, the
 * not-ready ones are cut; otherwise every not-ready one goes and the ready ones are cut.
 * Each subset keeps a share of the room in proportion to its size (rounded up, so the
 * last subsets may get less). Returns whether anything was cut.
 */
export function truncateSubsets(subsets: EndpointSubset[], max = MAX_ENDPOINTS_ADDRESSES): boolean {
  const ready = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const notReady = subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  if (ready + notReady <= max) return false;
  const cutReady = ready > max;
  const room = cutReady ? max : max - ready;
  const pool = cutReady ? ready : notReady;
  let left = room;
  for (const [i, s] of subsets.entries()) {
    const list = (cutReady ? s.addresses : s.notReadyAddresses) ?? [];
    const share = Math.min(Math.ceil((list.length / pool) * room), left);
    left -= share;
    const kept = list.slice(0, share);
    const { addresses: _a, notReadyAddresses: _n, ...rest } = s;
    const readyKept = cutReady ? kept : (s.addresses ?? []);
    const notReadyKept = cutReady ? [] : kept;
    subsets[i] = { ...(readyKept.length > 0 ? { addresses: readyKept } : {}), ...(notReadyKept.length > 0 ? { notReadyAddresses: notReadyKept } : {}), ...rest };
  }
  return true;
}

function canonicalAddress(a: EndpointAddress): unknown {
  const ref = a.targetRef;
  // The pod's resourceVersion changes with every status write; it says nothing about the endpoint.
  const targetRef = ref ? Object.fromEntries(Object.entries(ref).filter(([k, v]) => k !== "resourceVersion" && v !== undefined && v !== "")) : undefined;
  return [a.ip, a.hostname ?? "", a.nodeName ?? "", targetRef ?? null];
}

/** A string equal for two subset lists exactly when they publish the same thing, whatever their order. */
export function canonicalSubsets(subsets: readonly EndpointSubset[] | undefined): string {
  const key = (x: unknown) => JSON.stringify(x);
  const sortedKeys = <T,>(xs: readonly T[] | undefined, f: (x: T) => unknown) => (xs ?? []).map((x) => key(f(x))).sort();
  const each = (subsets ?? []).map((s) => key([sortedKeys(s.addresses, canonicalAddress), sortedKeys(s.notReadyAddresses, canonicalAddress), sortedKeys(s.ports, (p) => portKey(p))]));
  return key(each.sort());
}

/**
 * The labels Endpoints carry: the service's own, the headless marker when it has no
 * cluster IP, and this controller's name, which tells its Endpoints from hand-made ones.
 */
export function endpointsLabels(svc: ServiceObject): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = "";
  else delete labels[HEADLESS_LABEL];
  labels[ENDPOINTS_MANAGED_BY_LABEL] = ENDPOINTS_CONTROLLER_NAME;
  return labels;
}

function sameMap(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ea = Object.entries(a ?? {});
  return ea.length === Object.keys(b ?? {}).length && ea.every(([k, v]) => b?.[k] === v);
}

/** Endpoints as written: metadata always present. */
export type EndpointsBody = EndpointsObject & { metadata: ObjectMeta };

/** What to write to the service's Endpoints; undefined when they already say the right thing. */
export type EndpointsWrite = { verb: "create" | "update"; endpoints: EndpointsBody } | undefined;

/**
 * The write that makes the service's Endpoints publish its pods, from the Endpoints in
 * the cache (`current`, undefined when there are none). Only a change of subsets,
 * labels or the over-capacity marker is written; an update carries the cached
 * resourceVersion, so it applies only over the copy it was computed from.
 */
export function planEndpoints(svc: ServiceObject, pods: readonly PodObject[], current: EndpointsObject | undefined): EndpointsWrite {
  const subsets = desiredEndpoints(svc, pods);
  const truncated = truncateSubsets(subsets);
  const labels = endpointsLabels(svc);
  const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
  if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = "truncated";
  else delete annotations[OVER_CAPACITY_ANNOTATION];
  if (current && canonicalSubsets(current.subsets) === canonicalSubsets(subsets) && sameMap(current.metadata?.labels, labels) && sameMap(current.metadata?.annotations, annotations)) {
    return undefined;
  }
  const meta = svc.metadata ?? {};
  if (!current) {
    const metadata: ObjectMeta = { name: meta.name ?? "", namespace: meta.namespace ?? "", labels, ...(truncated ? { annotations } : {}) };
    return { verb: "create", endpoints: { apiVersion: "v1", kind: "Endpoints", metadata, subsets } };
  }
  const next = structuredClone(current) as EndpointsBody;
  next.metadata = { ...next.metadata, labels, annotations };
  if (Object.keys(annotations).length === 0) delete next.metadata.annotations;
  next.subsets = subsets;
  return { verb: "update", endpoints: next };
}
