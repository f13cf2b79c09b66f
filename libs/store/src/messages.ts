/**
 * How store keys and values sit in the KV bucket's stream: subjects, JSON payloads and
 * the headers that turn a message into a delete.
 */
import type { MsgHdrs } from "@nats-io/transport-node";

/** The bucket's names on the wire. */
export interface BucketNames {
  bucket: string;
  /** Backing stream: `KV_<bucket>`. */
  stream: string;
  /** Subject prefix of every key: `$KV.<bucket>.`. */
  subjectPrefix: string;
}

export function bucketNames(bucket: string): BucketNames {
  return { bucket, stream: `KV_${bucket}`, subjectPrefix: `$KV.${bucket}.` };
}

// What the KV layer accepts as a key, minus the wildcards a key must never contain.
const KEY = /^[-/_=.a-zA-Z0-9]+$/;

/** @throws TypeError when `key` is not a literal NATS KV key (a bug in the caller). */
export function assertKey(key: string): void {
  if (!KEY.test(key) || key.split(".").some((t) => t === "")) {
    throw new TypeError(`invalid store key ${JSON.stringify(key)}`);
  }
}

export function subjectFor(names: BucketNames, key: string): string {
  assertKey(key);
  return names.subjectPrefix + key;
}

/** A prefix turned into a server-side subject filter plus the client-side check. */
export interface PrefixFilter {
  /** Subject filter: the prefix up to its last complete token, then `>`. */
  subject: string;
  /** Keys must also start with this (the prefix itself). */
  keyPrefix: string;
}

/**
 * "" → everything, "pods." → `$KV.b.pods.>`. A prefix that does not end at a token
 * boundary ("pods.def") is filtered by the server on its complete tokens and by the
 * client on the rest, so any string prefix works but token-aligned ones cost nothing.
 * @throws TypeError for a prefix that no key could start with.
 */
export function prefixFilter(names: BucketNames, prefix: string): PrefixFilter {
  if (prefix === "") return { subject: `${names.subjectPrefix}>`, keyPrefix: "" };
  if (!KEY.test(prefix) || prefix.startsWith(".") || prefix.includes("..")) {
    throw new TypeError(`invalid store key prefix ${JSON.stringify(prefix)}`);
  }
  const cut = prefix.lastIndexOf(".");
  const tokens = cut < 0 ? "" : prefix.slice(0, cut + 1);
  return { subject: `${names.subjectPrefix}${tokens}>`, keyPrefix: prefix };
}

export function keyOfSubject(names: BucketNames, subject: string): string {
  return subject.slice(names.subjectPrefix.length);
}

/**
 * True when a stored message means "the key is absent": a KV delete or purge
 * (`KV-Operation: DEL|PURGE`), or a server-placed marker (`Nats-Marker-Reason`, e.g.
 * MaxAge when a per-key TTL expires). nats.js v3 only recognises the MaxAge reason;
 * nats-server 2.12+ also writes Purge and Remove markers, which are deletes too.
 */
export function isDeleteMarker(headers: MsgHdrs | undefined): boolean {
  if (!headers) return false;
  if (headers.has("Nats-Marker-Reason")) return true;
  const op = headers.get("KV-Operation");
  return op === "DEL" || op === "PURGE";
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Values are stored as the UTF-8 bytes of their JSON, so `nats kv get` prints them. */
export function encodeValue(value: unknown): Uint8Array {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError("store values must be JSON-serialisable");
  return encoder.encode(json);
}

/** @throws SyntaxError when the stored bytes are not JSON (written by something else). */
export function decodeValue(data: Uint8Array): unknown {
  return JSON.parse(decoder.decode(data));
}
