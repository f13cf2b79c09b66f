/**
 * Server-side Tables: `kubectl get` asks for `application/json;as=Table;v=v1;g=meta.k8s.io`
 * and prints whatever columns the server describes. Each resource of the registry has
 * the columns Kubernetes prints for it; anything else gets NAME and AGE. Rows always
 * carry every cell, wide ones included: kubectl hides `priority > 0` columns itself
 * unless `-o wide`.
 */
import type { KubeObject } from "@flotilla/api";
import { configMapRow, CONFIGMAP_COLUMNS, endpointSliceRow, ENDPOINTSLICE_COLUMNS, eventRow, EVENT_COLUMNS, leaseRow, LEASE_COLUMNS, runtimeClassRow, RUNTIMECLASS_COLUMNS, secretRow, SECRET_COLUMNS, serviceAccountRow, SERVICEACCOUNT_COLUMNS } from "./misc.ts";
import { endpointsRow, ENDPOINTS_COLUMNS, namespaceRow, NAMESPACE_COLUMNS, nodeRow, NODE_COLUMNS, serviceRow, SERVICE_COLUMNS } from "./core.ts";
import { since } from "./duration.ts";
import { AGE_COL, nameCol } from "./format.ts";
import { podRow, podRowConditions, POD_COLUMNS } from "./pods.ts";
import type { ColumnDefinition, IncludeObject, PartialObjectMetadata, Table, TableRow, TableRowCondition } from "./types.ts";
import { controllerRevisionRow, CONTROLLERREVISION_COLUMNS, daemonSetRow, DAEMONSET_COLUMNS, deploymentRow, DEPLOYMENT_COLUMNS, jobRow, JOB_COLUMNS, replicaSetRow, REPLICASET_COLUMNS } from "./workloads.ts";

interface Printer {
  readonly columns: readonly ColumnDefinition[];
  readonly row: (obj: KubeObject, now: Date) => unknown[];
  readonly conditions?: (obj: KubeObject) => TableRowCondition[] | undefined;
}

const DEFAULT_PRINTER: Printer = {
  columns: [nameCol(), AGE_COL],
  row: (obj, now) => [obj.metadata.name ?? "", since(obj.metadata.creationTimestamp, now)],
};

/** Keyed by plural resource name, as in the registry. */
const PRINTERS: ReadonlyMap<string, Printer> = new Map<string, Printer>([
  ["pods", { columns: POD_COLUMNS, row: podRow, conditions: podRowConditions }],
  ["nodes", { columns: NODE_COLUMNS, row: nodeRow }],
  ["namespaces", { columns: NAMESPACE_COLUMNS, row: namespaceRow }],
  ["services", { columns: SERVICE_COLUMNS, row: serviceRow }],
  ["endpoints", { columns: ENDPOINTS_COLUMNS, row: endpointsRow }],
  ["events", { columns: EVENT_COLUMNS, row: eventRow }],
  ["serviceaccounts", { columns: SERVICEACCOUNT_COLUMNS, row: serviceAccountRow }],
  ["secrets", { columns: SECRET_COLUMNS, row: secretRow }],
  ["configmaps", { columns: CONFIGMAP_COLUMNS, row: configMapRow }],
  ["deployments", { columns: DEPLOYMENT_COLUMNS, row: deploymentRow }],
  ["replicasets", { columns: REPLICASET_COLUMNS, row: replicaSetRow }],
  ["daemonsets", { columns: DAEMONSET_COLUMNS, row: daemonSetRow }],
  ["controllerrevisions", { columns: CONTROLLERREVISION_COLUMNS, row: controllerRevisionRow }],
  ["jobs", { columns: JOB_COLUMNS, row: jobRow }],
  ["leases", { columns: LEASE_COLUMNS, row: leaseRow }],
  ["endpointslices", { columns: ENDPOINTSLICE_COLUMNS, row: endpointSliceRow }],
  ["runtimeclasses", { columns: RUNTIMECLASS_COLUMNS, row: runtimeClassRow }],
]);

/** Accepts "deployments" or "deployments.apps" (the group suffix is ignored). */
function printerFor(resource: string): Printer {
  return PRINTERS.get(resource.split(".")[0]!) ?? DEFAULT_PRINTER;
}

/**
 * The column definitions for a resource (plural name, e.g. "pods"); NAME and AGE
 * for resources without their own printer. Returns fresh copies the caller may keep.
 */
export function tableColumns(resource: string): ColumnDefinition[] {
  return printerFor(resource).columns.map((c) => ({ ...c }));
}

/** The cells of one object's row, one per column of tableColumns(resource). */
export function tableRow(resource: string, obj: KubeObject, now: Date): unknown[] {
  return printerFor(resource).row(obj, now);
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === "Object") return obj;
  // managedFields are often half an object's size and no table prints them: leave them out.
  const { managedFields: _managed, ...metadata } = obj.metadata;
  const partial: PartialObjectMetadata = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata };
  return partial;
}

/** Input of buildTable. */
export interface BuildTableOptions {
  /** Plural resource name, e.g. "pods" or "deployments". */
  resource: string;
  objects: readonly KubeObject[];
  /** The time AGE and other durations are measured against. */
  now: Date;
  /** The list's resourceVersion, copied into the table's metadata. */
  resourceVersion: string;
  /** Continue token of a paginated list, when there are more items. */
  continue?: string;
  /**
   * What each row embeds as `object`: PartialObjectMetadata (which kubectl needs for
   * the NAMESPACE column of `-A`), the whole object, or nothing.
   * @default "Metadata"
   */
  includeObject?: IncludeObject;
  /**
   * Leave out the column definitions, as for every event after the first of a
   * `get --watch` stream (kubectl printed the header already).
   * @default false
   */
  noHeaders?: boolean;
}

/** A meta.k8s.io/v1 Table of the objects, with columns even when there are no rows. */
export function buildTable(options: BuildTableOptions): Table {
  const printer = printerFor(options.resource);
  const include = options.includeObject ?? "Metadata";
  const rows = options.objects.map((obj): TableRow => {
    const row: TableRow = { cells: printer.row(obj, options.now) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    if (include !== "None") row.object = rowObject(obj, include);
    return row;
  });
  const metadata: Table["metadata"] = { resourceVersion: options.resourceVersion };
  if (options.continue) metadata.continue = options.continue;
  const columnDefinitions = options.noHeaders ? [] : tableColumns(options.resource);
  return { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata, columnDefinitions, rows };
}
