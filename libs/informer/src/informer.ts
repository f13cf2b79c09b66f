/**
 * An informer: list + watch of one resource into a local cache, kept current for the
 * life of the actor. Handlers hear every change (add, update, delete); a relist after
 * 410 Gone or a lost apiserver reports only real differences, so handlers see each
 * object's history as a sequence of states, never a reset.
 *
 * Objects in the cache are shared and read-only: clone before changing one.
 */
import { GoneError } from "@flotilla/api/errors";
import type { ApiClient, BusWatch } from "@flotilla/bus";
import type { Logger } from "@flotilla/log";

export interface InformerOptions<T extends HasMeta = HasMeta> {
  resource: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Longest wait between attempts when the apiserver cannot be reached. @default 5000 */
  maxRetryDelayMs?: number;
  /** Watch heartbeat period; three missed ones move the watch to another apiserver. @default 1000 */
  heartbeatMs?: number;
  /**
   * Applied to every object before it is cached or handed to handlers (client-go's
   * SetTransform): drop what the actor never reads, e.g. stripManagedFields.
   */
  transform?: (obj: T) => T;
}

/**
 * Drops metadata.managedFields, which no controller reads and which is often a third of
 * an object's size. Safe for writers: an update that sends no managedFields keeps the
 * stored ones. Returns a shallow copy; the input is not changed.
 */
export function stripManagedFields<T extends HasMeta>(obj: T): T {
  const m = obj.metadata as (HasMeta["metadata"] & { managedFields?: unknown }) | undefined;
  if (!m || m.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...rest } = m;
  return { ...obj, metadata: rest };
}

/** Anything with Kubernetes object metadata (KubeObject, or the typed PodObject, NodeObject, ...). */
export interface HasMeta {
  metadata?: { name?: string | undefined; namespace?: string | undefined; resourceVersion?: string | undefined } | undefined;
}

export interface InformerHandlers<T extends HasMeta> {
  add?(obj: T): void;
  update?(old: T, obj: T): void;
  delete?(obj: T): void;
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(obj: HasMeta): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ""}` : (m.name ?? "");
}

export class Informer<T extends HasMeta = HasMeta> {
  private readonly client: ApiClient;
  private readonly opts: InformerOptions<T>;
  private readonly transform: (obj: T) => T;
  private readonly log: Logger;
  private readonly items = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private watch: BusWatch | undefined;
  private stopped = false;
  private markSynced!: () => void;
  /** Resolves once the first list is in the cache. */
  readonly synced: Promise<void>;
  hasSynced = false;

  constructor(client: ApiClient, opts: InformerOptions<T>, log: Logger) {
    this.transform = opts.transform ?? ((o) => o);
    this.client = client;
    this.opts = opts;
    this.log = log.child({ informer: opts.resource });
    this.synced = new Promise((r) => (this.markSynced = r));
  }

  on(h: InformerHandlers<T>): this {
    this.handlers.push(h);
    return this;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Runs until stop(): list, watch, and on any failure list again with backoff. */
  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
  }

  private async run(): Promise<void> {
    for (let attempt = 0; !this.stopped; ) {
      try {
        const rv = await this.relist();
        attempt = 0;
        await this.follow(rv);
      } catch (err) {
        if (this.stopped) return;
        if (!(err instanceof GoneError)) {
          const delay = Math.min(100 * 2 ** attempt++, this.opts.maxRetryDelayMs ?? 5000);
          this.log.warn({ err: (err as Error).message, retryInMs: delay }, "list/watch failed; retrying");
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    }
  }

  private async relist(): Promise<string> {
    const sel = { ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}), ...(this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {}) };
    const list = await this.client.list(this.opts.resource, this.opts.namespace, sel);
    const seen = new Set<string>();
    for (const raw of list.items as unknown as T[]) {
      const item = this.transform(raw);
      const key = keyOf(item);
      seen.add(key);
      this.apply(key, item);
    }
    for (const [key, old] of this.items) {
      if (seen.has(key)) continue;
      this.items.delete(key);
      for (const h of this.handlers) this.call(() => h.delete?.(old));
    }
    if (!this.hasSynced) {
      this.hasSynced = true;
      this.markSynced();
    }
    return list.metadata.resourceVersion ?? "";
  }

  private apply(key: string, obj: T): void {
    const old = this.items.get(key);
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    this.items.set(key, obj);
    for (const h of this.handlers) this.call(() => (old ? h.update?.(old, obj) : h.add?.(obj)));
  }

  /** A handler's failure is its own: it must not stop the cache from following the API. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, "informer handler failed");
    }
  }

  private async follow(resourceVersion: string): Promise<void> {
    const w = this.client.watch(this.opts.resource, this.opts.namespace, {
      resourceVersion,
      heartbeatMs: this.opts.heartbeatMs ?? 1000,
      ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}),
      ...(this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {}),
    });
    this.watch = w;
    if (this.stopped) w.stop();
    for await (const ev of w) {
      const obj = this.transform(ev.object as unknown as T);
      const key = keyOf(obj);
      if (ev.type === "DELETED") {
        const old = this.items.get(key);
        if (!old) continue;
        this.items.delete(key);
        for (const h of this.handlers) this.call(() => h.delete?.(obj));
      } else if (ev.type === "ADDED" || ev.type === "MODIFIED") {
        this.apply(key, obj);
      }
    }
    // The watch ended without an error only when stopped; anything else relists.
    if (!this.stopped) throw new GoneError("watch ended; relisting");
  }
}
