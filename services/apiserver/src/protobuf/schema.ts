/**
 * The field tables the protobuf decoder walks. Kubernetes objects are proto2 messages
 * generated from Go structs, and what a decoded object must look like as JSON depends
 * on the Go type and JSON tag of each field (pointer or not, omitempty or not), which
 * the .proto files do not say. So each message is written as a small table in Go
 * terms, one field per line:
 *
 *     <proto field number> <json name, or "-" when inlined> <type> [o]
 *
 * where type is a scalar (string, int32, int64, bool, bytes, float64), a well-known
 * type (see SPECIAL_TYPES) or another message's name, optionally prefixed by `*`
 * (pointer), `[]` (list) or `map[string]` (map), and a trailing `o` marks an
 * omitempty JSON tag.
 */
import assert from "node:assert/strict";

/** Scalar types of the field tables and the Go types they stand for. */
export const SCALAR_TYPES = ["string", "int32", "int64", "bool", "bytes", "float64"] as const;
/** A scalar type name. */
export type ScalarType = (typeof SCALAR_TYPES)[number];

/**
 * Messages with their own JSON form: Time and MicroTime are RFC 3339 strings, a
 * Quantity is its canonical string, IntOrString a number or string, RawExtension and
 * FieldsV1 embedded JSON, Duration Go's duration text, StringList a bare array.
 */
export const SPECIAL_TYPES = ["Time", "MicroTime", "IntOrString", "Quantity", "RawExtension", "FieldsV1", "Duration", "StringList"] as const;
/** A special (well-known) type name. */
export type SpecialType = (typeof SPECIAL_TYPES)[number];

/** How a field is held in Go, which decides when its JSON key appears. */
export type FieldShape = "single" | "pointer" | "list" | "map";

/** One field of a message table. */
export interface FieldDef {
  readonly no: number;
  /** JSON key; undefined for an inlined (embedded) struct whose keys join the parent's. */
  readonly json: string | undefined;
  readonly shape: FieldShape;
  /** A scalar, a special type, or a message name. For maps, the value type. */
  readonly type: string;
  readonly omitEmpty: boolean;
}

/** A parsed message table. */
export interface MessageDef {
  readonly name: string;
  readonly byNumber: ReadonlyMap<number, FieldDef>;
  /** Fields in declaration order: the order Go writes JSON keys in. */
  readonly fields: readonly FieldDef[];
}

/** Message tables as authored: message name → field lines. */
export type MessageSource = Readonly<Record<string, string>>;

const LINE = /^(\d+)\s+(-|[A-Za-z_$][\w$-]*)\s+(\S+)(\s+o)?$/;

function parseType(raw: string): { shape: FieldShape; type: string } {
  if (raw.startsWith("*")) return { shape: "pointer", type: raw.slice(1) };
  if (raw.startsWith("[]")) return { shape: "list", type: raw.slice(2) };
  if (raw.startsWith("map[string]")) return { shape: "map", type: raw.slice("map[string]".length) };
  return { shape: "single", type: raw };
}

function parseMessage(name: string, body: string): MessageDef {
  const fields: FieldDef[] = [];
  for (const line of body.split("\n").map((l) => l.trim())) {
    if (line === "") continue;
    const m = LINE.exec(line);
    assert(m, `protobuf schema ${name}: cannot parse line "${line}"`);
    const { shape, type } = parseType(m[3]!);
    fields.push({ no: Number(m[1]), json: m[2] === "-" ? undefined : m[2], shape, type, omitEmpty: m[4] !== undefined });
  }
  const byNumber = new Map(fields.map((f) => [f.no, f]));
  assert.equal(byNumber.size, fields.length, `protobuf schema ${name}: duplicate field number`);
  return { name, byNumber, fields };
}

function isKnownType(type: string, messages: ReadonlyMap<string, MessageDef>): boolean {
  return (SCALAR_TYPES as readonly string[]).includes(type) || (SPECIAL_TYPES as readonly string[]).includes(type) || messages.has(type);
}

/**
 * Parse message tables into definitions, checking that every referenced type exists
 * (a missing one is a bug in the tables, so it fails loudly at start-up).
 */
export function buildSchema(sources: readonly MessageSource[]): ReadonlyMap<string, MessageDef> {
  const messages = new Map<string, MessageDef>();
  for (const source of sources) {
    for (const [name, body] of Object.entries(source)) {
      assert(!messages.has(name), `protobuf schema: message ${name} defined twice`);
      messages.set(name, parseMessage(name, body));
    }
  }
  for (const def of messages.values()) {
    for (const f of def.fields) {
      assert(isKnownType(f.type, messages), `protobuf schema ${def.name}.${f.json ?? "<inline>"}: unknown type ${f.type}`);
      assert(f.json !== undefined || (f.shape === "single" && messages.has(f.type)), `protobuf schema ${def.name}: only a message can be inlined`);
    }
  }
  return messages;
}

/** True for a scalar type name. */
export function isScalar(type: string): type is ScalarType {
  return (SCALAR_TYPES as readonly string[]).includes(type);
}

/** True for a special (well-known) type name. */
export function isSpecial(type: string): type is SpecialType {
  return (SPECIAL_TYPES as readonly string[]).includes(type);
}
