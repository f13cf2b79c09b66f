/**
 * The watch cache: one store watch over the whole bucket fills an in-memory copy of
 * every object, so lists and watches are served from memory (as the Kubernetes API
 * server's cacher does) and N client watches cost one store watch.
 *
 * Consistency: the cache applies store events in revision order. A consistent read
 * asks the store for its current revision (from the stream leader) and waits until the
 * cache has applied it, so a list issued after an acknowledged write always sees it.
 */
import { GoneError, TimeoutError, WatchEventType, type KubeObject } from "@flotilla/api";
import type { Logger } from "@flotilla/log";
import { parseKey, prefixFor, StoreGoneError, type Store, type StoreEntry, type StoreEvent, type StoreWatch } from "@flotilla/store";
import { Ring } from "./ring.ts";
import { INDEXED_FIELDS, WatcherSet } from "./watcher-index.ts";
import { matchesFilter, type ObjectFilter } from "./selectors.ts";
import { atRevision, objectJson } from "./encoded.ts";

/** Index of the first element >= target in a sorted array. */
function lowerBound(sorted: readonly string[], target: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One change, as the cache keeps it for replay. */
export interface CacheEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  revision: number;
  key: string;
  object: KubeObject;
  /** The object before this change (MODIFIED / DELETED), for selector transitions. */
  previous?: KubeObject;
}

/** Where a watch's events go (an HTTP response, a bus subscription). Must not block. */
export interface WatchSink {
  event(type: WatchEventType, object: KubeObject): void;
  /** The current revision, for a BOOKMARK. Called only for sinks that asked for bookmarks. */
  bookmark(revision: number): void;
  /** The cache is going away (shutdown) or the sink fell too far behind. */
  close(reason?: Error): void;
}

export interface CacheWatchOptions {
  resource: string;
  filter: ObjectFilter;
  /** undefined or 0: current state first as ADDED, then changes. N: changes after N. */
  fromRevision?: number;
  bookmarks: boolean;
}

export interface CacheWatch {
  stop(): void;
}

export interface WatchCacheOptions {
  /** Changes kept per resource for watch resumption; older → 410 Gone. @default 10000 */
  historyPerResource?: number;
  /** How often watchers that asked for bookmarks get one. @default 5000 */
  bookmarkIntervalMs?: number;
  /** Longest a consistent read waits for the cache to catch up. @default 10000 */
  catchUpTimeoutMs?: number;
}

interface Watcher {
  opts: CacheWatchOptions;
  sink: WatchSink;
  /** Events with revision <= this were already sent (replay / initial state). */
  sentUpTo: number;
}

interface ResourceState {
  objects: Map<string, KubeObject>;
  /** Keys sorted, rebuilt lazily after an insert or delete (lists page in key order). */
  sorted: string[] | undefined;
  history: Ring<CacheEvent>;
  /** Every change with revision > this is in `history`. */
  oldestReplayable: number;
  watchers: WatcherSet<Watcher>;
}

export class WatchCache {
  private readonly resources = new Map<string, ResourceState>();
  private readonly waiters: { revision: number; resolve: () => void }[] = [];
  private readonly historyPerResource: number;
  private readonly catchUpTimeoutMs: number;
  private revisionValue: number;
  /** The revision the cache was (re)loaded at: a resource with no change since has full history. */
  private baseRevision: number;
  /** When the cache last applied a store event (or loaded a list); see resume(). */
  private lastAppliedAtMs = Date.now();
  private storeWatch: StoreWatch | undefined;
  private stopped = false;
  /** False while the store watch is down and being re-opened: reads may be stale. */
  following = true;
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private readonly store: Store;
  private readonly log: Logger;

  private constructor(store: Store, log: Logger, revision: number, opts: WatchCacheOptions) {
    this.store = store;
    this.log = log;
    this.revisionValue = revision;
    this.baseRevision = revision;
    this.historyPerResource = opts.historyPerResource ?? 10_000;
    this.catchUpTimeoutMs = opts.catchUpTimeoutMs ?? 10_000;
  }

  /** List the whole bucket, then follow it from that revision. */
  static async start(store: Store, log: Logger, opts: WatchCacheOptions = {}): Promise<WatchCache> {
    const initial = await store.list("");
    const cache = new WatchCache(store, log, initial.revision, opts);
    cache.load(initial.items);
    cache.storeWatch = await store.watch({ prefix: "", fromRevision: initial.revision });
    void cache.follow(cache.storeWatch);
    const interval = opts.bookmarkIntervalMs ?? 5000;
    cache.bookmarkTimer = setInterval(() => cache.sendBookmarks(), interval);
    cache.bookmarkTimer.unref();
    log.info({ revision: initial.revision, objects: initial.items.length }, "watch cache loaded");
    return cache;
  }

  /** The last store revision applied. */
  get revision(): number {
    return this.revisionValue;
  }

  private state(resource: string): ResourceState {
    let s = this.resources.get(resource);
    if (!s) {
      s = { objects: new Map(), sorted: undefined, history: new Ring(this.historyPerResource), oldestReplayable: this.baseRevision, watchers: new WatcherSet<Watcher>(INDEXED_FIELDS[resource]) };
      this.resources.set(resource, s);
    }
    return s;
  }

  private load(items: readonly StoreEntry[]): void {
    for (const e of items) {
      const { resource } = parseKey(e.key);
      this.state(resource).objects.set(e.key, atRevision(e.value as KubeObject, e.revision));
    }
  }

  /**
   * Follow the store for the life of the apiserver (this loop runs until stop()). The
   * store watch rides out short NATS outages itself; when it gives up, it is re-opened
   * from the cache's revision with backoff. If that history is gone (410), the cache is
   * rebuilt from a fresh list and every client watch is closed, so clients relist.
   */
  private async follow(first: StoreWatch): Promise<void> {
    let w: StoreWatch | undefined = first;
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        w ??= this.storeWatch = await this.resume();
        this.following = true;
        for await (const ev of w) {
          this.apply(ev);
          attempt = 0;
        }
        if (this.stopped) return;
      } catch (err) {
        if (this.stopped) return;
        this.following = false;
        this.log.warn({ err, revision: this.revisionValue }, "store watch interrupted; resuming");
        if (err instanceof StoreGoneError) await this.rebuild().catch((e: unknown) => this.log.warn({ err: e }, "cache rebuild failed; retrying"));
      }
      w = undefined;
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 5000)));
    }
  }

  /**
   * Re-open the store watch after the cache's revision. The delete an expired key (an
   * Event) leaves stays in the store only expiryMarkerTtlMs: when nothing has been
   * applied for longer than that, such deletes may have come and gone unseen, so the
   * cache is rebuilt from a fresh list first.
   */
  private async resume(): Promise<StoreWatch> {
    const markerTtlMs = this.store.expiryMarkerTtlMs;
    if (markerTtlMs !== undefined && Date.now() - this.lastAppliedAtMs > markerTtlMs) {
      this.log.warn({ revision: this.revisionValue, markerTtlMs }, "store watch was away longer than expiry markers last; relisting");
      await this.rebuild();
    }
    return this.store.watch({ prefix: "", fromRevision: this.revisionValue });
  }

  /** Replace the cache's content with a fresh list; client watches end (they relist). */
  private async rebuild(): Promise<void> {
    const listedAtMs = Date.now();
    const fresh = await this.store.list("");
    for (const s of this.resources.values()) {
      for (const w of s.watchers) w.sink.close(new GoneError("the watch cache was rebuilt; relist"));
      s.watchers.clear();
      s.objects.clear();
      s.sorted = undefined;
      s.history = new Ring(this.historyPerResource);
      s.oldestReplayable = fresh.revision;
    }
    this.revisionValue = fresh.revision;
    this.baseRevision = fresh.revision;
    this.lastAppliedAtMs = listedAtMs;
    this.load(fresh.items);
    this.wakeWaiters();
    this.log.info({ revision: fresh.revision, objects: fresh.items.length }, "watch cache rebuilt");
  }

  private apply(ev: StoreEvent): void {
    if (ev.revision <= this.revisionValue) return;
    this.lastAppliedAtMs = Date.now();
    const { resource } = parseKey(ev.key);
    const s = this.state(resource);
    const previous = s.objects.get(ev.key);
    let ce: CacheEvent | undefined;
    if (ev.type === "put") {
      const object = atRevision(ev.value as KubeObject, ev.revision);
      if (!previous) s.sorted = undefined;
      s.objects.set(ev.key, object);
      ce = { type: previous ? "MODIFIED" : "ADDED", revision: ev.revision, key: ev.key, object };
      if (previous) ce.previous = previous;
    } else if (previous) {
      s.objects.delete(ev.key);
      s.sorted = undefined;
      const object = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(ev.revision) } };
      ce = { type: "DELETED", revision: ev.revision, key: ev.key, object, previous };
    }
    this.revisionValue = ev.revision;
    if (ce) {
      const dropped = s.history.push(ce);
      if (dropped) s.oldestReplayable = dropped.revision;
      for (const w of s.watchers.candidates(ce.object, ce.previous)) this.deliver(w, ce);
    }
    this.wakeWaiters();
  }

  /** Send one change to one watcher, translating selector transitions as Kubernetes does. */
  private deliver(w: Watcher, ce: CacheEvent): void {
    if (ce.revision <= w.sentUpTo) return;
    const f = w.opts.filter;
    const now = ce.type !== "DELETED" && matchesFilter(f, ce.object);
    const before = ce.previous !== undefined && matchesFilter(f, ce.previous);
    if (ce.type === "DELETED") {
      if (before) w.sink.event(WatchEventType.Deleted, ce.object);
    } else if (now && before) w.sink.event(WatchEventType.Modified, ce.object);
    else if (now) w.sink.event(WatchEventType.Added, ce.object);
    else if (before) w.sink.event(WatchEventType.Deleted, ce.object);
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.revision <= this.revisionValue) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** Resolve once the cache has applied `revision`. @throws TimeoutError */
  async waitForRevision(revision: number): Promise<void> {
    if (revision <= this.revisionValue) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(entry);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new TimeoutError(`Too large resource version: ${revision}, current: ${this.revisionValue}`));
      }, this.catchUpTimeoutMs);
      const entry = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(entry);
    });
  }

  /** Wait until the cache holds everything acknowledged before this call. */
  async syncToStore(): Promise<void> {
    await this.waitForRevision(await this.store.currentRevision());
  }

  get(resource: string, key: string): KubeObject | undefined {
    return this.resources.get(resource)?.objects.get(key);
  }

  /**
   * Matching objects in key order after `afterKey`: at most `limit` of them, and (with
   * `maxBytes`) no more than fit that many bytes of JSON, always at least one. A
   * namespace narrows the scan to its key range by binary search; so does `afterKey`.
   */
  list(resource: string, filter: ObjectFilter, page: { limit?: number; afterKey?: string; maxBytes?: number } = {}): { items: KubeObject[]; more: number; lastKey: string } {
    const s = this.resources.get(resource);
    if (!s) return { items: [], more: 0, lastKey: "" };
    const sorted = (s.sorted ??= [...s.objects.keys()].sort());
    const prefix = filter.namespace !== undefined ? prefixFor(resource, filter.namespace) : "";
    const from = page.afterKey && page.afterKey >= prefix ? page.afterKey + "\0" : prefix;
    const limit = page.limit ?? 0;
    const maxBytes = page.maxBytes ?? 0;
    const items: KubeObject[] = [];
    let lastKey = "";
    let more = 0;
    let bytes = 0;
    let full = false;
    for (let i = lowerBound(sorted, from); i < sorted.length; i++) {
      const key = sorted[i]!;
      if (prefix && !key.startsWith(prefix)) break;
      const obj = s.objects.get(key)!;
      if (!matchesFilter(filter, obj)) continue;
      if (!full && maxBytes > 0 && items.length > 0) full = bytes + objectJson(obj).length > maxBytes;
      if (full || (limit > 0 && items.length >= limit)) {
        full = true;
        more++;
        continue;
      }
      if (maxBytes > 0) bytes += objectJson(obj).length;
      items.push(obj);
      lastKey = key;
    }
    return { items, more, lastKey };
  }

  /** Start a watch. @throws GoneError when fromRevision is older than the history kept. */
  watch(opts: CacheWatchOptions, sink: WatchSink): CacheWatch {
    const s = this.state(opts.resource);
    const w: Watcher = { opts, sink, sentUpTo: this.revisionValue };
    if (!opts.fromRevision) {
      for (const obj of s.objects.values()) if (matchesFilter(opts.filter, obj)) sink.event(WatchEventType.Added, obj);
    } else {
      if (opts.fromRevision < s.oldestReplayable) throw new GoneError(`too old resource version: ${opts.fromRevision} (${s.oldestReplayable})`);
      w.sentUpTo = opts.fromRevision;
      for (const ce of s.history) this.deliver(w, ce);
      w.sentUpTo = Math.max(opts.fromRevision, this.revisionValue);
    }
    s.watchers.add(w);
    return { stop: () => s.watchers.delete(w) };
  }

  private sendBookmarks(): void {
    for (const s of this.resources.values()) for (const w of s.watchers) if (w.opts.bookmarks) w.sink.bookmark(this.revisionValue);
  }

  stop(): void {
    this.stopped = true;
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    this.storeWatch?.stop();
    for (const s of this.resources.values()) {
      for (const w of s.watchers) w.sink.close();
      s.watchers.clear();
    }
  }
}
