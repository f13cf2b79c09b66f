/**
 * How soon a failed daemon pod on a node may be replaced again. A node that rejects its
 * daemon at once (a port taken, a bad runtime) would otherwise have it deleted and
 * re-created as fast as the watch delivers: the delay starts at initialMs and doubles with
 * each replacement on that node, up to maxMs, and starts over once the node has been
 * quiet for twice maxMs (Kubernetes' flowcontrol.Backoff, 1 s to 15 min, as the DaemonSet
 * controller uses it).
 */

/** Options for {@link FailedPodBackoff}. */
export interface FailedPodBackoffOptions {
  /** The delay after the first replacement. @default 1_000 */
  initialMs?: number;
  /** The longest delay. @default 900_000 */
  maxMs?: number;
  /** Most (DaemonSet, node) entries kept; beyond it the least recently used go. @default 10_000 */
  maxEntries?: number;
}

interface Entry {
  delayMs: number;
  lastMs: number;
}

export class FailedPodBackoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly maxEntries: number;
  /** In order of last use, oldest first (a Map keeps insertion order; next() re-inserts). */
  private readonly entries = new Map<string, Entry>();

  constructor(opts: FailedPodBackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 1_000;
    this.maxMs = opts.maxMs ?? 900_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs)) throw new RangeError(`FailedPodBackoff: need 0 < initialMs <= maxMs, got ${this.initialMs} and ${this.maxMs}`);
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError(`FailedPodBackoff: maxEntries must be a positive integer, got ${this.maxEntries}`);
  }

  /** The key of one DaemonSet's pods on one node. */
  static key(dsUid: string, nodeName: string): string {
    return `${dsUid}/${nodeName}`;
  }

  /** Until when replacing a failed pod under `key` must wait; undefined when it need not. */
  untilMs(key: string, nowMs: number): number | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    const until = e.lastMs + e.delayMs;
    return nowMs < until ? until : undefined;
  }

  /** Record a replacement under `key` now: the next one waits initialMs, or twice the last delay. */
  next(key: string, nowMs: number): void {
    const e = this.entries.get(key);
    const fresh = e === undefined || nowMs - e.lastMs > 2 * this.maxMs;
    const delayMs = fresh ? this.initialMs : Math.min(e.delayMs * 2, this.maxMs);
    this.entries.delete(key);
    this.entries.set(key, { delayMs, lastMs: nowMs });
    if (this.entries.size > this.maxEntries) this.evict(nowMs);
  }

  /** Forget every entry of a DaemonSet (it was deleted). */
  forgetDaemonSet(dsUid: string): void {
    const prefix = `${dsUid}/`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Expired entries first; if that is not enough, the least recently used. */
  private evict(nowMs: number): void {
    for (const [key, e] of this.entries) if (nowMs - e.lastMs > 2 * this.maxMs) this.entries.delete(key);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
