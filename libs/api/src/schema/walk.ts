/**
 * The careful decoder: walks a value against its schema when the compiled check
 * failed, the way Go's JSON decoder would read it into the typed struct. It drops
 * nulls and unknown fields (recording the latter), turns numeric quantities into
 * strings, and records type errors in Go's wording
 * (`json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`).
 */
import { Kind } from "@sinclair/typebox";
import type { TSchema } from "@sinclair/typebox";
import { CustomKind, isBase64, isTime } from "./build.ts";
import { QUANTITY_FORMAT_ERROR, isQuantity } from "./quantity.ts";

/** A value Go could not decode into the field's type. */
export interface TypeIssue {
  /** Field path with indices, e.g. `spec.template.spec.containers[0].image`. */
  field: string;
  /** Go's message, e.g. `json: cannot unmarshal number into Go struct field ...`. */
  message: string;
}

export interface WalkResult {
  value: unknown;
  /** Paths of fields the schema does not know, in document order. */
  unknown: string[];
  typeIssues: TypeIssue[];
}

interface Loc {
  /** Kubernetes-style path with indices. */
  path: string;
  /** Go's field stack: JSON names joined by dots, without indices or keys. */
  stack: string;
  /** Go name of the innermost struct, e.g. DeploymentSpec. */
  struct: string;
}

interface State {
  unknown: string[];
  typeIssues: TypeIssue[];
}

type Schema = TSchema & Record<string, unknown>;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Walk `value` as an instance of `schema` (a top-level object schema). */
export function walkObject(schema: TSchema, value: unknown): WalkResult {
  const st: State = { unknown: [], typeIssues: [] };
  const root = goName(schema as Schema);
  const out = walk(schema as Schema, value, { path: "", stack: "", struct: root }, st);
  return { value: out, unknown: st.unknown, typeIssues: st.typeIssues };
}

/** The Go type name of a named schema: `io.k8s.api.apps.v1.DeploymentSpec` → `DeploymentSpec`. */
function goName(schema: Schema): string {
  const id = typeof schema.$id === "string" ? schema.$id : "";
  return id.slice(id.lastIndexOf(".") + 1);
}

/** The Go type as printed in errors: int32, []v1.Container, map[string]string, v1.PodSpec. */
function goType(schema: Schema): string {
  switch (schema[Kind]) {
    case "String":
      return "string";
    case "Boolean":
      return "bool";
    case "Number":
      return "float64";
    case "Integer":
      return schema.format === "int32" ? "int32" : "int64";
    case "Array":
      return `[]${goType(schema.items as Schema)}`;
    case "Record":
      return `map[string]${goType(recordValue(schema))}`;
    case CustomKind.Bytes:
      return "[]uint8";
    default: {
      const id = typeof schema.$id === "string" ? schema.$id.split(".") : [];
      return id.length >= 2 ? `${id[id.length - 2]}.${id[id.length - 1]}` : "interface {}";
    }
  }
}

function recordValue(schema: Schema): Schema {
  const pp = schema.patternProperties as Record<string, Schema>;
  return Object.values(pp)[0]!;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return "number";
  return typeof v === "string" ? "string" : "object";
}

function mismatch(st: State, loc: Loc, value: unknown, type: string, exact = false): undefined {
  const what = exact && typeof value === "number" ? `number ${String(value)}` : jsonKind(value);
  const into = loc.stack ? `Go struct field ${loc.struct}.${loc.stack}` : "Go value";
  st.typeIssues.push({ field: loc.path, message: `json: cannot unmarshal ${what} into ${into} of type ${type}` });
  return undefined;
}

function issue(st: State, loc: Loc, message: string): undefined {
  st.typeIssues.push({ field: loc.path, message });
  return undefined;
}

function walk(schema: Schema, value: unknown, loc: Loc, st: State): unknown {
  if (value === null || value === undefined) return undefined;
  switch (schema[Kind]) {
    case "Object":
      return walkStruct(schema, value, loc, st);
    case "Record":
      return walkMap(schema, value, loc, st);
    case "Array":
      return walkArray(schema, value, loc, st);
    default:
      return walkScalar(schema, value, loc, st);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function walkStruct(schema: Schema, value: unknown, loc: Loc, st: State): unknown {
  if (!isPlainObject(value)) return mismatch(st, loc, value, goType(schema));
  const props = schema.properties as Record<string, Schema>;
  // A struct with no declared fields (e.g. a free-form patch body) takes anything.
  if (Object.keys(props).length === 0 && schema.additionalProperties !== false) return value;
  const struct = typeof schema.$id === "string" ? goName(schema) : loc.struct;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const path = loc.path ? `${loc.path}.${key}` : key;
    const sub = props[key];
    if (!sub) {
      st.unknown.push(path);
      continue;
    }
    const stack = loc.stack ? `${loc.stack}.${key}` : key;
    const r = walk(sub, v, { path, stack, struct }, st);
    if (r !== undefined) out[key] = r;
  }
  return out;
}

function walkMap(schema: Schema, value: unknown, loc: Loc, st: State): unknown {
  if (!isPlainObject(value)) return mismatch(st, loc, value, goType(schema));
  const item = recordValue(schema);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    // Go stores the zero value for a null map entry; for strings that is "".
    if (v === null) {
      if (item[Kind] === "String") out[key] = "";
      continue;
    }
    const r = walk(item, v, { path: `${loc.path}[${key}]`, stack: loc.stack, struct: loc.struct }, st);
    if (r !== undefined) out[key] = r;
  }
  return out;
}

function walkArray(schema: Schema, value: unknown, loc: Loc, st: State): unknown {
  if (!Array.isArray(value)) return mismatch(st, loc, value, goType(schema));
  const item = schema.items as Schema;
  const out: unknown[] = [];
  value.forEach((v, i) => {
    const r = walk(item, v, { path: `${loc.path}[${i}]`, stack: loc.stack, struct: loc.struct }, st);
    out.push(r === undefined ? zeroValue(item) : r);
  });
  return out;
}

/** What Go leaves in a slice element it could not fill (null, or after an error). */
function zeroValue(schema: Schema): unknown {
  switch (schema[Kind]) {
    case "String":
      return "";
    case "Integer":
    case "Number":
      return 0;
    case "Boolean":
      return false;
    default:
      return {};
  }
}

function walkScalar(schema: Schema, value: unknown, loc: Loc, st: State): unknown {
  switch (schema[Kind]) {
    case "String":
      return typeof value === "string" ? value : mismatch(st, loc, value, "string");
    case "Boolean":
      return typeof value === "boolean" ? value : mismatch(st, loc, value, "bool");
    case "Number":
      return typeof value === "number" ? value : mismatch(st, loc, value, "float64");
    case "Integer":
      return walkInteger(schema, value, loc, st);
    case "Union":
      return walkIntOrString(value, loc, st);
    case CustomKind.Time:
      if (isTime(value)) return value;
      if (typeof value !== "string") return mismatch(st, loc, value, "string");
      return issue(st, loc, `parsing time "${value}" as "2006-01-02T15:04:05Z07:00": cannot parse "${value}" as an RFC 3339 time`);
    case CustomKind.Quantity:
      return walkQuantity(value, loc, st);
    case CustomKind.Bytes:
      if (typeof value !== "string") return mismatch(st, loc, value, "[]uint8");
      return isBase64(value) ? value : issue(st, loc, `illegal base64 data at input byte ${badBase64Offset(value)}`);
    default:
      // Unknown: free-form JSON kept as it is.
      return value;
  }
}

function walkInteger(schema: Schema, value: unknown, loc: Loc, st: State): unknown {
  const type = schema.format === "int32" ? "int32" : "int64";
  if (typeof value !== "number") return mismatch(st, loc, value, type);
  const inRange = type === "int32" ? value >= INT32_MIN && value <= INT32_MAX : Number.isSafeInteger(value);
  return Number.isInteger(value) && inRange ? value : mismatch(st, loc, value, type, true);
}

function walkIntOrString(value: unknown, loc: Loc, st: State): unknown {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return value;
  // Go reads anything but a quoted string as the int32 half of the union.
  return mismatch(st, { ...loc, stack: "" }, value, "int32", true);
}

function walkQuantity(value: unknown, loc: Loc, st: State): unknown {
  if (typeof value === "number" && Number.isFinite(value)) return quantityFromNumber(value);
  if (typeof value === "string" && isQuantity(value)) return value;
  return issue(st, loc, QUANTITY_FORMAT_ERROR);
}

/** Numbers in quantity fields come back as strings, as the apiserver writes them. */
function quantityFromNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const milli = Math.round(n * 1000);
  return Math.abs(milli - n * 1000) < 1e-6 ? `${milli}m` : String(n);
}

function badBase64Offset(s: string): number {
  const bad = s.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return bad;
  const pad = s.indexOf("=");
  if (pad >= 0 && pad < s.length - 2) return pad;
  return s.length - (s.length % 4);
}
