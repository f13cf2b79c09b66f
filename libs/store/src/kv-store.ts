/**
 * The cluster store on a NATS JetStream KV bucket. One bucket, one stream, one global
 * sequence: a key's revision is the stream sequence of its last write, which is what
 * Kubernetes calls resourceVersion.
 *
 * Writes are single compare-and-set publishes and are never retried here: during a
 * stream leader election a write can time out yet be stored, so only the caller, after
 * re-reading, can decide whether to write again. They are published by casPublish, which
 * looks at every server's answer (answers.ts), and leader reads consult the leader guard
 * (leader-guard.ts): a cut-off old leader must not answer for the stream.
 */
import { Empty, headers } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { KvOptions } from "@nats-io/kv";
import { casPublish, freshestLastMessage } from "./answers.ts";
import { LeaderGuard } from "./leader-guard.ts";
import { ReplyMux } from "./reply-mux.ts";
import type { ListResult, Store, StoreEntry, StoreWatch, StoreWriteOptions, WatchOptions } from "./types.ts";
import { KeyExistsError, KeyNotFoundError, RevisionMismatchError, StoreUnavailableError } from "./errors.ts";
import { bucketNames, decodeValue, encodeValue, isDeleteMarker, subjectFor } from "./messages.ts";
import { mapUnavailable, wrongLastSequence } from "./nats-errors.ts";
import { withDefaults } from "./options.ts";
import type { KvStoreConfig, KvStoreOptions } from "./options.ts";
import { listSnapshot } from "./snapshot.ts";
import { gatherFor, leaderLastMessage, streamRange } from "./stream-reads.ts";
import type { StoreContext } from "./stream-reads.ts";
import { KvWatch } from "./watch.ts";
import { OwnWrites, type PendingWrite } from "./own-writes.ts";
import { checkTtl, ensureTtlSupport, prefixTtlMs, ttlHeaders } from "./ttl.ts";
import type { BucketTtl } from "./ttl.ts";

/**
 * Attempts of an unconditional delete (read the revision, then delete if unchanged)
 * before giving up with RevisionMismatchError under constant concurrent updates.
 */
const UNCONDITIONAL_DELETE_ATTEMPTS = 5;
/** Written values held for this process's watches (shareWrittenValues); a few seconds of writes. */
const OWN_WRITES_CAPACITY = 4096;

/** {@link Store} on a JetStream KV bucket; see the module comment for the semantics. */
export class KvStore implements Store {
  /** The options in effect, defaults filled in. */
  readonly config: KvStoreConfig;
  /** The bucket's TTL support as its stream has it (after open brought it in line with the options); undefined for none. */
  readonly ttl: BucketTtl | undefined;
  readonly #ctx: StoreContext;
  readonly #watches = new Set<KvWatch>();
  #closed = false;

  private constructor(ctx: StoreContext, ttl: BucketTtl | undefined) {
    this.#ctx = ctx;
    this.config = ctx.config;
    this.ttl = ttl;
  }

  /** How long an expired key's delete marker stays (the bucket's marker TTL); see Store. */
  get expiryMarkerTtlMs(): number | undefined {
    return this.ttl?.markerTtlMs;
  }

  /**
   * Open the bucket, creating it when absent (with `replicas`, `historyPerKey` and TTL
   * support from the options; an existing bucket keeps its replicas and history, but its
   * TTL support is brought in line with `markerTtlMs`). The connection stays the
   * caller's: close() does not close it.
   * @throws StoreUnavailableError when JetStream does not answer.
   * @throws RangeError for invalid options, or `ttlMsByPrefix` the bucket cannot honour.
   */
  static async create(nc: NatsConnection, options: KvStoreOptions = {}): Promise<KvStore> {
    const config = withDefaults(options);
    // A master often starts while its NATS cluster is still forming (no JetStream meta
    // leader yet), or while another master creates the same bucket: keep trying, with
    // bounded backoff, until openTimeoutMs.
    const deadline = Date.now() + config.openTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await KvStore.#open(nc, config);
      } catch (err) {
        if (!(err instanceof StoreUnavailableError) || Date.now() >= deadline) throw err;
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000)));
      }
    }
  }

  static async #open(nc: NatsConnection, config: KvStoreConfig): Promise<KvStore> {
    try {
      const js = jetstream(nc, { timeout: config.requestTimeoutMs });
      const jsm = await jetstreamManager(nc, { timeout: config.requestTimeoutMs });
      const kvOptions: Partial<KvOptions> = {
        replicas: config.replicas,
        history: config.historyPerKey,
        storage: StorageType.File,
        // Created without direct gets, so that every client that opens the bucket
        // without options (the nats CLI, a plain @nats-io/kv) reads from the stream
        // leader too. Passing false here also makes this handle's kv.get (used inside
        // kv.create) use STREAM.MSG.GET even if someone created the bucket with
        // allow_direct: nats.js picks DIRECT.GET only when both the handle and the
        // stream allow it, and has no per-call switch.
        allow_direct: false,
      };
      if (config.markerTtlMs > 0) kvOptions.markerTTL = config.markerTtlMs;
      await new Kvm(js).create(config.bucket, kvOptions);
      const names = bucketNames(config.bucket);
      const ttl = await ensureTtlSupport(jsm, names.stream, config);
      // The bucket may keep more revisions per key than the options say (it existed).
      for (const [prefix, ttlMs] of Object.entries(config.ttlMsByPrefix)) checkTtl(ttlMs, ttl, `KvStoreOptions.ttlMsByPrefix[${JSON.stringify(prefix)}]`);
      const ctx: StoreContext = { nc, js, jsm, names, config, replies: new ReplyMux(nc) };
      if (config.shareWrittenValues) ctx.ownWrites = new OwnWrites(OWN_WRITES_CAPACITY);
      if (config.leaderCheckIntervalMs > 0) {
        ctx.guard = new LeaderGuard(ctx.replies, names.stream, config);
        await ctx.guard.start();
      }
      return new KvStore(ctx, ttl);
    } catch (err) {
      throw mapUnavailable(err, `opening bucket ${config.bucket}`, false);
    }
  }

  async create(key: string, value: unknown, opts: StoreWriteOptions = {}): Promise<number> {
    this.#assertOpen();
    const ttlMs = this.#ttlFor(key, opts);
    const data = encodeValue(value);
    const pending = this.#share(key, data, value);
    try {
      const revision = await this.#createCas(key, data, ttlMs);
      this.#settle(pending, revision);
      return revision;
    } catch (err) {
      this.#settle(pending, undefined);
      if (wrongLastSequence(err) !== undefined) throw new KeyExistsError(key, err);
      throw mapUnavailable(err, `create ${key}`, true);
    }
  }

  async update(key: string, value: unknown, revision: number, opts: StoreWriteOptions = {}): Promise<number> {
    this.#assertOpen();
    assertRevision(revision);
    const ttlMs = this.#ttlFor(key, opts);
    const data = encodeValue(value);
    const pending = this.#share(key, data, value);
    try {
      const written = await this.#publish(subjectFor(this.#ctx.names, key), data, revision, ttlMs === undefined ? undefined : ttlHeaders(ttlMs));
      this.#settle(pending, written);
      return written;
    } catch (err) {
      this.#settle(pending, undefined);
      const reported = wrongLastSequence(err);
      if (reported !== undefined) throw await this.#casFailure(key, revision, reported, err);
      throw mapUnavailable(err, `update ${key}`, true);
    }
  }

  async delete(key: string, revision?: number): Promise<number> {
    this.#assertOpen();
    if (revision !== undefined) {
      assertRevision(revision);
      try {
        return await this.#publishDelete(key, revision);
      } catch (err) {
        const reported = wrongLastSequence(err);
        if (reported !== undefined) throw await this.#casFailure(key, revision, reported, err);
        throw mapUnavailable(err, `delete ${key}`, true);
      }
    }
    // Unconditional: read the current revision, delete if still at it. A lost race is
    // re-read, not blindly repeated, so deleting an already deleted key is NotFound.
    let lastErr: unknown;
    for (let attempt = 0; attempt < UNCONDITIONAL_DELETE_ATTEMPTS; attempt++) {
      const current = await this.get(key);
      if (!current) throw new KeyNotFoundError(key);
      try {
        return await this.#publishDelete(key, current.revision);
      } catch (err) {
        if (wrongLastSequence(err) === undefined) throw mapUnavailable(err, `delete ${key}`, true);
        lastErr = err;
      }
    }
    throw new RevisionMismatchError(key, 0, undefined, lastErr);
  }

  /**
   * STREAM.MSG.GET with last_by_subj, which only the stream leader answers — never the
   * DIRECT.GET a follower may serve from a stale copy (see the note in create()).
   */
  async get(key: string): Promise<StoreEntry | undefined> {
    this.#assertOpen();
    const subject = subjectFor(this.#ctx.names, key);
    const sm = await leaderLastMessage(this.#ctx, subject, `get ${key}`);
    if (!sm || sm.subject !== subject || isDeleteMarker(sm.header)) return undefined;
    return { key, revision: sm.seq, value: decodeValue(sm.data) };
  }

  async list(prefix: string): Promise<ListResult> {
    this.#assertOpen();
    const { items, revision } = await listSnapshot(this.#ctx, prefix);
    return { items, revision };
  }

  async currentRevision(): Promise<number> {
    this.#assertOpen();
    return (await streamRange(this.#ctx, "currentRevision")).last;
  }

  async watch(options: WatchOptions): Promise<StoreWatch> {
    this.#assertOpen();
    const w = await KvWatch.open(this.#ctx, options, (stopped) => this.#watches.delete(stopped));
    if (this.#closed) {
      w.stop();
    } else {
      this.#watches.add(w);
    }
    return w;
  }

  /** Stop every watch of this store. The NATS connection is left open. */
  close(): Promise<void> {
    this.#closed = true;
    for (const w of [...this.#watches]) w.stop();
    this.#ctx.ownWrites?.clear();
    this.#ctx.guard?.stop();
    this.#ctx.replies.close();
    return Promise.resolve();
  }

  /**
   * kv.delete() does not return the delete marker's sequence, which is the revision the
   * contract returns, so the marker is published here exactly as nats.js writes it.
   */
  #publishDelete(key: string, previousRevision: number): Promise<number> {
    const h = headers();
    h.set("KV-Operation", "DEL");
    return this.#publish(subjectFor(this.#ctx.names, key), Empty, previousRevision, h);
  }

  /** The write's TTL: its own, else the one its key prefix has; checked against the bucket. */
  #ttlFor(key: string, opts: StoreWriteOptions): number | undefined {
    const ttlMs = opts.ttlMs ?? prefixTtlMs(this.config.ttlMsByPrefix, key);
    if (ttlMs !== undefined) checkTtl(ttlMs, this.ttl, `write of ${key}`);
    return ttlMs;
  }

  /**
   * "Must not exist": expected last sequence 0, or, when the key's last entry is a delete
   * or an expiry marker, that marker's sequence — still one compare-and-set, as kv.create
   * does it (with the TTL and roll-up headers when `ttlMs` is set; see ttl.ts).
   */
  async #createCas(key: string, data: Uint8Array, ttlMs: number | undefined): Promise<number> {
    const subject = subjectFor(this.#ctx.names, key);
    const h = () => (ttlMs === undefined ? undefined : ttlHeaders(ttlMs));
    try {
      return await this.#publish(subject, data, 0, h());
    } catch (err) {
      if (wrongLastSequence(err) === undefined) throw err;
      const last = await leaderLastMessage(this.#ctx, subject, `create ${key}`);
      if (!last || last.subject !== subject || !isDeleteMarker(last.header)) throw err;
      return await this.#publish(subject, data, last.seq, h());
    }
  }

  /** One compare-and-set publish (every server's answer is weighed: answers.ts). */
  #publish(subject: string, data: Uint8Array, previousRevision: number, h?: ReturnType<typeof headers>): Promise<number> {
    return casPublish(this.#ctx.nc, this.#ctx.replies, subject, data, previousRevision, {
      timeoutMs: this.config.requestTimeoutMs,
      readFreshest: () => freshestLastMessage(this.#ctx.replies, gatherFor(this.#ctx), this.#ctx.names.stream, subject),
      ...(h ? { headers: h } : {}),
    });
  }

  /** Turn a lost compare-and-set into NotFound or Conflict, re-reading when needed. */
  async #casFailure(key: string, expected: number, reported: number | null, cause: unknown): Promise<Error> {
    if (reported === 0) return new KeyNotFoundError(key, cause);
    try {
      const current = await this.get(key);
      if (!current) return new KeyNotFoundError(key, cause);
      return new RevisionMismatchError(key, expected, current.revision, cause);
    } catch {
      // The CAS already failed; an unreadable store must not turn Conflict into 503.
      return new RevisionMismatchError(key, expected, reported ?? undefined, cause);
    }
  }

  /** With shareWrittenValues: offer the value to this process's watches that cover the key. */
  #share(key: string, data: Uint8Array, value: unknown): PendingWrite | undefined {
    const own = this.#ctx.ownWrites;
    if (!own) return undefined;
    for (const w of this.#watches) if (w.covers(key)) return own.add(key, data, value);
    return undefined;
  }

  /** After the write: drop the offer if it failed or every covering watch has already passed it. */
  #settle(pending: PendingWrite | undefined, revision: number | undefined): void {
    if (!pending) return;
    if (revision !== undefined) for (const w of this.#watches) if (w.covers(pending.key) && w.cursor < revision) return;
    this.#ctx.ownWrites?.remove(pending);
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("KvStore is closed");
  }
}

function assertRevision(revision: number): void {
  if (!Number.isInteger(revision) || revision <= 0) throw new RangeError(`store revision must be a positive integer, got ${revision}`);
}
