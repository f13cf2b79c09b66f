/**
 * The cluster store's contract. Only the apiserver uses it (as only the Kubernetes API
 * server talks to etcd). Values are JSON documents; revisions are the KV bucket's
 * stream sequence numbers, one global counter, which is exactly what Kubernetes calls
 * resourceVersion.
 */

/** One key's current value and the revision of its last write. */
export interface StoreEntry {
  key: string;
  revision: number;
  /** The parsed JSON value. */
  value: unknown;
}

export type StoreEventType = "put" | "delete";

/** One change seen by a watch. `value` is undefined for deletes. */
export interface StoreEvent {
  type: StoreEventType;
  key: string;
  revision: number;
  value?: unknown;
}

export interface ListResult {
  items: StoreEntry[];
  /** The store revision the list is consistent with (>= every item's revision). */
  revision: number;
}

export interface WatchOptions {
  /** Key prefix to watch, in key form (e.g. "pods." or "pods.default."); "" for all. */
  prefix: string;
  /**
   * Deliver every change with revision > fromRevision. With undefined, deliver the
   * current value of every matching key first (as "put"), then live changes.
   */
  fromRevision?: number;
  /** Called once when the initial values have all been delivered (fromRevision undefined). */
  onInitialized?: (revision: number) => void;
}

export interface StoreWatch extends AsyncIterable<StoreEvent> {
  /** Stop the watch; the iterator then ends. */
  stop(): void;
}

/** Per-write options. */
export interface StoreWriteOptions {
  /**
   * The value expires this long after the write (whole seconds, rounded up): the server
   * removes it and leaves a delete marker, so watchers see the key deleted. The write
   * replaces the key's history (a roll-up), so no older revision can resurface at expiry.
   * Defaults to the key's KvStoreOptions.ttlMsByPrefix entry. Needs a bucket with TTL
   * support; in a bucket keeping more than one revision per key it must be at least the
   * bucket's marker TTL (KvStore.ttl.minTtlMs).
   * @throws RangeError (from the write) when the bucket cannot honour it.
   */
  ttlMs?: number;
}

export interface Store {
  /**
   * How long the delete left by an expired key stays in the store. A watch resumed from
   * a revision written longer ago than this may not see such a delete (the marker is
   * gone); a reader that was away that long must list again. undefined: no key expires
   * into a marker that goes away.
   */
  readonly expiryMarkerTtlMs?: number | undefined;
  /** Write only if the key does not exist; returns the new revision. @throws KeyExistsError */
  create(key: string, value: unknown, opts?: StoreWriteOptions): Promise<number>;
  /** Write only if the key's last revision equals `revision`. @throws RevisionMismatchError, KeyNotFoundError */
  update(key: string, value: unknown, revision: number, opts?: StoreWriteOptions): Promise<number>;
  /** Delete only if the key's last revision equals `revision` (when given). @throws RevisionMismatchError, KeyNotFoundError */
  delete(key: string, revision?: number): Promise<number>;
  /** The current value, read from the stream leader (never a possibly stale replica). */
  get(key: string): Promise<StoreEntry | undefined>;
  /** Every key under a prefix, consistent at the returned revision. */
  list(prefix: string): Promise<ListResult>;
  /** The store's latest revision, from the stream leader. */
  currentRevision(): Promise<number>;
  /** @throws StoreGoneError when fromRevision is older than the history kept. */
  watch(options: WatchOptions): Promise<StoreWatch>;
  close(): Promise<void>;
}
