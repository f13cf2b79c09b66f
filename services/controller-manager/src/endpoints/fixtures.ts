/**
 * Builders for the endpoints controller's unit tests: a service `web` in `default` and
 * the pods it could select, frozen the way a shared cache's objects must be treated.
 * Only tests import this file.
 */
import type { EndpointSliceObject, PodObject, ServiceObject } from "@flotilla/api";
import { newSlice, type SliceEndpoint } from "./slice-endpoints.ts";

export const SERVICE_UID = "uid-web";

/** Inputs come from a shared read-only cache: freezing them makes any mutation throw. */
export function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

type ServiceSpec = NonNullable<ServiceObject["spec"]>;

/** Service `web` selecting app=web, port 80 → 8080, as the apiserver stores it (defaults and a cluster IP). */
export function service(spec: Partial<ServiceSpec> = {}, meta: { labels?: Record<string, string>; uid?: string; deleting?: boolean } = {}): ServiceObject {
  return deepFreeze({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "default", uid: meta.uid ?? SERVICE_UID, ...(meta.labels ? { labels: meta.labels } : {}), ...(meta.deleting ? { deletionTimestamp: "2026-11-22T01:00:00Z" } : {}) },
    spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }], clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], ipFamilies: ["IPv4"], type: "ClusterIP", ...spec },
  });
}

export interface PodOpts {
  ip?: string | string[] | null;
  ready?: boolean;
  node?: string;
  phase?: string;
  deleting?: boolean;
  labels?: Record<string, string>;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  hostname?: string;
  subdomain?: string;
}

/** A running pod `name` of app=web on node-1, ready, with IP 10.0.0.<n> taken from its name's digits. */
export function pod(name: string, o: PodOpts = {}): PodObject {
  const n = Number(name.replace(/\D/g, "") || "1");
  const ips = o.ip === null ? [] : typeof o.ip === "string" ? [o.ip] : (o.ip ?? [`10.0.0.${n}`]);
  return deepFreeze({
    metadata: { name, namespace: "default", uid: `uid-${name}`, labels: o.labels ?? { app: "web" }, ...(o.deleting ? { deletionTimestamp: "2026-11-22T01:00:00Z" } : {}) },
    spec: {
      nodeName: o.node ?? "node-1",
      containers: [{ name: "app", image: "nginx", ...(o.ports ? { ports: o.ports } : {}) }],
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
    },
    status: {
      phase: o.phase ?? "Running",
      ...(ips[0] ? { podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) } : {}),
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  });
}

/** An endpoint as the controller writes it for a ready, running pod of `pod()`. */
export function endpoint(name: string, o: { ready?: boolean; serving?: boolean; terminating?: boolean; ip?: string } = {}): SliceEndpoint {
  const n = Number(name.replace(/\D/g, "") || "1");
  const serving = o.serving ?? o.ready ?? true;
  return {
    addresses: [o.ip ?? `10.0.0.${n}`],
    conditions: { ready: o.ready ?? true, serving, terminating: o.terminating ?? false },
    targetRef: { kind: "Pod", namespace: "default", name, uid: `uid-${name}` },
    nodeName: "node-1",
  };
}

const PORTS_8080 = [{ name: "", port: 8080, protocol: "TCP" }];

/** A stored slice of `web` (named, versioned) holding these endpoints. */
export function slice(name: string, endpoints: SliceEndpoint[], o: { ports?: { name?: string; port?: number; protocol?: string }[]; uid?: string; labels?: Record<string, string>; addressType?: "IPv4" | "IPv6" } = {}): EndpointSliceObject {
  const s = newSlice(service({}, { uid: o.uid ?? SERVICE_UID }), o.addressType ?? "IPv4", o.ports ?? PORTS_8080, endpoints);
  const { generateName: _g, ...meta } = s.metadata;
  return deepFreeze({ ...s, metadata: { ...meta, name, uid: `uid-${name}`, resourceVersion: "7", ...(o.labels ? { labels: o.labels } : {}) } });
}

/** Names of the pods behind a list of endpoints. */
export const podNames = (eps: readonly SliceEndpoint[]): string[] => eps.map((e) => e.targetRef?.name ?? "");
