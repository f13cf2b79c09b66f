/**
 * The pod-side rules the Endpoints and EndpointSlice decisions share: which services
 * select a pod, whether a pod is published at all, which of its IPs and ports a service
 * port reaches, and whether a pod change can alter a service's endpoints.
 *
 * Kubernetes semantics: ShouldPodBeInEndpoints, ShouldSetHostname, podEndpointsChanged
 * (k8s.io/endpointslice/util) and FindPort (pkg/api/v1/pod). All functions are pure;
 * inputs come from shared informer caches and are never modified.
 */
import type { PodObject, ServiceObject } from "@flotilla/api";
import { isPodReady } from "../replicaset/pods.ts";

type ServicePort = NonNullable<NonNullable<ServiceObject["spec"]>["ports"]>[number];

/** Address families of EndpointSlices (discovery.k8s.io AddressType), as Service ipFamilies name them. */
export const AddressType = { IPv4: "IPv4", IPv6: "IPv6" } as const;
export type AddressType = (typeof AddressType)[keyof typeof AddressType];

/**
 * The service's selector, or undefined when it has none. An empty map counts as none:
 * the API drops empty maps when it stores an object, so `selector: {}` reads back as
 * absent in Kubernetes too, and selecting every pod of the namespace by accident would
 * be the worse failure.
 */
export function serviceSelector(svc: ServiceObject): Readonly<Record<string, string>> | undefined {
  const sel = svc.spec?.selector;
  return sel && Object.keys(sel).length > 0 ? sel : undefined;
}

/**
 * Whether this controller writes the service's Endpoints and slices: it must have a
 * selector (without one, the user publishes the endpoints) and not be an ExternalName
 * alias, which has no endpoints by definition.
 */
export function managesEndpoints(svc: ServiceObject): boolean {
  return svc.spec?.type !== "ExternalName" && serviceSelector(svc) !== undefined;
}

/** Whether every key=value of the selector is among the pod's labels (Service selectors are equality-only). */
export function selectsPod(selector: Readonly<Record<string, string>>, pod: PodObject): boolean {
  const labels = pod.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** Succeeded or Failed: the pod will never serve again. */
export function isPodTerminal(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** The pod's IPs, primary first; `podIP` alone when an older writer left `podIPs` out. */
export function podIPsOf(pod: PodObject): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip) => ip !== "");
  if (ips.length > 0) return ips;
  const ip = pod.status?.podIP;
  return ip ? [ip] : [];
}

/** Whether an IP (already valid) is IPv6: only IPv6 literals contain a colon. */
export function isIPv6(ip: string): boolean {
  return ip.includes(":");
}

/**
 * Whether the pod appears in a service's endpoints at all: it has an IP, is not
 * terminal, and, unless `includeTerminating`, is not being deleted. Readiness decides
 * only where it appears (ready or not), not whether.
 */
export function shouldPodBeInEndpoints(pod: PodObject, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (podIPsOf(pod).length === 0) return false;
  return includeTerminating || pod.metadata?.deletionTimestamp === undefined;
}

/** A pod names itself in the service's DNS (hostname.subdomain) only when its subdomain is that service. */
export function shouldSetHostname(pod: PodObject, svc: ServiceObject): boolean {
  const hostname = pod.spec?.hostname ?? "";
  return hostname !== "" && pod.spec?.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace;
}

/**
 * The pod port a service port forwards to: a number as is, or a name looked up among
 * the pod's container ports of the same protocol (regular containers, then sidecars:
 * init containers that keep running). Undefined when the pod has no such named port;
 * the pod is then left out of that port's endpoints.
 */
export function findPort(pod: PodObject, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target === 0 ? port.port : target;
  if (target === "") return port.port;
  const protocol = port.protocol ?? "TCP";
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** The address families the service publishes, in its own order. */
export function addressTypesOf(svc: ServiceObject): AddressType[] {
  const families = (svc.spec?.ipFamilies ?? []).filter((f): f is AddressType => f === "IPv4" || f === "IPv6");
  if (families.length > 0) return [...new Set(families)];
  const clusterIP = svc.spec?.clusterIP ?? "";
  if (clusterIP !== "" && clusterIP !== "None") return [isIPv6(clusterIP) ? "IPv6" : "IPv4"];
  // A headless service whose families were never defaulted: publish both rather than
  // drop the family its pods actually use.
  return ["IPv4", "IPv6"];
}

/** Set on the Endpoints and slices of a service without a cluster IP. */
export const HEADLESS_LABEL = "service.kubernetes.io/headless";

/** Whether the service has a virtual IP; one without is headless and labelled so. */
export function isHeadless(svc: ServiceObject): boolean {
  const ip = svc.spec?.clusterIP ?? "";
  return ip === "" || ip === "None";
}

function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ea = Object.entries(a ?? {});
  if (ea.length !== Object.keys(b ?? {}).length) return false;
  return ea.every(([k, v]) => b?.[k] === v);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/**
 * What a pod update means for services. `endpoints`: the services that select it must be
 * recomputed (deletion started, readiness, IPs, node or terminal phase changed).
 * `membership`: the set of services selecting it may have changed (labels, or the
 * hostname/subdomain a service publishes), so the services that selected the old pod
 * must be recomputed too. Anything else (annotations, container statuses, conditions
 * other than Ready) cannot change an endpoint.
 */
export function podEndpointsChanged(old: PodObject, cur: PodObject): { endpoints: boolean; membership: boolean } {
  const membership = !sameLabels(old.metadata?.labels, cur.metadata?.labels) || old.spec?.hostname !== cur.spec?.hostname || old.spec?.subdomain !== cur.spec?.subdomain;
  const endpoints =
    old.metadata?.deletionTimestamp !== cur.metadata?.deletionTimestamp ||
    isPodReady(old) !== isPodReady(cur) ||
    !sameStrings(podIPsOf(old), podIPsOf(cur)) ||
    old.spec?.nodeName !== cur.spec?.nodeName ||
    isPodTerminal(old) !== isPodTerminal(cur);
  return { endpoints, membership };
}

/**
 * The services (of the pod's namespace) to resync after a pod changed from `old` to
 * `cur`: for an add or delete (one side undefined), those selecting the pod; for an
 * update that matters, those selecting the new pod, plus those that selected the old
 * one if its membership may have changed.
 */
export function servicesToSync(old: PodObject | undefined, cur: PodObject | undefined, services: Iterable<ServiceObject>): ServiceObject[] {
  let oldToCheck = old;
  if (old && cur) {
    const change = podEndpointsChanged(old, cur);
    if (!change.endpoints && !change.membership) return [];
    if (!change.membership) oldToCheck = undefined;
  }
  const out: ServiceObject[] = [];
  for (const svc of services) {
    const sel = serviceSelector(svc);
    if (!sel) continue;
    if ((cur && selectsPod(sel, cur)) || (oldToCheck && selectsPod(sel, oldToCheck))) out.push(svc);
  }
  return out;
}
