/** Rows for nodes, namespaces, services and endpoints. */
import type { KubeObject } from "@flotilla/api";
import { since } from "./duration.ts";
import { AGE_COL, col, formatLabels, joinHostPort, listWithMore, nameCol } from "./format.ts";
import type { ColumnDefinition } from "./types.ts";

interface NodeShape extends KubeObject {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type: string; status: string }[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

/** Columns of `kubectl get node` (wide ones at priority 1). */
export const NODE_COLUMNS: readonly ColumnDefinition[] = [
  nameCol(),
  col("Status", "string", "Ready, NotReady or Unknown, plus SchedulingDisabled when cordoned."),
  col("Roles", "string", "Roles from node-role.kubernetes.io/<role> labels."),
  AGE_COL,
  col("Version", "string", "The kubelet version the node reports."),
  col("Internal-IP", "string", "The node's first internal address.", true),
  col("External-IP", "string", "The node's first external address.", true),
  col("OS-Image", "string", "The operating system the node reports.", true),
  col("Kernel-Version", "string", "The kernel version the node reports.", true),
  col("Container-Runtime", "string", "The container runtime and version the node reports.", true),
];

const ROLE_PREFIX = "node-role.kubernetes.io/";
const ROLE_LABEL = "kubernetes.io/role";

function nodeRoles(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length) roles.add(k.slice(ROLE_PREFIX.length));
    else if (k === ROLE_LABEL && v !== "") roles.add(v);
  }
  return [...roles].sort().join(",") || "<none>";
}

/** Only the Ready condition counts; a node that never reported one is Unknown. */
function nodeStatus(node: NodeShape): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === "Ready");
  const status = [ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown"];
  if (node.spec?.unschedulable) status.push("SchedulingDisabled");
  return status.join(",");
}

function nodeAddress(node: NodeShape, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? "<none>";
}

/** Cells of one row, in the order of the matching columns. */
export function nodeRow(obj: KubeObject, now: Date): unknown[] {
  const node = obj as NodeShape;
  const info = node.status?.nodeInfo ?? {};
  return [
    node.metadata.name ?? "",
    nodeStatus(node),
    nodeRoles(node.metadata.labels),
    since(node.metadata.creationTimestamp, now),
    info.kubeletVersion ?? "",
    nodeAddress(node, "InternalIP"),
    nodeAddress(node, "ExternalIP"),
    info.osImage || "<unknown>",
    info.kernelVersion || "<unknown>",
    info.containerRuntimeVersion || "<unknown>",
  ];
}

/** Columns of `kubectl get namespace` (wide ones at priority 1). */
export const NAMESPACE_COLUMNS: readonly ColumnDefinition[] = [nameCol(), col("Status", "string", "Active, or Terminating while being deleted."), AGE_COL];

/** Cells of one row, in the order of the matching columns. */
export function namespaceRow(obj: KubeObject, now: Date): unknown[] {
  const phase = (obj.status as { phase?: string } | undefined)?.phase ?? "";
  return [obj.metadata.name ?? "", phase, since(obj.metadata.creationTimestamp, now)];
}

interface ServiceShape extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    ports?: { port: number; nodePort?: number; protocol?: string }[];
    selector?: Record<string, string>;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** Columns of `kubectl get service` (wide ones at priority 1). */
export const SERVICE_COLUMNS: readonly ColumnDefinition[] = [
  nameCol(),
  col("Type", "string", "ClusterIP, NodePort, LoadBalancer or ExternalName."),
  col("Cluster-IP", "string", "The virtual IP inside the cluster."),
  col("External-IP", "string", "Addresses reachable from outside the cluster."),
  col("Port(s)", "string", "port[:nodePort]/protocol for each port."),
  AGE_COL,
  col("Selector", "string", "Labels of the pods that back the service.", true),
];

function loadBalancerAddresses(svc: ServiceShape): string[] {
  const seen = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) seen.add(ing.ip);
    else if (ing.hostname) seen.add(ing.hostname);
  }
  return [...seen].sort();
}

/** The server always renders the wide form, so load-balancer addresses are not clipped. */
function externalIP(svc: ServiceShape, type: string): string {
  const external = svc.spec?.externalIPs ?? [];
  switch (type) {
    case "ClusterIP":
    case "NodePort":
      return external.length > 0 ? external.join(",") : "<none>";
    case "LoadBalancer": {
      const all = [...loadBalancerAddresses(svc), ...external];
      return all.length > 0 ? all.join(",") : "<pending>";
    }
    case "ExternalName":
      return svc.spec?.externalName ?? "";
    default:
      return "<unknown>";
  }
}

function portsText(svc: ServiceShape): string {
  const text = (svc.spec?.ports ?? [])
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? "TCP"}` : `${p.port}/${p.protocol ?? "TCP"}`))
    .join(",");
  return text || "<none>";
}

/** Cells of one row, in the order of the matching columns. */
export function serviceRow(obj: KubeObject, now: Date): unknown[] {
  const svc = obj as ServiceShape;
  // The API defaults type to ClusterIP and clusterIPs from clusterIP; assume the same here.
  const type = svc.spec?.type || "ClusterIP";
  const clusterIP = svc.spec?.clusterIPs?.[0] || svc.spec?.clusterIP || "<none>";
  return [svc.metadata.name ?? "", type, clusterIP, externalIP(svc, type), portsText(svc), since(svc.metadata.creationTimestamp, now), formatLabels(svc.spec?.selector)];
}

interface EndpointsShape extends KubeObject {
  subsets?: { addresses?: { ip: string }[]; ports?: { port: number }[] }[];
}

/** Columns of `kubectl get endpoints` (wide ones at priority 1). */
export const ENDPOINTS_COLUMNS: readonly ColumnDefinition[] = [nameCol(), col("Endpoints", "string", "Up to three ready addresses (ip:port)."), AGE_COL];

const MAX_LISTED = 3;

function endpointsText(ep: EndpointsShape): string {
  if (!ep.subsets || ep.subsets.length === 0) return "<none>";
  const list: string[] = [];
  let total = 0;
  for (const ss of ep.subsets) {
    const addresses = ss.addresses ?? [];
    // Headless services may have addresses without ports.
    const ports = ss.ports && ss.ports.length > 0 ? ss.ports.map((p) => String(p.port)) : [undefined];
    for (const port of ports) {
      total += addresses.length;
      for (const a of addresses) if (list.length < MAX_LISTED) list.push(port === undefined ? a.ip : joinHostPort(a.ip, port));
    }
  }
  return listWithMore(list, total, MAX_LISTED, "");
}

/** Cells of one row, in the order of the matching columns. */
export function endpointsRow(obj: KubeObject, now: Date): unknown[] {
  return [obj.metadata.name ?? "", endpointsText(obj as EndpointsShape), since(obj.metadata.creationTimestamp, now)];
}
