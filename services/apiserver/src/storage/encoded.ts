/**
 * Serialize once, send to many. Objects held by the watch cache never change (a new
 * version is a new object), so each one's JSON — and each watch message built from
 * it — is computed at most once and shared by every watcher and every list that sends
 * it. Measured: per-watcher serialization was 27 % (HTTP) and 41 % (bus) of the
 * apiserver's busy time with 100 watchers.
 */
import { encode, type BusWatchMessage } from "@flotilla/bus";
import type { KubeObject, WatchEventType } from "@flotilla/api";

const json = new WeakMap<object, string>();
const packed = new WeakMap<object, Map<string, Uint8Array>>();

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

/** One bus watch message, msgpack-encoded once per (object, event type). */
export function watchMessagePacked(type: WatchEventType, obj: KubeObject): Uint8Array {
  let byType = packed.get(obj);
  if (!byType) {
    byType = new Map();
    packed.set(obj, byType);
  }
  let bytes = byType.get(type);
  if (!bytes) {
    bytes = encode({ type, object: obj } satisfies BusWatchMessage);
    byType.set(type, bytes);
  }
  return bytes;
}
