/** Rows for events, service accounts, secrets, config maps, leases, endpoint slices and runtime classes. */
import type { KubeObject } from "@flotilla/api";
import { since } from "./duration.ts";
import { AGE_COL, col, listWithMore, nameCol } from "./format.ts";
import type { ColumnDefinition } from "./types.ts";

interface EventShape extends KubeObject {
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  count?: number;
  series?: { count?: number; lastObservedTime?: string };
}

/** Columns of `kubectl get event` (wide ones at priority 1). */
export const EVENT_COLUMNS: readonly ColumnDefinition[] = [
  col("Last Seen", "string", "Time since the event was last observed."),
  col("Type", "string", "Normal or Warning."),
  col("Reason", "string", "Short machine-readable cause."),
  col("Object", "string", "kind/name of the object the event is about."),
  col("Subobject", "string", "Part of the object, such as a container.", true),
  col("Source", "string", "Component (and host) that reported the event.", true),
  col("Message", "string", "Human-readable description."),
  col("First Seen", "string", "Time since the event was first observed.", true),
  col("Count", "string", "How many times the event occurred.", true),
  nameCol(true),
];

function eventSource(ev: EventShape): string {
  const component = ev.source?.component || ev.reportingComponent || "";
  const instance = ev.source?.host || ev.reportingInstance || "";
  return instance ? `${component}, ${instance}` : component;
}

/** Cells of one row, in the order of the matching columns. */
export function eventRow(obj: KubeObject, now: Date): unknown[] {
  const ev = obj as EventShape;
  const first = ev.firstTimestamp ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
  let last = ev.lastTimestamp ? since(ev.lastTimestamp, now) : first;
  // Singleton events of the events.k8s.io API carry no count.
  let count = ev.count || 1;
  if (ev.series) {
    last = since(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  }
  const kind = (ev.involvedObject?.kind ?? "").toLowerCase();
  const target = ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
  return [last, ev.type ?? "", ev.reason ?? "", target, ev.involvedObject?.fieldPath ?? "", eventSource(ev), (ev.message ?? "").trim(), first, count, ev.metadata.name ?? ""];
}

/** Columns of `kubectl get serviceaccounts` (wide ones at priority 1). */
export const SERVICEACCOUNT_COLUMNS: readonly ColumnDefinition[] = [nameCol(), col("Secrets", "string", "Number of secrets listed by the service account."), AGE_COL];

/** Cells of one row, in the order of the matching columns. */
export function serviceAccountRow(obj: KubeObject, now: Date): unknown[] {
  const secrets = Array.isArray(obj.secrets) ? obj.secrets.length : 0;
  return [obj.metadata.name ?? "", secrets, since(obj.metadata.creationTimestamp, now)];
}

/** Columns of `kubectl get secret` (wide ones at priority 1). */
export const SECRET_COLUMNS: readonly ColumnDefinition[] = [nameCol(), col("Type", "string", "The secret's type, e.g. Opaque."), col("Data", "string", "Number of data keys."), AGE_COL];

function keyCount(v: unknown): number {
  return v && typeof v === "object" ? Object.keys(v).length : 0;
}

/** Cells of one row, in the order of the matching columns. */
export function secretRow(obj: KubeObject, now: Date): unknown[] {
  return [obj.metadata.name ?? "", typeof obj.type === "string" ? obj.type : "", keyCount(obj.data), since(obj.metadata.creationTimestamp, now)];
}

/** Columns of `kubectl get configmaps` (wide ones at priority 1). */
export const CONFIGMAP_COLUMNS: readonly ColumnDefinition[] = [nameCol(), col("Data", "string", "Number of data and binaryData keys."), AGE_COL];

/** Cells of one row, in the order of the matching columns. */
export function configMapRow(obj: KubeObject, now: Date): unknown[] {
  return [obj.metadata.name ?? "", keyCount(obj.data) + keyCount(obj.binaryData), since(obj.metadata.creationTimestamp, now)];
}

/** Columns of `kubectl get lease` (wide ones at priority 1). */
export const LEASE_COLUMNS: readonly ColumnDefinition[] = [nameCol(), col("Holder", "string", "Identity of the current holder."), AGE_COL];

/** Cells of one row, in the order of the matching columns. */
export function leaseRow(obj: KubeObject, now: Date): unknown[] {
  const holder = (obj.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? "";
  return [obj.metadata.name ?? "", holder, since(obj.metadata.creationTimestamp, now)];
}

interface EndpointSliceShape extends KubeObject {
  addressType?: string;
  ports?: { port?: number; name?: string }[] | null;
  endpoints?: { addresses?: string[] }[] | null;
}

/** Columns of `kubectl get endpointslice` (wide ones at priority 1). */
export const ENDPOINTSLICE_COLUMNS: readonly ColumnDefinition[] = [
  nameCol(),
  col("AddressType", "string", "IPv4, IPv6 or FQDN."),
  col("Ports", "string", "Up to three port numbers (or names)."),
  col("Endpoints", "string", "Up to three endpoint addresses."),
  AGE_COL,
];

/** Cells of one row, in the order of the matching columns. */
export function endpointSliceRow(obj: KubeObject, now: Date): unknown[] {
  const slice = obj as EndpointSliceShape;
  const ports = (slice.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? "*")));
  const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return [
    slice.metadata.name ?? "",
    slice.addressType ?? "",
    listWithMore(ports, ports.length, 3, "<unset>"),
    listWithMore(addresses, addresses.length, 3, "<unset>"),
    since(slice.metadata.creationTimestamp, now),
  ];
}

/** Columns of `kubectl get runtimeclass` (wide ones at priority 1). */
export const RUNTIMECLASS_COLUMNS: readonly ColumnDefinition[] = [nameCol(), col("Handler", "string", "The CRI handler that runs pods of this class."), AGE_COL];

/** Cells of one row, in the order of the matching columns. */
export function runtimeClassRow(obj: KubeObject, now: Date): unknown[] {
  return [obj.metadata.name ?? "", typeof obj.handler === "string" ? obj.handler : "", since(obj.metadata.creationTimestamp, now)];
}
