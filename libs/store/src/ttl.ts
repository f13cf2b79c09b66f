/**
 * Keys that expire on their own: per-message TTLs (the `Nats-TTL` header) and the
 * subject delete marker the server writes when a TTL'd value expires (`Nats-Marker-Reason:
 * MaxAge`), which list, get and watch read as a delete.
 *
 * Two server rules shape how the store writes TTLs (nats-server 2.11.2+, measured on
 * 2.15.1; see processJetStreamMsg in server/stream.go and expireMsgs in
 * server/filestore.go):
 *
 * - In a stream that keeps more than one message per subject, the server silently raises
 *   any message TTL below the bucket's marker TTL (`subject_delete_marker_ttl`) to that
 *   marker TTL. So in a bucket with history > 1 a TTL shorter than the marker TTL is
 *   refused here (RangeError) rather than quietly lengthened.
 * - When a TTL'd message expires, a marker is written only if it was the last message
 *   left on its subject; otherwise it is removed without a trace and an older revision
 *   of the key (one written without a TTL, or with a longer one, or a delete) becomes
 *   its value again — a resurrection no watcher is told about. So every TTL'd write also
 *   rolls the key up (`Nats-Rollup: sub`): it replaces the key's history and is its only
 *   message, and its expiry always leaves a marker. A lagging watcher then sees only the
 *   latest value of such a key, as in a history-1 bucket.
 */
import { headers, type MsgHdrs } from "@nats-io/transport-node";
import type { JetStreamManager, StreamConfig } from "@nats-io/jetstream";
import type { KvStoreConfig } from "./options.ts";

const NANOS_PER_MS = 1_000_000;

/** The bucket's TTL support as its stream is configured (not as the options asked). */
export interface BucketTtl {
  /** How long the marker left by an expired key is kept. */
  markerTtlMs: number;
  /** The shortest TTL the server honours as written: 1 s, or the marker TTL when history > 1. */
  minTtlMs: number;
}

/**
 * Make an existing bucket's TTL support match the options: enable per-message TTLs and
 * set the marker TTL (a stream config update; the server refuses to turn TTLs off
 * again, and an update only affects markers written afterwards). A bucket just created
 * already matches. With `markerTtlMs` 0 the bucket is left as it is.
 * @returns the TTL support in effect, undefined when the bucket has none.
 */
export async function ensureTtlSupport(jsm: JetStreamManager, stream: string, config: KvStoreConfig): Promise<BucketTtl | undefined> {
  let sc = (await jsm.streams.info(stream)).config;
  const wantMarkerNs = config.markerTtlMs * NANOS_PER_MS;
  if (config.markerTtlMs > 0 && (!sc.allow_msg_ttl || sc.subject_delete_marker_ttl !== wantMarkerNs)) {
    sc = (await jsm.streams.update(stream, { allow_msg_ttl: true, subject_delete_marker_ttl: wantMarkerNs, allow_rollup_hdrs: true })).config;
  }
  return bucketTtl(sc);
}

/** What a stream config allows; undefined without TTLs or markers (a server older than 2.11 drops both). */
export function bucketTtl(sc: Pick<StreamConfig, "allow_msg_ttl" | "subject_delete_marker_ttl" | "max_msgs_per_subject">): BucketTtl | undefined {
  const markerTtlMs = (sc.subject_delete_marker_ttl ?? 0) / NANOS_PER_MS;
  if (!sc.allow_msg_ttl || markerTtlMs <= 0) return undefined;
  return { markerTtlMs, minTtlMs: sc.max_msgs_per_subject === 1 ? 1000 : Math.max(1000, markerTtlMs) };
}

/** The TTL configured for `key` by `ttlMsByPrefix` (the longest matching prefix), if any. */
export function prefixTtlMs(ttlMsByPrefix: Readonly<Record<string, number>>, key: string): number | undefined {
  let best: string | undefined;
  for (const prefix of Object.keys(ttlMsByPrefix)) if (key.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  return best === undefined ? undefined : ttlMsByPrefix[best];
}

/**
 * @throws RangeError when the bucket cannot expire a value after `ttlMs` as asked: no
 *   TTL support, or a TTL the server would lengthen (see the module comment).
 */
export function checkTtl(ttlMs: number, bucket: BucketTtl | undefined, what: string): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`${what}: ttlMs must be a positive number, got ${ttlMs}`);
  if (!bucket) throw new RangeError(`${what}: the bucket has no per-message TTL support (KvStoreOptions.markerTtlMs 0, or nats-server older than 2.11)`);
  if (ttlMs < bucket.minTtlMs) {
    throw new RangeError(`${what}: ttlMs ${ttlMs} is below ${bucket.minTtlMs}, the bucket's marker TTL, which nats-server enforces as the least TTL when a key keeps more than one revision`);
  }
}

/**
 * Headers of a TTL'd write: the TTL in whole seconds (rounded up), as nats-server reads
 * it, and the roll-up that makes the write its key's only message.
 */
export function ttlHeaders(ttlMs: number): MsgHdrs {
  const h = headers();
  h.set("Nats-TTL", `${Math.ceil(ttlMs / 1000)}s`);
  h.set("Nats-Rollup", "sub");
  return h;
}
