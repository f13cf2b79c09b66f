/**
 * The apimachinery types whose JSON is not a plain object of their proto fields:
 * Time, MicroTime, IntOrString, Quantity, RawExtension, FieldsV1, Duration and the
 * authentication ExtraValue list. Each decodes to exactly what Go's JSON marshaller
 * writes for the same value.
 */
import { BadRequestError } from "@flotilla/api";
import type { SpecialType } from "./schema.ts";
import { WireType, expectWireType, forEachField, readBytes, readInt64, readString } from "./wire.ts";
import type { DecodeContext } from "./wire.ts";

interface Timestamp {
  seconds: number;
  nanos: number;
}

function readTimestamp(bytes: Uint8Array, path: string, ctx: DecodeContext): Timestamp {
  const ts: Timestamp = { seconds: 0, nanos: 0 };
  forEachField(bytes, path, ctx, (r, field, wt) => {
    if (field !== 1 && field !== 2) return false;
    expectWireType(wt, WireType.Varint, `${path} timestamp field ${field}`);
    if (field === 1) ts.seconds = readInt64(r);
    else ts.nanos = r.int32();
    return true;
  });
  return ts;
}

function utcDate(seconds: number, path: string): Date {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) throw new BadRequestError(`protobuf: ${path}: timestamp ${seconds} is out of range`);
  return d;
}

/**
 * metav1.Time: an empty message is the zero time, written as null. Kubernetes keeps
 * whole seconds only (its JSON form has no fraction), so nanos are dropped.
 */
function decodeTime(bytes: Uint8Array, path: string, ctx: DecodeContext): string | null {
  if (bytes.length === 0) return null;
  const { seconds } = readTimestamp(bytes, path, ctx);
  return utcDate(seconds, path).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** metav1.MicroTime: like Time but with exactly six fraction digits. */
function decodeMicroTime(bytes: Uint8Array, path: string, ctx: DecodeContext): string | null {
  if (bytes.length === 0) return null;
  const { seconds, nanos } = readTimestamp(bytes, path, ctx);
  const micros = String(Math.floor(nanos / 1000)).padStart(6, "0");
  return utcDate(seconds, path).toISOString().replace(/\.\d{3}Z$/, `.${micros}Z`);
}

/** intstr.IntOrString {1: type (0 int, 1 string), 2: intVal, 3: strVal}. */
function decodeIntOrString(bytes: Uint8Array, path: string, ctx: DecodeContext): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = "";
  forEachField(bytes, path, ctx, (r, field, wt) => {
    if (field === 3) {
      strVal = readString(r, wt, `${path}.strVal`);
      return true;
    }
    if (field !== 1 && field !== 2) return false;
    expectWireType(wt, WireType.Varint, `${path} field ${field}`);
    if (field === 1) type = readInt64(r);
    else intVal = r.int32();
    return true;
  });
  return type === 1 ? strVal : intVal;
}

/** A message whose only known field 1 is bytes or a string. */
function singleBytesField(bytes: Uint8Array, path: string, ctx: DecodeContext): Uint8Array | undefined {
  let value: Uint8Array | undefined;
  forEachField(bytes, path, ctx, (r, field, wt) => {
    if (field !== 1) return false;
    value = readBytes(r, wt, `${path} field 1`);
    return true;
  });
  return value;
}

/**
 * resource.Quantity {1: string}. Go re-parses the string and writes its canonical
 * form; kubectl already sends the canonical form, so it is passed through.
 */
function decodeQuantity(bytes: Uint8Array, path: string, ctx: DecodeContext): string {
  const raw = singleBytesField(bytes, path, ctx);
  const text = raw ? new TextDecoder().decode(raw) : "";
  return text === "" ? "0" : text;
}

/** RawExtension and FieldsV1 {1: raw JSON}. */
function decodeEmbeddedJson(bytes: Uint8Array, path: string, ctx: DecodeContext): unknown {
  const raw = singleBytesField(bytes, path, ctx);
  if (!raw || raw.length === 0) return null;
  try {
    return JSON.parse(new TextDecoder().decode(raw)) as unknown;
  } catch {
    throw new BadRequestError(`protobuf: ${path} holds bytes that are not JSON`);
  }
}

/** authentication ExtraValue {1: repeated string}, written as a bare JSON array. */
function decodeStringList(bytes: Uint8Array, path: string, ctx: DecodeContext): string[] {
  const items: string[] = [];
  forEachField(bytes, path, ctx, (r, field, wt) => {
    if (field !== 1) return false;
    items.push(readString(r, wt, `${path}[]`));
    return true;
  });
  return items;
}

const NS_PER = { us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 } as const;

/** Digits of `v / scale` after the point, without trailing zeros ("" when whole). */
function fraction(v: number, scale: number): string {
  const digits = String(scale).length - 1;
  const frac = String(v % scale).padStart(digits, "0").replace(/0+$/, "");
  return frac ? `.${frac}` : "";
}

/** Go's time.Duration.String, e.g. "1h0m0s", "1.5s", "300ms". */
export function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  const u = Math.abs(ns);
  if (u < NS_PER.us) return `${sign}${u}ns`;
  if (u < NS_PER.ms) return `${sign}${Math.floor(u / NS_PER.us)}${fraction(u, NS_PER.us)}µs`;
  if (u < NS_PER.s) return `${sign}${Math.floor(u / NS_PER.ms)}${fraction(u, NS_PER.ms)}ms`;
  const seconds = `${Math.floor((u % NS_PER.m) / NS_PER.s)}${fraction(u % NS_PER.m, NS_PER.s)}s`;
  if (u < NS_PER.m) return `${sign}${seconds}`;
  const minutes = `${Math.floor((u % NS_PER.h) / NS_PER.m)}m`;
  if (u < NS_PER.h) return `${sign}${minutes}${seconds}`;
  return `${sign}${Math.floor(u / NS_PER.h)}h${minutes}${seconds}`;
}

/** metav1.Duration {1: int64 nanoseconds}. */
function decodeDuration(bytes: Uint8Array, path: string, ctx: DecodeContext): string {
  let ns = 0;
  forEachField(bytes, path, ctx, (r, field, wt) => {
    if (field !== 1) return false;
    expectWireType(wt, WireType.Varint, `${path}.duration`);
    ns = readInt64(r);
    return true;
  });
  return goDuration(ns);
}

const DECODERS: Record<SpecialType, (bytes: Uint8Array, path: string, ctx: DecodeContext) => unknown> = {
  Time: decodeTime,
  MicroTime: decodeMicroTime,
  IntOrString: decodeIntOrString,
  Quantity: decodeQuantity,
  RawExtension: decodeEmbeddedJson,
  FieldsV1: decodeEmbeddedJson,
  Duration: decodeDuration,
  StringList: decodeStringList,
};

/** Decode one special-typed message body to its JSON value. */
export function decodeSpecial(type: SpecialType, bytes: Uint8Array, path: string, ctx: DecodeContext): unknown {
  return DECODERS[type](bytes, path, ctx);
}

/** The JSON Go writes for the zero value of a non-pointer special field. */
export function specialZero(type: SpecialType): unknown {
  switch (type) {
    case "IntOrString":
      return 0;
    case "Quantity":
      return "0";
    case "Duration":
      return "0s";
    default:
      return null;
  }
}
