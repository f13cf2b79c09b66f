/**
 * Low-level protobuf wire reading on top of protobufjs' minimal Reader: a field loop
 * that reports fields nobody asked for, and scalar reads that check the wire type,
 * so that malformed input becomes a BadRequestError instead of garbage.
 */
import pb from "protobufjs/minimal.js";
import { BadRequestError } from "@flotilla/api";

/** Protobuf wire types. */
export const WireType = { Varint: 0, Fixed64: 1, Bytes: 2, StartGroup: 3, EndGroup: 4, Fixed32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** A field present in the body that the schema does not know; it was skipped. */
export interface UnknownField {
  /** JSON-style path of the message holding it, e.g. `spec.template.spec.containers[0]`. */
  path: string;
  /** Protobuf field number. */
  field: number;
  wireType: number;
}

/** State shared by one decode: where skipped fields are collected. */
export interface DecodeContext {
  readonly unknown: UnknownField[];
}

/** protobufjs' minimal Reader. */
export type Reader = pb.Reader;

/** A Reader over `bytes`. */
export function newReader(bytes: Uint8Array): Reader {
  return pb.Reader.create(bytes);
}

// 4 (end group) may only close a group that protobufjs skips itself; 6 and 7 do not exist.
const VALID_WIRE_TYPES: ReadonlySet<number> = new Set([WireType.Varint, WireType.Fixed64, WireType.Bytes, WireType.StartGroup, WireType.Fixed32]);

/** Called per field; returns false when it did not consume the field (so it is skipped). */
export type FieldVisitor = (reader: Reader, field: number, wireType: number) => boolean;

/**
 * Walk every field of one message. Fields the visitor declines are skipped and
 * recorded as unknown at `path`.
 */
export function forEachField(bytes: Uint8Array, path: string, ctx: DecodeContext, visit: FieldVisitor): void {
  const reader = newReader(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 0) throw new BadRequestError(`protobuf: invalid field number 0 at ${path || "<root>"}`);
    if (!VALID_WIRE_TYPES.has(wireType)) throw new BadRequestError(`protobuf: invalid wire type ${wireType} at ${path || "<root>"}`);
    if (!visit(reader, field, wireType)) {
      ctx.unknown.push({ path, field, wireType });
      reader.skipType(wireType);
    }
  }
}

/** @throws BadRequestError when a known field arrives with the wrong wire type */
export function expectWireType(actual: number, expected: WireType, what: string): void {
  if (actual !== expected) throw new BadRequestError(`protobuf: ${what} has wire type ${actual}, expected ${expected}`);
}

/** A 64-bit varint as a JS number (exact up to 2^53, which every Kubernetes int64 we read stays under). */
export function readInt64(reader: Reader): number {
  const v: unknown = reader.int64();
  if (typeof v === "number") return v;
  return (v as { toNumber(): number }).toNumber();
}

// Go's encoding/json writes invalid UTF-8 as U+FFFD; a non-fatal TextDecoder does the same.
const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Read a length-delimited string, checked for the wire type. */
export function readString(reader: Reader, wireType: number, what: string): string {
  expectWireType(wireType, WireType.Bytes, what);
  return utf8.decode(reader.bytes());
}

/** Read a length-delimited byte slice, checked for the wire type. */
export function readBytes(reader: Reader, wireType: number, what: string): Uint8Array {
  expectWireType(wireType, WireType.Bytes, what);
  return reader.bytes();
}

/** JSON for a base64-encoded byte slice, as Go's encoding/json writes []byte. */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
