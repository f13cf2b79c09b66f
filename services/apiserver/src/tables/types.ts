/** meta.k8s.io/v1 Table shapes, as kubectl reads them from `get`. */
import type { ListMeta, ObjectMeta } from "@flotilla/api";

/** One column; kubectl shows `priority > 0` columns only with `-o wide`. */
export interface ColumnDefinition {
  /** Header text; kubectl upper-cases it. */
  name: string;
  /** OpenAPI type of the cells: "string", "integer", "number" or "boolean". */
  type: "string" | "integer" | "number" | "boolean";
  /** "name" marks the column holding the object's name (kubectl adds NAMESPACE before it under -A). */
  format: "" | "name";
  description: string;
  priority: number;
}

/** A row condition; kubectl uses Completed to recognise finished pods. */
export interface TableRowCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
}

/** meta/v1 PartialObjectMetadata: what `includeObject=Metadata` embeds per row. */
export interface PartialObjectMetadata {
  kind: "PartialObjectMetadata";
  apiVersion: "meta.k8s.io/v1";
  metadata: ObjectMeta;
}

/** One row: cells in column order, and the object it describes. */
export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  /** Absent with includeObject=None. */
  object?: unknown;
}

/** meta.k8s.io/v1 Table, the reply to `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. */
export interface Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: ListMeta;
  columnDefinitions: ColumnDefinition[];
  rows: TableRow[];
}

/** The `includeObject` query parameter of a Table request. @default "Metadata" */
export type IncludeObject = "None" | "Metadata" | "Object";
