/**
 * Small builders over TypeBox so every API type is written the same way: a named
 * struct is one OpenAPI component and one Go type name (for decode errors), every
 * field carries its description, and list fields carry their patch merge keys.
 *
 * The schemas are plain JSON Schema; the OpenAPI generator turns `$id`s into
 * `$ref`s and the decoder compiles them once with TypeCompiler.
 */
import { Kind, Type, TypeRegistry } from "@sinclair/typebox";
import type { Static, TArray, TBoolean, TInteger, TObject, TProperties, TSchema, TString, TUnion, TUnsafe } from "@sinclair/typebox";
import { isQuantity } from "./quantity.ts";

/** OpenAPI component prefixes, as Kubernetes names its Go packages. */
export const Pkg = {
  core: "io.k8s.api.core.v1",
  apps: "io.k8s.api.apps.v1",
  batch: "io.k8s.api.batch.v1",
  coordination: "io.k8s.api.coordination.v1",
  discovery: "io.k8s.api.discovery.v1",
  node: "io.k8s.api.node.v1",
  autoscaling: "io.k8s.api.autoscaling.v1",
  meta: "io.k8s.apimachinery.pkg.apis.meta.v1",
} as const;

/** Custom TypeBox kinds: strings whose syntax Go checks while decoding. */
export const CustomKind = {
  Time: "FlotillaTime",
  Quantity: "FlotillaQuantity",
  Bytes: "FlotillaBytes",
} as const;

// RFC 3339 as Go's time.Parse accepts it: date, 'T', time, optional fraction, zone.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** True for a timestamp Go's metav1.Time would decode. */
export function isTime(v: unknown): v is string {
  return typeof v === "string" && RFC3339.test(v) && !Number.isNaN(Date.parse(v));
}

/** True for standard, padded base64 (what Go's []byte fields require). */
export function isBase64(v: unknown): v is string {
  return typeof v === "string" && BASE64.test(v);
}

// Registered once per process; the kinds are ours alone, so re-registering is harmless.
// Quantities must be strings here: numbers are accepted by the slower decode walk,
// which rewrites them as strings the way the apiserver serialises them.
TypeRegistry.Set(CustomKind.Time, (_s, v) => isTime(v));
TypeRegistry.Set(CustomKind.Quantity, (_s, v) => typeof v === "string" && isQuantity(v));
TypeRegistry.Set(CustomKind.Bytes, (_s, v) => isBase64(v));

// Every named schema as first defined, so the OpenAPI generator can emit a type's
// own description even where a field re-described it (see describe()).
const NAMED = new Map<string, TSchema>();

/** Record `schema` as the definition of its `$id`; returns it. */
export function register<T extends TSchema>(schema: T): T {
  if (typeof schema.$id === "string") NAMED.set(schema.$id, schema);
  return schema;
}

/** The definition registered for an `$id`. */
export function namedSchema(id: string): TSchema | undefined {
  return NAMED.get(id);
}

/** A named object type: no unknown fields, one OpenAPI component. */
export function struct<P extends TProperties>(id: string, description: string, props: P): TObject<P> {
  return register(Type.Object(props, { $id: id, description, additionalProperties: false }));
}

/** The same schema with a field-specific description (the `$id` is kept). */
export function describe<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description };
}

/** An optional field of a named type. */
export function ref<T extends TSchema>(schema: T, description: string) {
  return Type.Optional(describe(schema, description));
}

/** An optional string field. */
export function str(description: string) {
  return Type.Optional(Type.String({ description }));
}

/** A required string field. */
export function reqStr(description: string): TString {
  return Type.String({ description });
}

const INT32 = { format: "int32", minimum: -2147483648, maximum: 2147483647 } as const;

/** An int32 list element. */
export function int32Item(): TInteger {
  return Type.Integer(INT32);
}

/** An optional int32 field. */
export function int32(description: string) {
  return Type.Optional(Type.Integer({ ...INT32, description }));
}

/** A required int32 field. */
export function reqInt32(description: string): TInteger {
  return Type.Integer({ ...INT32, description });
}

// JavaScript numbers are exact only up to 2^53; larger int64 values would be
// silently rounded, so they are refused like an overflow.
const INT64 = { format: "int64", minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER } as const;

/** An int64 list element. */
export function int64Item(): TInteger {
  return Type.Integer(INT64);
}

/** An optional int64 field. */
export function int64(description: string) {
  return Type.Optional(Type.Integer({ ...INT64, description }));
}

/** A required int64 field. */
export function reqInt64(description: string): TInteger {
  return Type.Integer({ ...INT64, description });
}

/** An optional boolean field. */
export function bool(description: string) {
  return Type.Optional(Type.Boolean({ description }) as TBoolean);
}

/** A required boolean field. */
export function reqBool(description: string): TBoolean {
  return Type.Boolean({ description });
}

/**
 * map[string]T. Written as an object whose every property is a T rather than a
 * TypeBox Record: the compiled check then tests values directly instead of running
 * a key pattern per entry, several times faster on label-heavy objects.
 */
export function mapSchema<T extends TSchema>(value: T, description?: string): TUnsafe<Record<string, Static<T>>> {
  const opts = description === undefined ? { additionalProperties: value } : { additionalProperties: value, description };
  return Type.Unsafe<Record<string, Static<T>>>(Type.Object({}, opts));
}

/** True for a schema made by mapSchema (an object of arbitrary keys). */
export function isMapSchema(schema: TSchema): boolean {
  const ap = (schema as { additionalProperties?: unknown }).additionalProperties;
  return typeof ap === "object" && ap !== null;
}

/** map[string]string */
export function strMap(description: string) {
  return Type.Optional(mapSchema(Type.String(), description));
}

/** []string */
export function strList(description: string) {
  return Type.Optional(Type.Array(Type.String(), { description }));
}

/** How strategic merge patch treats a list: merged element by element on a key. */
export interface PatchMeta {
  /** Field that identifies an element when strategic merge patch merges lists. */
  mergeKey: string;
  /** "merge" unless stated. */
  strategy?: string;
}

/** A list field; with `patch`, strategic merge patch merges its elements by key. */
export function listOf<T extends TSchema>(item: T, description: string, patch?: PatchMeta): TArray<T> {
  const opts: Record<string, unknown> = { description };
  if (patch) {
    opts["x-kubernetes-patch-merge-key"] = patch.mergeKey;
    opts["x-kubernetes-patch-strategy"] = patch.strategy ?? "merge";
  }
  return Type.Array(item, opts);
}

/** An optional list field (see listOf). */
export function list<T extends TSchema>(item: T, description: string, patch?: PatchMeta) {
  return Type.Optional(listOf(item, description, patch));
}

/** An optional map[string]T field. */
export function mapOf<T extends TSchema>(value: T, description: string) {
  return Type.Optional(mapSchema(value, description));
}

/** metav1.Time: an RFC 3339 timestamp, seconds precision. */
export const Time: TUnsafe<string> = register(Type.Unsafe<string>({
  [Kind]: CustomKind.Time,
  $id: `${Pkg.meta}.Time`,
  type: "string",
  format: "date-time",
  description: "A point in time, written as an RFC 3339 timestamp in UTC, e.g. 2024-05-01T12:00:00Z.",
}));

/** metav1.MicroTime: like Time but kept to the microsecond. */
export const MicroTime: TUnsafe<string> = register(Type.Unsafe<string>({
  [Kind]: CustomKind.Time,
  $id: `${Pkg.meta}.MicroTime`,
  type: "string",
  format: "date-time",
  description: "A point in time with microsecond precision, written as RFC 3339, e.g. 2024-05-01T12:00:00.000001Z.",
}));

/** resource.Quantity: "100m", "1Gi", "0.5", "1e3". */
export const Quantity: TUnsafe<string> = register(Type.Unsafe<string>({
  [Kind]: CustomKind.Quantity,
  $id: "io.k8s.apimachinery.pkg.api.resource.Quantity",
  oneOf: [{ type: "string" }, { type: "number" }],
  description:
    "An exact amount of a resource: a decimal number with an optional suffix. Binary suffixes Ki, Mi, Gi, Ti, Pi, Ei count powers of 1024; decimal suffixes n, u, m, k, M, G, T, P, E count powers of 1000; an exponent such as 1e3 is also allowed. Examples: 100m (a tenth of a CPU), 512Mi, 2, 1.5G.",
}));

/** []byte on the wire: standard base64. */
export const Bytes: TUnsafe<string> = Type.Unsafe<string>({
  [Kind]: CustomKind.Bytes,
  type: "string",
  format: "byte",
});

/** intstr.IntOrString: a port number or name, a count or a percentage. */
export const IntOrString: TUnion<[TInteger, TString]> = register(Type.Union([Type.Integer(INT32), Type.String()], {
  $id: "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
  format: "int-or-string",
  "x-kubernetes-int-or-string": true,
  description: "Either a whole number or a string; which one is meaningful depends on the field (a port number or a port name, a count or a percentage such as 25%).",
}));

/** A named quantity map, e.g. requests or capacity. */
export function quantities(description: string) {
  return mapOf(Quantity, description);
}
