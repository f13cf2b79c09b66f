/**
 * watch(): a stream of StoreEvents over a key prefix, built on an ordered pull consumer.
 *
 * - fromRevision given: an ordered consumer starting at fromRevision + 1, after checking
 *   with the leader that the stream still holds that far back (else StoreGoneError).
 * - fromRevision undefined: list() (a snapshot exact at revision R), its items as "put"
 *   events, onInitialized(R), then the same consumer from R + 1.
 *
 * Surviving failures: nats.js's ordered consumer recreates itself on sequence gaps, but
 * two failures it handles slowly or not at all are handled here. After a server restart
 * its recreated consumer stalls (~15 s measured, see CONSUMER_LOST), and when the replica
 * hosting the consumer dies while our connection survives, it only notices missed
 * heartbeats and had not recovered 15 s later in our cluster tests. So the watch replaces the consumer itself, from the last revision it
 * delivered, when nats.js reports it lost or when nothing (no message, no heartbeat)
 * arrives for three heartbeats while we wait; reopening is retried with backoff for at
 * most `watchRecoveryTimeoutMs`, then the iterator fails with StoreUnavailableError
 * (or StoreGoneError if the history after the cursor is gone meanwhile).
 *
 * The last delivered revision is the cursor: an event at or below it is never delivered
 * again, so recreations cannot duplicate or reorder events.
 */
import type { JsMsg } from "@nats-io/jetstream";
import type { StoreEntry, StoreEvent, StoreWatch, WatchOptions } from "./types.ts";
import { StoreGoneError, StoreUnavailableError } from "./errors.ts";
import { decodeValue, isDeleteMarker, keyOfSubject, prefixFilter } from "./messages.ts";
import type { PrefixFilter } from "./messages.ts";
import { mapUnavailable } from "./nats-errors.ts";
import { listSnapshot } from "./snapshot.ts";
import { CONSUMER_LIVENESS, CONSUMER_LOST, openOrderedReader, streamRange } from "./stream-reads.ts";
import type { OrderedReader, StoreContext } from "./stream-reads.ts";

/** Missed heartbeats (while waiting for a message) after which the consumer is replaced. */
const STALL_HEARTBEATS = 3;
/** Delays between attempts to reopen a lost consumer, in ms; the last one repeats. */
const REOPEN_BACKOFF_MS = [0, 100, 250, 500, 1000, 2000, 5000];

/**
 * Throws StoreGoneError when changes after `fromRevision` may no longer all be in the
 * stream: its oldest message is newer than fromRevision + 1.
 */
async function checkNotGone(ctx: StoreContext, fromRevision: number): Promise<void> {
  const range = await streamRange(ctx, "watch");
  if (range.first > fromRevision + 1) throw new StoreGoneError(fromRevision, range.first);
}

/** A StoreWatch over an ordered consumer; created by KvStore.watch(). */
export class KvWatch implements StoreWatch {
  readonly #ctx: StoreContext;
  readonly #filter: PrefixFilter;
  #initial: StoreEntry[] | undefined;
  readonly #onInitialized: ((revision: number) => void) | undefined;
  #reader: OrderedReader;
  /** Revision of the last message taken from the consumer: the resume cursor. */
  #last: number;
  #stopped = false;
  #iterated = false;
  #waiting = false;
  #lastActivityMs = Date.now();
  readonly #watchdog: NodeJS.Timeout;
  readonly #stopSignal: Promise<void>;
  #signalStop: () => void = () => undefined;
  readonly #onStop: (w: KvWatch) => void;

  private constructor(ctx: StoreContext, filter: PrefixFilter, reader: OrderedReader, last: number, initial: StoreEntry[] | undefined, options: WatchOptions, onStop: (w: KvWatch) => void) {
    this.#ctx = ctx;
    this.#filter = filter;
    this.#reader = reader;
    this.#last = last;
    this.#initial = initial;
    this.#onInitialized = options.onInitialized;
    this.#onStop = onStop;
    this.#stopSignal = new Promise((resolve) => (this.#signalStop = resolve));
    this.#watchdog = setInterval(() => this.#checkStalled(), ctx.config.consumerHeartbeatMs);
    this.#watchdog.unref();
    this.#observe(reader);
  }

  /**
   * Start a watch; errors that make it impossible (history gone, store unreachable) are
   * thrown here rather than from the iterator.
   * @param onStop called once when the watch ends, so the store can forget it.
   */
  static async open(ctx: StoreContext, options: WatchOptions, onStop: (w: KvWatch) => void): Promise<KvWatch> {
    const filter = prefixFilter(ctx.names, options.prefix);
    const from = options.fromRevision;
    if (from !== undefined && (!Number.isInteger(from) || from < 0)) throw new RangeError(`watch fromRevision must be a non-negative integer, got ${from}`);
    let start: number;
    let initial: StoreEntry[] | undefined;
    if (from === undefined) {
      const snapshot = await listSnapshot(ctx, options.prefix);
      start = snapshot.revision;
      initial = snapshot.items;
    } else {
      await checkNotGone(ctx, from);
      start = from;
    }
    const reader = await openOrderedReader(ctx, filter.subject, { kind: "afterRevision", revision: start }, "watch");
    return new KvWatch(ctx, filter, reader, start, initial, options, onStop);
  }

  /** The last revision this watch has taken from the stream. */
  get cursor(): number {
    return this.#last;
  }

  /** True when this watch delivers changes of `key`. */
  covers(key: string): boolean {
    return !this.#stopped && key.startsWith(this.#filter.keyPrefix);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#watchdog);
    this.#reader.close();
    this.#signalStop();
    this.#onStop(this);
  }

  [Symbol.asyncIterator](): AsyncIterator<StoreEvent> {
    if (this.#iterated) throw new Error("a StoreWatch can be iterated only once");
    this.#iterated = true;
    return this.#run();
  }

  async *#run(): AsyncGenerator<StoreEvent, void, undefined> {
    try {
      if (this.#initial !== undefined) {
        const initial = this.#initial;
        this.#initial = undefined;
        for (const item of initial) {
          if (this.#stopped) return;
          yield { type: "put", key: item.key, revision: item.revision, value: item.value };
        }
        this.#onInitialized?.(this.#last);
      }
      while (!this.#stopped) {
        yield* this.#drain(this.#reader);
        if (this.#stopped) return;
        await this.#reopen();
      }
    } finally {
      this.stop();
    }
  }

  /** Events from one consumer until it ends (stopped, failed, or dropped as stalled). */
  async *#drain(reader: OrderedReader): AsyncGenerator<StoreEvent, void, undefined> {
    const iterator = reader.messages[Symbol.asyncIterator]();
    try {
      while (!this.#stopped) {
        let next: IteratorResult<JsMsg>;
        try {
          this.#waiting = true;
          this.#lastActivityMs = Date.now();
          next = await iterator.next();
        } catch {
          return; // The consumer failed; #reopen decides whether the watch can go on.
        } finally {
          this.#waiting = false;
        }
        if (next.done) return;
        const event = this.#toEvent(next.value);
        if (event) yield event;
      }
    } finally {
      reader.close();
    }
  }

  #toEvent(msg: JsMsg): StoreEvent | undefined {
    // The cursor guard: never deliver a revision twice or out of order.
    if (msg.seq <= this.#last) return undefined;
    this.#last = msg.seq;
    const key = keyOfSubject(this.#ctx.names, msg.subject);
    if (!key.startsWith(this.#filter.keyPrefix)) return undefined;
    if (isDeleteMarker(msg.headers)) return { type: "delete", key, revision: msg.seq };
    const own = this.#ctx.ownWrites?.take(key, msg.data);
    return { type: "put", key, revision: msg.seq, value: own ? own.value : decodeValue(msg.data) };
  }

  /** Open a new consumer after the cursor, retrying with backoff for a bounded time. */
  async #reopen(): Promise<void> {
    const deadline = Date.now() + this.#ctx.config.watchRecoveryTimeoutMs;
    for (let attempt = 0; !this.#stopped; attempt++) {
      try {
        await checkNotGone(this.#ctx, this.#last);
        if (this.#stopped) return;
        const reader = await openOrderedReader(this.#ctx, this.#filter.subject, { kind: "afterRevision", revision: this.#last }, "watch");
        if (this.#stopped) {
          reader.close();
          return;
        }
        this.#reader = reader;
        this.#observe(reader);
        return;
      } catch (err) {
        const mapped = mapUnavailable(err, "watch", false);
        if (!(mapped instanceof StoreUnavailableError) || Date.now() >= deadline) throw mapped;
      }
      const delayMs = REOPEN_BACKOFF_MS[Math.min(attempt, REOPEN_BACKOFF_MS.length - 1)] ?? 0;
      await Promise.race([sleep(delayMs), this.#stopSignal]);
    }
  }

  /**
   * Count server notifications as signs of life (idle heartbeats arrive while we wait),
   * and replace the consumer when nats.js reports it lost.
   */
  #observe(reader: OrderedReader): void {
    this.#lastActivityMs = Date.now();
    void (async () => {
      for await (const note of reader.messages.status()) {
        if (CONSUMER_LIVENESS.has(note.type)) this.#lastActivityMs = Date.now();
        // Ends the pending iterator.next() in #drain; #run then reopens after the cursor.
        if (CONSUMER_LOST.has(note.type) && reader === this.#reader) reader.close();
      }
    })().catch(() => undefined);
  }

  #checkStalled(): void {
    const silentMs = Date.now() - this.#lastActivityMs;
    if (this.#waiting && silentMs > STALL_HEARTBEATS * this.#ctx.config.consumerHeartbeatMs) {
      // Ends the pending iterator.next() in #drain; #run then reopens after the cursor.
      this.#reader.close();
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
