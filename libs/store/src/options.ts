/**
 * KvStore options, their defaults and validation. Options are what callers pass (all
 * optional); Config is the frozen, validated result the store runs with.
 */

/** Options for {@link KvStore.create}. */
export interface KvStoreOptions {
  /** KV bucket name; the backing stream is `KV_<bucket>`. @default "flotilla" */
  bucket?: string;
  /** Stream replicas when the bucket is created: 1 (single master) or 3 (HA). Ignored when the bucket exists. @default 1 */
  replicas?: number;
  /** Timeout of each JetStream request (writes, gets, stream info, consumer creation). @default 2000 */
  requestTimeoutMs?: number;
  /** How long create() keeps trying to open the bucket while JetStream is unavailable. @default 30000 */
  openTimeoutMs?: number;
  /**
   * Values kept per key when the bucket is created. 1 keeps only the latest, so a watch
   * from an old revision sees each key's latest change, not every intermediate one.
   * @default 1
   */
  historyPerKey?: number;
  /**
   * Per-key TTL support (nats-server >= 2.11.2): enables per-message TTLs and keeps the
   * delete marker left by an expired key this long, so watchers see the expiry (and a
   * watch resumed within this time still does). Applied to an existing bucket too, by a
   * stream config update, so a bucket created without TTL support gains it; the server
   * refuses to turn TTL support off again. 0: a new bucket gets no TTL support and an
   * existing one is left as it is. With historyPerKey > 1 the server lengthens any TTL
   * below this to this, so it must not exceed the shortest TTL written.
   * @default 3_600_000 (1 hour)
   */
  markerTtlMs?: number;
  /**
   * Keys that expire: every create and update of a key under one of these prefixes
   * (key form, e.g. `"events."`; the longest matching prefix wins) carries this TTL in
   * ms, so the key expires that long after its last write unless the write passes its
   * own `ttlMs`. Needs TTL support (markerTtlMs > 0); with historyPerKey > 1 each TTL
   * must be at least the bucket's marker TTL (checked when the store opens).
   * @default {}
   */
  ttlMsByPrefix?: Readonly<Record<string, number>>;
  /** Messages fetched per pull by list and watch consumers. @default 1000 */
  fetchBatchSize?: number;
  /**
   * How long a watch keeps trying to re-establish its consumer after the stream became
   * unreachable (beyond nats.js's own reconnect handling) before its iterator fails
   * with StoreUnavailableError. @default 60_000
   */
  watchRecoveryTimeoutMs?: number;
  /** Idle heartbeat of list/watch consumers; a watch silent for three of them while waiting replaces its consumer, a list fails after two. @default 2000 */
  consumerHeartbeatMs?: number;
  /**
   * This process's watches receive the very values it wrote (by revision) instead of
   * parsing them back from the stream. The writer must never mutate a value after
   * passing it to create/update. @default false
   */
  shareWrittenValues?: boolean;
  /**
   * How often the leader guard checks that one stream leader, in touch with its
   * followers, answers (leader-guard.ts); 0 turns the guard off. @default 500
   */
  leaderCheckIntervalMs?: number;
  /** The same for a single-replica stream (no stale copy can exist): in case it is raised to three. @default 5000 */
  singleReplicaCheckIntervalMs?: number;
  /** A follower silent this long (the leader's view) makes leader reads wait for every answer. @default 2500 */
  peerActiveLimitMs?: number;
  /** ...unless silent longer than this: a cut-off leader steps down after 10 s. @default 12000 */
  peerGoneAfterMs?: number;
  /**
   * How long the guard stays wary after its checks look healthy again. A healed old
   * leader's own messages make it look active to the new one before it has stepped
   * down (CI: stale reads 0.8 s after a heal with 1 s here). @default 3000
   */
  leaderSettleMs?: number;
  /** While wary: how long to wait for another server's answer after the last one. @default 100 */
  multiAnswerStallMs?: number;
}

/** The validated options a KvStore runs with. */
export type KvStoreConfig = Readonly<Required<KvStoreOptions>>;

/** Default options; see {@link KvStoreOptions} for what each means. */
export const KV_STORE_DEFAULTS: KvStoreConfig = Object.freeze({
  bucket: "flotilla",
  replicas: 1,
  requestTimeoutMs: 2000,
  openTimeoutMs: 30_000,
  historyPerKey: 1,
  markerTtlMs: 3_600_000,
  ttlMsByPrefix: Object.freeze({}),
  fetchBatchSize: 1000,
  watchRecoveryTimeoutMs: 60_000,
  consumerHeartbeatMs: 2000,
  shareWrittenValues: false,
  leaderCheckIntervalMs: 500,
  singleReplicaCheckIntervalMs: 5000,
  peerActiveLimitMs: 2500,
  peerGoneAfterMs: 12_000,
  leaderSettleMs: 3000,
  multiAnswerStallMs: 100,
});

const BUCKET_NAME = /^[-\w]+$/;

function requireInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`KvStoreOptions.${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

/**
 * Fill in defaults and validate, with a message that names the option.
 * @throws RangeError for an invalid option.
 */
export function withDefaults(options: KvStoreOptions = {}): KvStoreConfig {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const c: Required<KvStoreOptions> = { ...KV_STORE_DEFAULTS, ...defined };
  c.ttlMsByPrefix = Object.freeze({ ...c.ttlMsByPrefix });
  if (!BUCKET_NAME.test(c.bucket)) throw new RangeError(`KvStoreOptions.bucket must match ${BUCKET_NAME}, got ${JSON.stringify(c.bucket)}`);
  if (![1, 3, 5].includes(c.replicas)) throw new RangeError(`KvStoreOptions.replicas must be 1, 3 or 5, got ${c.replicas}`);
  requireInt("requestTimeoutMs", c.requestTimeoutMs, 1, 600_000);
  requireInt("openTimeoutMs", c.openTimeoutMs, 0, 3_600_000);
  requireInt("historyPerKey", c.historyPerKey, 1, 64);
  // The server refuses a subject delete marker TTL under one second.
  if (c.markerTtlMs !== 0) requireInt("markerTtlMs", c.markerTtlMs, 1000, Number.MAX_SAFE_INTEGER);
  for (const [prefix, ttlMs] of Object.entries(c.ttlMsByPrefix)) {
    if (prefix === "") throw new RangeError("KvStoreOptions.ttlMsByPrefix: a prefix must not be empty");
    requireInt(`ttlMsByPrefix[${JSON.stringify(prefix)}]`, ttlMs, 1000, Number.MAX_SAFE_INTEGER);
    if (c.markerTtlMs === 0) throw new RangeError("KvStoreOptions.ttlMsByPrefix needs TTL support: markerTtlMs must not be 0");
    if (c.historyPerKey > 1 && ttlMs < c.markerTtlMs) {
      throw new RangeError(`KvStoreOptions.ttlMsByPrefix[${JSON.stringify(prefix)}] (${ttlMs}) must be at least markerTtlMs (${c.markerTtlMs}) when historyPerKey > 1: nats-server raises shorter TTLs to the marker TTL`);
    }
  }
  requireInt("fetchBatchSize", c.fetchBatchSize, 1, 100_000);
  requireInt("watchRecoveryTimeoutMs", c.watchRecoveryTimeoutMs, 0, 86_400_000);
  // nats.js clamps pull heartbeats to [500, 30000] ms.
  requireInt("consumerHeartbeatMs", c.consumerHeartbeatMs, 500, 30_000);
  requireInt("leaderCheckIntervalMs", c.leaderCheckIntervalMs, 0, 60_000);
  requireInt("singleReplicaCheckIntervalMs", c.singleReplicaCheckIntervalMs, 1, 600_000);
  requireInt("peerActiveLimitMs", c.peerActiveLimitMs, 1, 60_000);
  requireInt("peerGoneAfterMs", c.peerGoneAfterMs, c.peerActiveLimitMs, 600_000);
  requireInt("leaderSettleMs", c.leaderSettleMs, 0, 60_000);
  requireInt("multiAnswerStallMs", c.multiAnswerStallMs, 1, 10_000);
  return Object.freeze(c);
}
