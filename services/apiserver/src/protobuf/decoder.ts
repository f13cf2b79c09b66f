/**
 * Schema-driven decoding of a Kubernetes protobuf message into the JSON Go would
 * write for the same struct. Two passes: read the wire into per-field values, then
 * render them with Go's encoding/json rules (see renderMessage).
 */
import { BadRequestError } from "@flotilla/api";
import { isScalar, isSpecial } from "./schema.ts";
import type { FieldDef, MessageDef, ScalarType } from "./schema.ts";
import { decodeSpecial, specialZero } from "./wellknown.ts";
import { WireType, base64, expectWireType, forEachField, readBytes, readInt64, readString } from "./wire.ts";
import type { DecodeContext, Reader } from "./wire.ts";

/** Message definitions by name, as buildSchema returns them. */
export type Schema = ReadonlyMap<string, MessageDef>;

type Json = Record<string, unknown>;

function wireTypeOf(type: ScalarType): number {
  if (type === "string" || type === "bytes") return WireType.Bytes;
  if (type === "float64") return WireType.Fixed64;
  return WireType.Varint;
}

function readScalar(r: Reader, type: ScalarType, wt: number, what: string): unknown {
  switch (type) {
    case "string":
      return readString(r, wt, what);
    case "bytes":
      return readBytes(r, wt, what);
    case "float64":
      expectWireType(wt, WireType.Fixed64, what);
      return r.double();
  }
  expectWireType(wt, WireType.Varint, what);
  if (type === "int32") return r.int32();
  if (type === "int64") return readInt64(r);
  return r.bool();
}

function childPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Decode a value of `type` (scalar, special or message) held at the reader. */
function readValue(schema: Schema, r: Reader, type: string, wt: number, path: string, ctx: DecodeContext): unknown {
  if (isScalar(type)) return readScalar(r, type, wt, path);
  const bytes = readBytes(r, wt, path);
  if (isSpecial(type)) return decodeSpecial(type, bytes, path, ctx);
  return decodeMessage(schema, bytes, type, path, ctx);
}

/** A map entry message {1: key, 2: value}; Kubernetes map keys are always strings. */
function readMapEntry(schema: Schema, r: Reader, f: FieldDef, wt: number, path: string, ctx: DecodeContext): [string, unknown] {
  const bytes = readBytes(r, wt, path);
  let key = "";
  let value: unknown;
  forEachField(bytes, `${path}[]`, ctx, (er, field, ewt) => {
    if (field === 1) key = readString(er, ewt, `${path} key`);
    else if (field === 2) value = readValue(schema, er, f.type, ewt, `${path}[${JSON.stringify(key)}]`, ctx);
    else return false;
    return true;
  });
  // A missing value is the zero value of the map's value type.
  return [key, value ?? (f.type === "bytes" ? new Uint8Array(0) : zeroOf(schema, f.type))];
}

/** Numeric lists may come packed (one length-delimited run), as proto parsers must accept. */
function readPacked(r: Reader, type: ScalarType, path: string): unknown[] {
  const end = r.uint32() + r.pos;
  const out: unknown[] = [];
  while (r.pos < end) out.push(readScalar(r, type, wireTypeOf(type), path));
  if (r.pos !== end) throw new BadRequestError(`protobuf: packed field ${path} overruns its length`);
  return out;
}

function readField(schema: Schema, r: Reader, f: FieldDef, wt: number, values: Map<number, unknown>, path: string, ctx: DecodeContext): void {
  const key = f.json ?? "";
  if (f.shape === "map") {
    const map = (values.get(f.no) as Json | undefined) ?? {};
    const [k, v] = readMapEntry(schema, r, f, wt, childPath(path, key), ctx);
    map[k] = v;
    values.set(f.no, map);
    return;
  }
  if (f.shape === "list") {
    const list = (values.get(f.no) as unknown[] | undefined) ?? [];
    if (isScalar(f.type) && f.type !== "string" && f.type !== "bytes" && wt === WireType.Bytes) {
      list.push(...readPacked(r, f.type, childPath(path, key)));
    } else {
      list.push(readValue(schema, r, f.type, wt, `${childPath(path, key)}[${list.length}]`, ctx));
    }
    values.set(f.no, list);
    return;
  }
  values.set(f.no, readValue(schema, r, f.type, wt, f.json === undefined ? path : childPath(path, key), ctx));
}

/** Decode `bytes` as message `name` into its JSON form. */
export function decodeMessage(schema: Schema, bytes: Uint8Array, name: string, path: string, ctx: DecodeContext): Json {
  const def = schema.get(name);
  if (!def) throw new Error(`protobuf schema has no message ${name}`);
  const values = new Map<number, unknown>();
  forEachField(bytes, path, ctx, (r, field, wt) => {
    const f = def.byNumber.get(field);
    if (!f) return false;
    readField(schema, r, f, wt, values, path, ctx);
    return true;
  });
  return renderMessage(schema, def, values);
}

function scalarZero(type: ScalarType): unknown {
  if (type === "string") return "";
  if (type === "bool") return false;
  if (type === "bytes") return null;
  return 0;
}

/** The JSON of a zero value of `type`, as Go writes a non-pointer field it never set. */
function zeroOf(schema: Schema, type: string): unknown {
  if (isScalar(type)) return scalarZero(type);
  if (isSpecial(type)) return specialZero(type);
  const def = schema.get(type);
  if (!def) throw new Error(`protobuf schema has no message ${type}`);
  return renderMessage(schema, def, new Map());
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length === 0;
  if (typeof v === "object") return Object.keys(v).length === 0;
  return v === "" || v === 0 || v === false;
}

/** Base64 for byte slices and byte-valued maps; everything else as decoded. */
function toJson(f: FieldDef, v: unknown): unknown {
  if (f.type !== "bytes") return v;
  if (v instanceof Uint8Array) return base64(v);
  if (Array.isArray(v)) return v.map((b) => base64(b as Uint8Array));
  return Object.fromEntries(Object.entries(v as Record<string, Uint8Array>).map(([k, b]) => [k, base64(b)]));
}

/**
 * Go's encoding/json, field by field: an unset pointer is omitted under omitempty,
 * else null; a list, map
 * or byte slice is omitted when empty under omitempty, else null when empty; a
 * non-pointer struct always appears (omitempty never drops a struct); a scalar is
 * dropped when zero under omitempty. An inlined struct's keys join the parent's.
 */
function renderMessage(schema: Schema, def: MessageDef, values: ReadonlyMap<number, unknown>): Json {
  const out: Json = {};
  for (const f of def.fields) {
    const has = values.has(f.no);
    const v = values.get(f.no);
    if (f.json === undefined) {
      Object.assign(out, has ? v : zeroOf(schema, f.type));
      continue;
    }
    const structLike = !isScalar(f.type);
    if (f.shape === "pointer") {
      if (has) out[f.json] = toJson(f, v);
      else if (!f.omitEmpty) out[f.json] = null;
    } else if (f.shape === "list" || f.shape === "map" || f.type === "bytes") {
      if (has && (!f.omitEmpty || !isEmpty(v))) out[f.json] = toJson(f, v);
      else if (!f.omitEmpty) out[f.json] = null;
    } else if (structLike) {
      out[f.json] = has ? v : zeroOf(schema, f.type);
    } else {
      const value = has ? v : scalarZero(f.type as ScalarType);
      if (!f.omitEmpty || !isEmpty(value)) out[f.json] = value;
    }
  }
  return out;
}
