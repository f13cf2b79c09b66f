/**
 * The work queue between a controller's event handlers and its workers, with the
 * guarantees Kubernetes controllers are written against:
 * - a key waiting is queued once, however many events name it;
 * - a key is never handed to two workers at once: added while a worker has it, it is
 *   marked dirty and handed out again once that worker calls done();
 * - failed keys come back after a per-key exponential backoff, and all retries
 *   together are limited by a token bucket;
 * - the keys waiting (now or delayed) are bounded; an add beyond the bound is dropped
 *   and counted, and the next periodic resync adds the key again.
 * Keys are plain strings (`namespace/name`); the worker reads the object from its cache.
 */
import { RetryLimiter } from "./rate-limit.ts";

/** Options for {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Most distinct keys waiting or delayed at once; further adds are dropped and counted (a periodic resync re-adds them). @default 100_000 */
  maxKeys?: number;
  /** First per-key retry delay of addRateLimited; doubles per retry. @default 5 */
  baseRetryDelayMs?: number;
  /** Longest per-key retry delay. @default 60_000 */
  maxRetryDelayMs?: number;
  /** Overall rate of rate-limited retries (token bucket). @default 50 */
  retryQps?: number;
  /** Retries the token bucket lets through at once before retryQps applies. @default 200 */
  retryBurst?: number;
  /** Injectable clock and timers for tests. @default Date.now / setTimeout / clearTimeout */
  now?: () => number;
  /** @default setTimeout */
  setTimer?: (fn: () => void, ms: number) => unknown;
  /** @default clearTimeout */
  clearTimer?: (handle: unknown) => void;
}

interface QueueConfig {
  readonly maxKeys: number;
  readonly baseRetryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly retryQps: number;
  readonly retryBurst: number;
  readonly now: () => number;
  readonly setTimer: (fn: () => void, ms: number) => unknown;
  readonly clearTimer: (handle: unknown) => void;
}

/** setTimeout fires at once for anything longer; a longer delay is re-armed when this one ends. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function withDefaults(opts: WorkQueueOptions): QueueConfig {
  const c: QueueConfig = Object.freeze({
    maxKeys: opts.maxKeys ?? 100_000,
    baseRetryDelayMs: opts.baseRetryDelayMs ?? 5,
    maxRetryDelayMs: opts.maxRetryDelayMs ?? 60_000,
    retryQps: opts.retryQps ?? 50,
    retryBurst: opts.retryBurst ?? 200,
    now: opts.now ?? (() => Date.now()),
    setTimer: opts.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms)),
    clearTimer: opts.clearTimer ?? ((h: unknown) => clearTimeout(h as NodeJS.Timeout)),
  });
  const positive = (name: keyof WorkQueueOptions, v: number, integer: boolean): void => {
    if (!(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      throw new RangeError(`WorkQueueOptions.${name} must be a positive ${integer ? "integer" : "number"}, got ${v}`);
    }
  };
  positive("maxKeys", c.maxKeys, true);
  positive("baseRetryDelayMs", c.baseRetryDelayMs, false);
  positive("maxRetryDelayMs", c.maxRetryDelayMs, false);
  positive("retryQps", c.retryQps, false);
  positive("retryBurst", c.retryBurst, true);
  if (c.maxRetryDelayMs < c.baseRetryDelayMs) {
    throw new RangeError(`WorkQueueOptions.maxRetryDelayMs (${c.maxRetryDelayMs}) must be at least baseRetryDelayMs (${c.baseRetryDelayMs})`);
  }
  return c;
}

/** First-in first-out keys; an array with a moving head so taking one is O(1). */
class KeyFifo {
  private items: string[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(key: string): void {
    this.items.push(key);
  }

  shift(): string | undefined {
    if (this.head === this.items.length) return undefined;
    const key = this.items[this.head++];
    // Drop the consumed prefix once it is most of the array, so memory follows the length.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return key;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

interface Delayed {
  key: string;
  readyAtMs: number;
  /** Breaks ties so keys due at the same moment come out in the order they were added. */
  seq: number;
}

/** Delayed keys, earliest first: a binary min-heap that knows where each key sits, so a key can be moved earlier in place. */
class DelayHeap {
  private readonly heap: Delayed[] = [];
  private readonly index = new Map<string, number>();
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  readyAtMs(key: string): number | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.heap[i]?.readyAtMs;
  }

  /** Adds the key, or moves it to readyAtMs if that is earlier than its current time. */
  schedule(key: string, readyAtMs: number): void {
    const i = this.index.get(key);
    if (i === undefined) {
      this.heap.push({ key, readyAtMs, seq: this.seq++ });
      this.index.set(key, this.heap.length - 1);
      this.up(this.heap.length - 1);
      return;
    }
    const entry = this.heap[i]!;
    if (readyAtMs >= entry.readyAtMs) return;
    entry.readyAtMs = readyAtMs;
    this.up(i);
  }

  peek(): Delayed | undefined {
    return this.heap[0];
  }

  pop(): Delayed | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop()!;
    this.index.delete(top.key);
    if (last !== top) {
      this.heap[0] = last;
      this.index.set(last.key, 0);
      this.down(0);
    }
    return top;
  }

  clear(): void {
    this.heap.length = 0;
    this.index.clear();
  }

  private before(a: Delayed, b: Delayed): boolean {
    return a.readyAtMs < b.readyAtMs || (a.readyAtMs === b.readyAtMs && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    this.heap[i] = b;
    this.heap[j] = a;
    this.index.set(b.key, i);
    this.index.set(a.key, j);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(this.heap[i]!, this.heap[parent]!)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < this.heap.length && this.before(this.heap[l]!, this.heap[least]!)) least = l;
      if (r < this.heap.length && this.before(this.heap[r]!, this.heap[least]!)) least = r;
      if (least === i) return;
      this.swap(i, least);
      i = least;
    }
  }
}

export class WorkQueue {
  private readonly config: QueueConfig;
  private readonly limiter: RetryLimiter;
  /** Keys ready to hand out, in order; each is also in `dirty` and not in `processing`. */
  private readonly fifo = new KeyFifo();
  /** Keys that need a (further) pass: waiting in `fifo`, or held by a worker and to be handed out again. */
  private readonly dirty = new Set<string>();
  /** Keys a worker has between get() and done(). */
  private readonly processing = new Set<string>();
  private readonly delayed = new DelayHeap();
  /** `dirty` ∪ keys in `delayed`: what maxKeys bounds. */
  private readonly held = new Set<string>();
  /** get() calls waiting for a key; at most one per worker. */
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private timer: unknown;
  private timerAtMs: number | undefined;
  private droppedCount = 0;
  private closed = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.config = withDefaults(opts);
    const { baseRetryDelayMs, maxRetryDelayMs, retryQps, retryBurst, maxKeys } = this.config;
    this.limiter = new RetryLimiter({ baseRetryDelayMs, maxRetryDelayMs, retryQps, retryBurst, maxTrackedKeys: maxKeys }, this.config.now);
  }

  /** Queue a key now. De-duplicated: a key already waiting is not added twice; a key being processed is marked dirty and handed out again after done(). Returns false if dropped (full or shut down). */
  add(key: string): boolean {
    if (this.closed) return false;
    if (this.dirty.has(key)) return true;
    if (!this.admit(key)) return false;
    this.markDirty(key);
    return true;
  }

  /**
   * Queue a key after delayMs (the earliest pending time wins if added again). A delay
   * of 0 or less queues it now. A pending delayed key stays pending when the key is
   * also added now, so an extra pass may follow; a requested one is never lost.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.closed) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    if (!this.admit(key)) return;
    this.delayed.schedule(key, this.config.now() + delayMs);
    this.held.add(key);
    this.armTimer();
  }

  /** Queue after max(per-key exponential backoff, the overall token bucket's delay); increments the key's retry count. A retry dropped because the queue is full does not count. */
  addRateLimited(key: string): void {
    if (this.closed || !this.admit(key)) return;
    this.addAfter(key, this.limiter.delayMs(key));
  }

  /** Reset a key's retry count (call after a successful reconcile). */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  /** Rate-limited retries of the key since it was last forgotten. */
  retries(key: string): number {
    return this.limiter.retries(key);
  }

  /** Next key to process, waiting until one is ready; undefined once shut down (waiting keys are dropped on shutdown). */
  get(): Promise<string | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const key = this.fifo.shift();
    if (key !== undefined) {
      this.takeOut(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker finished a key (from get()). */
  done(key: string): void {
    if (!this.processing.delete(key)) throw new Error(`WorkQueue.done(${JSON.stringify(key)}): the key is not being processed`);
    if (!this.closed && this.dirty.has(key)) this.ready(key);
  }

  /** Keys waiting to be handed out now (not delayed, not processing). */
  get length(): number {
    return this.fifo.length;
  }

  /** Keys dropped because the queue was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Stops the queue: waiting and delayed keys are dropped, get() resolves undefined, adds are refused. Keys being processed may still be done(). */
  shutDown(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.config.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAtMs = undefined;
    this.fifo.clear();
    this.dirty.clear();
    this.delayed.clear();
    this.held.clear();
    for (const resolve of this.waiters.splice(0)) resolve(undefined);
  }

  get shuttingDown(): boolean {
    return this.closed;
  }

  /** Whether the key may be held; a key already held always may. Counts a refusal. */
  private admit(key: string): boolean {
    if (this.held.has(key) || this.held.size < this.config.maxKeys) return true;
    this.droppedCount++;
    return false;
  }

  private markDirty(key: string): void {
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    this.held.add(key);
    // A key a worker holds goes out again from done(), never to a second worker now.
    if (!this.processing.has(key)) this.ready(key);
  }

  /** A dirty key no worker holds: to the longest-waiting get(), else to the back of the line. */
  private ready(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.fifo.push(key);
      return;
    }
    this.takeOut(key);
    waiter(key);
  }

  private takeOut(key: string): void {
    this.dirty.delete(key);
    if (this.delayed.readyAtMs(key) === undefined) this.held.delete(key);
    this.processing.add(key);
  }

  /** Moves every delayed key that is due into the queue, then waits for the next one. */
  private fireDue(): void {
    this.timer = undefined;
    this.timerAtMs = undefined;
    const nowMs = this.config.now();
    for (let top = this.delayed.peek(); top !== undefined && top.readyAtMs <= nowMs; top = this.delayed.peek()) {
      this.delayed.pop();
      // Still in `held`, so it needs no room: markDirty keeps it there, or takeOut lets it go.
      this.markDirty(top.key);
    }
    this.armTimer();
  }

  /** One timer, for the earliest delayed key; re-armed when an earlier one arrives. */
  private armTimer(): void {
    const top = this.delayed.peek();
    if (top === undefined || top.readyAtMs === this.timerAtMs) return;
    if (this.timer !== undefined) this.config.clearTimer(this.timer);
    this.timerAtMs = top.readyAtMs;
    const waitMs = Math.min(Math.max(0, Math.ceil(top.readyAtMs - this.config.now())), MAX_TIMER_MS);
    this.timer = this.config.setTimer(() => this.fireDue(), waitMs);
  }
}
