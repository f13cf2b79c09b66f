/**
 * The pieces of an EndpointSlice: one pod as an endpoint, the ports a pod serves, the
 * labels and owner every managed slice carries, and the keys that say when two
 * endpoints are the same backend (same addresses, same pod) or differ in substance.
 *
 * Kubernetes semantics: podToEndpoint, getEndpointPorts, newEndpointSlice,
 * setEndpointSliceLabels and the endpoint hash (k8s.io/endpointslice). Pure functions.
 */
import type { EndpointSliceObject, ObjectMeta, OwnerReference, PodObject, ServiceObject } from "@flotilla/api";
import { isPodReady } from "../replicaset/pods.ts";
import { findPort, HEADLESS_LABEL, isHeadless, isIPv6, podIPsOf, shouldSetHostname, type AddressType } from "./pod-endpoints.ts";

export type SliceEndpoint = EndpointSliceObject["endpoints"][number];
export type SlicePort = NonNullable<EndpointSliceObject["ports"]>[number];
/** A slice as written: metadata always present. */
export type SliceBody = EndpointSliceObject & { metadata: ObjectMeta };

/** Names the service a slice belongs to. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
/** Names the controller that writes a slice; slices of other writers are never touched. */
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
/** This controller's value of MANAGED_BY_LABEL, as Kubernetes' own EndpointSlice controller. */
export const CONTROLLER_NAME = "endpointslice-controller.k8s.io";
/** Node label whose value becomes an endpoint's zone. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";

const RESERVED_LABELS: ReadonlySet<string> = new Set([SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL]);

/**
 * The endpoint for a pod in a slice of `addressType`: its addresses of that family and
 * its conditions. `serving` is the pod's readiness; `ready` is serving and not
 * terminating (or always, when the service publishes not-ready addresses); `terminating`
 * is whether deletion has begun. No addresses of that family: the pod is not in such slices.
 * A node whose zone is unknown (not in the cache, or unlabelled) gives no zone; unlike
 * Kubernetes, the pod is not held back for it, since readers route by readiness, not zone.
 */
export function podToEndpoint(svc: ServiceObject, pod: PodObject, addressType: AddressType, zoneOf: (node: string) => string | undefined): SliceEndpoint {
  const serving = isPodReady(pod);
  const terminating = pod.metadata?.deletionTimestamp !== undefined;
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const m = pod.metadata ?? {};
  const nodeName = pod.spec?.nodeName ?? "";
  const zone = nodeName ? zoneOf(nodeName) : undefined;
  return {
    addresses: podIPsOf(pod).filter((ip) => isIPv6(ip) === (addressType === "IPv6")),
    conditions: { ready, serving, terminating },
    ...(shouldSetHostname(pod, svc) ? { hostname: pod.spec?.hostname ?? "" } : {}),
    targetRef: { kind: "Pod", namespace: m.namespace ?? "", name: m.name ?? "", uid: m.uid ?? "" },
    ...(nodeName ? { nodeName } : {}),
    ...(zone ? { zone } : {}),
  };
}

/** The ports the pod serves for the service, in the service's order; service ports the pod cannot resolve are left out. */
export function endpointPorts(svc: ServiceObject, pod: PodObject): SlicePort[] {
  const out: SlicePort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? "", port, protocol: sp.protocol ?? "TCP", ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

/** Equal for two port lists exactly when they are the same set of ports (order and omitted defaults aside). */
export function portsKey(ports: readonly SlicePort[] | undefined): string {
  return JSON.stringify((ports ?? []).map((p) => JSON.stringify([p.name ?? "", p.port ?? 0, p.protocol ?? "TCP", p.appProtocol ?? ""])).sort());
}

/**
 * Which backend an endpoint is: its addresses, hostname and pod. Conditions, node and
 * zone are left out on purpose, so a pod turning unready is the same endpoint changed
 * in place (one slice update), not one removed and another added.
 */
export function endpointKey(ep: SliceEndpoint): string {
  return JSON.stringify([[...(ep.addresses ?? [])].sort(), ep.hostname ?? "", ep.targetRef?.namespace ?? "", ep.targetRef?.name ?? ""]);
}

/**
 * Everything of an endpoint this controller decides; two endpoints with equal content
 * need no write. Topology hints are not ours to decide and are left out.
 */
export function endpointContent(ep: SliceEndpoint): string {
  const c = ep.conditions ?? {};
  const r = ep.targetRef;
  return JSON.stringify([endpointKey(ep), c.ready ?? null, c.serving ?? null, c.terminating ?? null, ep.nodeName ?? "", ep.zone ?? "", r?.kind ?? "", r?.uid ?? ""]);
}

/**
 * The labels of the service's slices: the service's own labels (less the reserved
 * ones, which only this controller sets), the headless marker, the service name and
 * this controller's name.
 */
export function sliceLabels(svc: ServiceObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) if (!RESERVED_LABELS.has(k)) labels[k] = v;
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = "";
  labels[SERVICE_NAME_LABEL] = svc.metadata?.name ?? "";
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

/** The controller reference a slice carries to its service, so deleting the service collects it. */
export function serviceOwnerRef(svc: ServiceObject): OwnerReference {
  return { apiVersion: "v1", kind: "Service", name: svc.metadata?.name ?? "", uid: svc.metadata?.uid ?? "", controller: true, blockOwnerDeletion: true };
}

/** Whether the slice belongs to this very service, not to an earlier one of the same name. */
export function ownedBy(slice: EndpointSliceObject, svc: ServiceObject): boolean {
  const uid = svc.metadata?.uid;
  return (slice.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.kind === "Service" && r.apiVersion === "v1");
}

/** A new slice of the service, named by the apiserver (`<service>-<suffix>`). */
export function newSlice(svc: ServiceObject, addressType: AddressType, ports: SlicePort[], endpoints: SliceEndpoint[]): SliceBody {
  const m = svc.metadata ?? {};
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { generateName: `${m.name ?? ""}-`, namespace: m.namespace ?? "", labels: sliceLabels(svc), ownerReferences: [serviceOwnerRef(svc)] },
    addressType,
    endpoints,
    ports,
  };
}

/** Whether two label maps hold the same pairs (absent and empty are the same). */
export function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ea = Object.entries(a ?? {});
  return ea.length === Object.keys(b ?? {}).length && ea.every(([k, v]) => b?.[k] === v);
}

/**
 * Whether `slice` is exactly the empty placeholder the service would get now: no
 * endpoints, no ports, the current labels and only this service as owner. Then there is
 * no point replacing it with an equal one.
 */
export function isPlaceholderFor(slice: EndpointSliceObject, svc: ServiceObject, addressType: AddressType): boolean {
  const refs = slice.metadata?.ownerReferences ?? [];
  const want = serviceOwnerRef(svc);
  const ref = refs[0];
  const ownerOk = refs.length === 1 && ref !== undefined && ref.apiVersion === want.apiVersion && ref.kind === want.kind && ref.name === want.name && ref.uid === want.uid && ref.controller === true && ref.blockOwnerDeletion === true;
  return slice.addressType === addressType && slice.endpoints.length === 0 && (slice.ports ?? []).length === 0 && ownerOk && sameLabels(slice.metadata?.labels, sliceLabels(svc));
}
