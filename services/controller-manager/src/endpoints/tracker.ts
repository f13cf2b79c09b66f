/**
 * The writes this controller made that its informers have not shown yet, per service.
 *
 * Two reasons to keep them. A reconcile that reads a cache still missing a slice it just
 * created would create a second one, so a service whose writes are unseen waits (as
 * Kubernetes' EndpointSliceTracker makes it). And the informer event that merely echoes
 * one of its own writes needs no reconcile, which halves the work per pod change.
 *
 * Resource versions of one object only grow; Flotilla's are decimal revisions, so a
 * cached copy at or past the version written has seen the write.
 */

/** Options for {@link WriteTracker}. */
export interface WriteTrackerOptions {
  /**
   * How long a write may stay unseen before it stops holding its service back: the
   * object may have been changed and deleted by someone else before the watch showed it.
   * @default 15_000
   */
  ttlMs?: number;
  /** Injectable clock for tests. @default Date.now */
  now?: () => number;
}

interface Expected {
  /** The version written; undefined for a deletion. */
  rv: string | undefined;
  atMs: number;
}

interface OwnerState {
  expected: Map<string, Expected>;
  /** A reconcile was put off for this owner; the event that catches the cache up must bring it back. */
  deferred: boolean;
}

const DECIMAL = /^\d+$/;

/** Whether a copy at version `have` includes the write that produced `want`. */
function includes(have: string, want: string): boolean {
  if (DECIMAL.test(have) && DECIMAL.test(want)) return BigInt(have) >= BigInt(want);
  return have === want;
}

export class WriteTracker {
  private readonly owners = new Map<string, OwnerState>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private lastSweepMs: number;

  constructor(opts: WriteTrackerOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 15_000;
    if (!(this.ttlMs > 0)) throw new RangeError(`WriteTrackerOptions.ttlMs must be positive, got ${this.ttlMs}`);
    this.now = opts.now ?? (() => Date.now());
    this.lastSweepMs = this.now();
  }

  /** Services with writes outstanding. */
  get size(): number {
    return this.owners.size;
  }

  /** `owner` wrote `object` (created or updated it), which is now at `resourceVersion`. */
  written(owner: string, object: string, resourceVersion: string): void {
    this.expect(owner, object, resourceVersion);
  }

  /** `owner` deleted `object`. */
  deleted(owner: string, object: string): void {
    this.expect(owner, object, undefined);
  }

  /**
   * An informer event about `object` of `owner` (`resourceVersion` undefined for a
   * deletion). Returns whether the owner needs a reconcile: the event is a change by
   * someone else, or it is the last outstanding echo of a reconcile that was put off.
   */
  observed(owner: string, object: string, resourceVersion: string | undefined): boolean {
    const st = this.owners.get(owner);
    const exp = st?.expected.get(object);
    if (!st || !exp) return true;
    let own: boolean;
    if (exp.rv === undefined) {
      // A change from before our deletion is moot; the deletion itself is ours.
      if (resourceVersion !== undefined) return false;
      own = true;
    } else if (resourceVersion === undefined) {
      own = false; // someone deleted what we wrote
    } else if (includes(resourceVersion, exp.rv)) {
      own = resourceVersion === exp.rv;
    } else {
      return false; // older than our write, which was made over it
    }
    st.expected.delete(object);
    const resume = st.deferred && st.expected.size === 0;
    if (st.expected.size === 0) this.owners.delete(owner);
    return !own || resume;
  }

  /**
   * Whether the cache is still behind `owner`'s writes; `cachedVersion(object)` is the
   * cache's resourceVersion of the object (undefined when absent). Forgets writes the
   * cache has caught up with or that expired. When behind, the owner is marked so that
   * the event that catches the cache up asks for a reconcile.
   */
  behind(owner: string, cachedVersion: (object: string) => string | undefined): boolean {
    const st = this.owners.get(owner);
    if (!st) return false;
    const nowMs = this.now();
    for (const [object, exp] of st.expected) {
      const have = cachedVersion(object);
      const seen = exp.rv === undefined ? have === undefined : have !== undefined && includes(have, exp.rv);
      if (seen || nowMs - exp.atMs > this.ttlMs) st.expected.delete(object);
    }
    if (st.expected.size === 0) {
      this.owners.delete(owner);
      return false;
    }
    st.deferred = true;
    return true;
  }

  /** The owner is gone: nothing of it is awaited any more. */
  forget(owner: string): void {
    this.owners.delete(owner);
  }

  private expect(owner: string, object: string, rv: string | undefined): void {
    const nowMs = this.now();
    let st = this.owners.get(owner);
    if (!st) this.owners.set(owner, (st = { expected: new Map(), deferred: false }));
    st.expected.set(object, { rv, atMs: nowMs });
    if (nowMs - this.lastSweepMs > this.ttlMs) this.sweep(nowMs);
  }

  /**
   * Bounds the memory of writes whose echo never came and whose service was never
   * reconciled again: at most one pass over everything per TTL.
   */
  private sweep(nowMs: number): void {
    this.lastSweepMs = nowMs;
    for (const [owner, st] of this.owners) {
      for (const [object, exp] of st.expected) if (nowMs - exp.atMs > this.ttlMs) st.expected.delete(object);
      if (st.expected.size === 0) this.owners.delete(owner);
    }
  }
}
