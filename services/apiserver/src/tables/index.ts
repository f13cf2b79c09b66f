/**
 * Server-side Tables for `kubectl get`: the columns Kubernetes prints for each
 * built-in resource, and the Table object kubectl expects.
 */
export { buildTable, tableColumns, tableRow } from "./printers.ts";
export type { BuildTableOptions } from "./printers.ts";
export { humanDuration } from "./duration.ts";
export type { ColumnDefinition, IncludeObject, PartialObjectMetadata, Table, TableRow, TableRowCondition } from "./types.ts";
export { selectorString, formatLabelSelector } from "./format.ts";
