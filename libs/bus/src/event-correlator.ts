/**
 * What Kubernetes' event recorder does before it writes (client-go's EventCorrelator),
 * so a busy controller or a probe failing every second does not write an Event object
 * every time:
 * - **spam filter**: each source and involved object has a token bucket (25 events, then
 *   one per 5 minutes); events beyond it are dropped;
 * - **aggregation**: from the 10th event within 10 minutes that differs only in its
 *   message (same source, object, type, reason), they share one Event whose message says
 *   "(combined from similar events): …";
 * - **de-duplication**: an event identical to one already written bumps that Event's
 *   `count` and `lastTimestamp` instead of creating another.
 * Pure and clock-injectable; EventRecorder performs the writes it decides.
 */

export interface EventKeyParts {
  source: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  apiVersion: string;
  type: string;
  reason: string;
  message: string;
}

export type CorrelatorDecision =
  | { action: "drop" }
  /** Write a new Event; remember it under `key` with `remember`. */
  | { action: "create"; key: string; message: string }
  /** Bump the Event already written for this key. */
  | { action: "bump"; key: string; name: string; count: number; firstTimestamp: string; message: string };

export interface CorrelatorOptions {
  /** Events per source and object before the bucket throttles. @default 25 */
  burst?: number;
  /** One more token every this long. @default 300_000 */
  refillMs?: number;
  /** Similar events (different messages) that trigger aggregation. @default 10 */
  aggregateAfter?: number;
  /** Window for counting similar events. @default 600_000 */
  aggregateWindowMs?: number;
  /** Most keys remembered by each cache (least recently used go first). @default 4096 */
  maxKeys?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  refilledMs: number;
}

interface Similar {
  messages: Set<string>;
  firstMs: number;
}

interface Written {
  name: string;
  count: number;
  firstTimestamp: string;
}

/** A Map that forgets its least recently used entry beyond `max`. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  delete(k: string): void {
    this.map.delete(k);
  }
}

export class EventCorrelator {
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly aggregateAfter: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly buckets: Lru<Bucket>;
  private readonly similar: Lru<Similar>;
  private readonly written: Lru<Written>;

  constructor(opts: CorrelatorOptions = {}) {
    this.burst = opts.burst ?? 25;
    this.refillMs = opts.refillMs ?? 300_000;
    this.aggregateAfter = opts.aggregateAfter ?? 10;
    this.windowMs = opts.aggregateWindowMs ?? 600_000;
    this.now = opts.now ?? (() => Date.now());
    const max = opts.maxKeys ?? 4096;
    this.buckets = new Lru(max);
    this.similar = new Lru(max);
    this.written = new Lru(max);
  }

  decide(e: EventKeyParts): CorrelatorDecision {
    const now = this.now();
    const object = [e.source, e.kind, e.namespace, e.name, e.uid, e.apiVersion].join("\u0000");
    if (!this.take(object, now)) return { action: "drop" };
    const similarKey = [object, e.type, e.reason].join("\u0000");
    let group = this.similar.get(similarKey);
    if (!group || now - group.firstMs > this.windowMs) group = { messages: new Set(), firstMs: now };
    group.messages.add(e.message);
    this.similar.set(similarKey, group);
    const combined = group.messages.size >= this.aggregateAfter;
    const message = combined ? `(combined from similar events): ${e.message}` : e.message;
    const key = combined ? `${similarKey}\u0000(combined)` : `${similarKey}\u0000${e.message}`;
    const seen = this.written.get(key);
    if (seen) return { action: "bump", key, name: seen.name, count: seen.count + 1, firstTimestamp: seen.firstTimestamp, message };
    return { action: "create", key, message };
  }

  /** Record what was written for `key` (after a create, or a bump that succeeded). */
  remember(key: string, name: string, count: number, firstTimestamp: string): void {
    this.written.set(key, { name, count, firstTimestamp });
  }

  /** The Event behind `key` is gone (expired or deleted): the next one creates anew. */
  forget(key: string): void {
    this.written.delete(key);
  }

  private take(object: string, now: number): boolean {
    let b = this.buckets.get(object);
    if (!b) b = { tokens: this.burst, refilledMs: now };
    const refill = Math.floor((now - b.refilledMs) / this.refillMs);
    if (refill > 0) b = { tokens: Math.min(this.burst, b.tokens + refill), refilledMs: b.refilledMs + refill * this.refillMs };
    if (b.tokens < 1) {
      this.buckets.set(object, b);
      return false;
    }
    this.buckets.set(object, { tokens: b.tokens - 1, refilledMs: b.refilledMs });
    return true;
  }
}
