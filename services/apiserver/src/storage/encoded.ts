/**
 * Serialize once, send to many. Objects held by the watch cache never change (a new
 * version is a new object), so each one's JSON and msgpack bytes are computed at most
 * once and shared by every watcher and every list that sends it — what Kubernetes'
 * watch cache does with its caching objects. Measured before this: per-watcher
 * serialization was 27 % (HTTP) and 41 % (bus) of the apiserver's busy time with 100
 * watchers, and a 10,000-pod list spent most of its time encoding.
 *
 * msgpack is a streaming format: a map header followed by its keys' and values' bytes
 * is a valid document, so bus replies are composed from cached parts.
 */
import { encode } from "@flotilla/bus";
import type { KubeList, KubeObject, WatchEventType } from "@flotilla/api";

const json = new WeakMap<object, string>();
const revisioned = new WeakMap<object, KubeObject>();
const packed = new WeakMap<object, Uint8Array>();
const packedWatch = new WeakMap<object, Map<string, Uint8Array>>();

/**
 * The stored value as the API shows it at a revision: a copy of its top level with
 * metadata.resourceVersion, one instance per (value, revision). The write path (for its
 * reply) and the watch cache (for the event of the same write, which the store hands it
 * as the very value written) thus share one object, and with it its msgpack bytes: one
 * encoding per write instead of two.
 */
export function atRevision(value: KubeObject, revision: number): KubeObject {
  const rv = String(revision);
  const seen = revisioned.get(value);
  if (seen?.metadata.resourceVersion === rv) return seen;
  const obj = { ...value, metadata: { ...value.metadata, resourceVersion: rv } };
  revisioned.set(value, obj);
  return obj;
}

const lean = new WeakMap<object, KubeObject>();

/**
 * The object without metadata.managedFields (for bus clients that asked so), one
 * instance per object version, so its encoding too is computed once and shared.
 */
export function withoutManagedFields(obj: KubeObject): KubeObject {
  if (obj.metadata.managedFields === undefined) return obj;
  let l = lean.get(obj);
  if (!l) {
    const { managedFields: _omitted, ...metadata } = obj.metadata;
    l = { ...obj, metadata };
    lean.set(obj, l);
  }
  return l;
}

/** The object's JSON text, computed once per object version. */
export function objectJson(obj: KubeObject): string {
  let s = json.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    json.set(obj, s);
  }
  return s;
}

/** One line of an HTTP watch stream: `{"type":…,"object":…}`. */
export function watchLineJson(type: WatchEventType, obj: KubeObject): string {
  return `{"type":"${type}","object":${objectJson(obj)}}`;
}

/** The object's msgpack bytes, computed once per object version. */
export function objectPacked(obj: KubeObject): Uint8Array {
  let b = packed.get(obj);
  if (b === undefined) {
    b = encode(obj);
    packed.set(obj, b);
  }
  return b;
}

const KEY = {
  type: encode("type"),
  object: encode("object"),
  kind: encode("kind"),
  apiVersion: encode("apiVersion"),
  metadata: encode("metadata"),
  items: encode("items"),
  warnings: encode("warnings"),
};

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** msgpack header of a map with `n` (< 16) entries. */
const fixmap = (n: number) => Uint8Array.of(0x80 | n);

function arrayHeader(n: number): Uint8Array {
  if (n < 16) return Uint8Array.of(0x90 | n);
  if (n < 65536) return Uint8Array.of(0xdc, n >>> 8, n & 255);
  return Uint8Array.of(0xdd, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

/** One bus watch message `{type, object}`, encoded once per (object, event type). */
export function watchMessagePacked(type: WatchEventType, obj: KubeObject): Uint8Array {
  let byType = packedWatch.get(obj);
  if (!byType) {
    byType = new Map();
    packedWatch.set(obj, byType);
  }
  let bytes = byType.get(type);
  if (!bytes) {
    bytes = concat([fixmap(2), KEY.type, encode(type), KEY.object, objectPacked(obj)]);
    byType.set(type, bytes);
  }
  return bytes;
}

/** A bus reply `{object, warnings?}` to a write, from the object's cached bytes. */
export function objectReplyPacked(obj: KubeObject, warnings: readonly string[] | undefined): Uint8Array {
  return warnings && warnings.length > 0 ? concat([fixmap(2), KEY.object, objectPacked(obj), KEY.warnings, encode(warnings)]) : concat([fixmap(1), KEY.object, objectPacked(obj)]);
}

/** A bus list reply `{object: {kind, apiVersion, metadata, items}}` from cached items. */
export function listReplyPacked(list: KubeList): Uint8Array {
  const parts: Uint8Array[] = [fixmap(1), KEY.object, fixmap(4), KEY.kind, encode(list.kind), KEY.apiVersion, encode(list.apiVersion), KEY.metadata, encode(list.metadata), KEY.items, arrayHeader(list.items.length)];
  for (const item of list.items) parts.push(objectPacked(item));
  return concat(parts);
}
