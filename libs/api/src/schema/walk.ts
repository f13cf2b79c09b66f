/**
 * The careful decoder: walks a value against its schema when the compiled check
 * failed, the way Go's JSON decoder would read it into the typed struct. It drops
 * nulls and unknown fields (recording the latter), turns numeric quantities into
 * strings, and records type errors in Go's wording
 * (`json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`).
 */
import { Kind } from "@sinclair/typebox";
import type { TSchema } from "@sinclair/typebox";
import { CustomKind, isBase64, isMapSchema, isTime } from "./build.ts";
import { QUANTITY_FORMAT_ERROR, isQuantity } from "./quantity.ts";

/** A value Go could not decode into the field's type. */
export interface TypeIssue {
  /** Field path with indices, e.g. `spec.template.spec.containers[0].image`. */
  field: string;
  /** Go's message, e.g. `json: cannot unmarshal number into Go struct field ...`. */
  message: string;
}

/** The cleaned value and what the walk found wrong with it. */
export interface WalkResult {
  value: unknown;
  /** Paths of fields the schema does not know, in document order. */
  unknown: string[];
  typeIssues: TypeIssue[];
}

/**
 * Where the walk is, as a chain to the root. Paths are spelled out only when a
 * problem is recorded: building them for every field costs more than the walk.
 */
interface Loc {
  parent: Loc | undefined;
  /** Field name, list index or map key; "" at the root. */
  seg: string;
  /** Fields count in Go's field stack; indices and map keys do not. */
  isField: boolean;
  /** The innermost named struct schema containing this location. */
  struct: Schema;
}

/** Kubernetes-style path with indices: `spec.containers[0].image`, `data[key]`. */
function pathOf(loc: Loc | undefined): string {
  if (!loc || loc.parent === undefined) return "";
  const parent = pathOf(loc.parent);
  if (!loc.isField) return `${parent}[${loc.seg}]`;
  return parent ? `${parent}.${loc.seg}` : loc.seg;
}

/** Go's field stack: JSON names joined by dots, without indices or keys. */
function stackOf(loc: Loc | undefined): string {
  if (!loc || loc.parent === undefined) return "";
  const parent = stackOf(loc.parent);
  if (!loc.isField) return parent;
  return parent ? `${parent}.${loc.seg}` : loc.seg;
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
  const out = walk(schema as Schema, value, { parent: undefined, seg: "", isField: true, struct: schema as Schema }, st);
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
    case "Object":
      if (isMapSchema(schema)) return `map[string]${goType(mapValue(schema))}`;
      return named(schema);
    case CustomKind.Bytes:
      return "[]uint8";
    default:
      return named(schema);
  }
}

/** `io.k8s.api.core.v1.PodSpec` → `v1.PodSpec`, as Go prints a named type. */
function named(schema: Schema): string {
  const id = typeof schema.$id === "string" ? schema.$id.split(".") : [];
  return id.length >= 2 ? `${id[id.length - 2]}.${id[id.length - 1]}` : "interface {}";
}

function mapValue(schema: Schema): Schema {
  return schema.additionalProperties as Schema;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return "number";
  return typeof v === "string" ? "string" : "object";
}

/**
 * Record Go's type error. `exact` prints the number itself (for fractions and
 * overflows); `asValue` is for types with their own decoder, whose errors name
 * no struct field.
 */
function mismatch(st: State, loc: Loc, value: unknown, type: string, exact = false, asValue = false): undefined {
  const what = exact && typeof value === "number" ? `number ${String(value)}` : jsonKind(value);
  const stack = asValue ? "" : stackOf(loc);
  const into = stack ? `Go struct field ${goName(loc.struct)}.${stack}` : "Go value";
  st.typeIssues.push({ field: pathOf(loc), message: `json: cannot unmarshal ${what} into ${into} of type ${type}` });
  return undefined;
}

function issue(st: State, loc: Loc, message: string): undefined {
  st.typeIssues.push({ field: pathOf(loc), message });
  return undefined;
}

function walk(schema: Schema, value: unknown, loc: Loc, st: State): unknown {
  if (value === null || value === undefined) return undefined;
  switch (schema[Kind]) {
    case "Object":
      return isMapSchema(schema) ? walkMap(schema, value, loc, st) : walkStruct(schema, value, loc, st);
    case "Array":
      return walkArray(schema, value, loc, st);
    default:
      return walkScalar(schema, value, loc, st);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// The walks below hand back the value they were given when nothing in it changed (no
// null or unknown field dropped, no quantity rewritten), so what a body shares with the
// stored object stays shared: a status patch whose conditions carry `lastProbeTime: null`
// takes this walk, and copying the metadata it shares cost the managedFields check its
// shortcut (fields-v1.ts).
function walkStruct(schema: Schema, value: unknown, loc: Loc, st: State): unknown {
  if (!isPlainObject(value)) return mismatch(st, loc, value, goType(schema));
  // A struct with no declared fields (e.g. a free-form patch body) takes anything.
  if (schema.additionalProperties !== false) return value;
  const props = schema.properties as Record<string, Schema>;
  const struct = typeof schema.$id === "string" ? schema : loc.struct;
  const out: Record<string, unknown> = {};
  let same = true;
  for (const key in value) {
    const sub = Object.hasOwn(props, key) ? props[key] : undefined;
    const at: Loc = { parent: loc, seg: key, isField: true, struct };
    if (!sub) {
      st.unknown.push(pathOf(at));
      same = false;
      continue;
    }
    const r = walk(sub, value[key], at, st);
    if (r !== undefined) out[key] = r;
    if (r !== value[key]) same = false;
  }
  return same ? value : out;
}

function walkMap(schema: Schema, value: unknown, loc: Loc, st: State): unknown {
  if (!isPlainObject(value)) return mismatch(st, loc, value, goType(schema));
  const item = mapValue(schema);
  const out: Record<string, unknown> = {};
  let same = true;
  for (const key in value) {
    const v = value[key];
    // Go stores the zero value for a null map entry; for strings that is "".
    if (v === null) {
      if (item[Kind] === "String") out[key] = "";
      same = false;
      continue;
    }
    const r = walk(item, v, { parent: loc, seg: key, isField: false, struct: loc.struct }, st);
    if (r !== undefined) out[key] = r;
    if (r !== v) same = false;
  }
  return same ? value : out;
}

function walkArray(schema: Schema, value: unknown, loc: Loc, st: State): unknown {
  if (!Array.isArray(value)) return mismatch(st, loc, value, goType(schema));
  const item = schema.items as Schema;
  const out: unknown[] = [];
  let same = true;
  for (let i = 0; i < value.length; i++) {
    const r = walk(item, value[i], { parent: loc, seg: String(i), isField: false, struct: loc.struct }, st);
    out.push(r === undefined ? zeroValue(item) : r);
    if (r !== value[i]) same = false;
  }
  return same ? value : out;
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
  return mismatch(st, loc, value, "int32", true, true);
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
