/**
 * What a controller is still waiting to observe after its own writes (Kubernetes'
 * ControllerExpectations). A controller's cache lags its writes: right after creating
 * three pods its informer may still show none, and a second reconcile would create
 * three more. So after writing, the controller records what it expects to see, the
 * informer's handlers count the events off, and reconcile skips creating or deleting
 * while anything is outstanding. A record expires after ttlMs, because a watch event
 * that never arrives must not stop the controller for good.
 */

/** Options for {@link Expectations}. */
export interface ExpectationsOptions {
  /** An expectation older than this is considered satisfied (a lost watch event must not wedge a controller). @default 300_000 */
  ttlMs?: number;
  /** Injectable clock for tests. @default Date.now */
  now?: () => number;
}

interface Outstanding {
  adds: number;
  deletes: number;
  /** When expect() set the record; observations do not extend it. */
  setAtMs: number;
}

/** Below this many records no sweep runs; above it one runs each time the count doubles. */
const FIRST_SWEEP_AT = 1024;

export class Expectations {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly records = new Map<string, Outstanding>();
  private sweepAt = FIRST_SWEEP_AT;

  constructor(opts: ExpectationsOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 300_000;
    this.now = opts.now ?? (() => Date.now());
    if (!(this.ttlMs > 0)) throw new RangeError(`ExpectationsOptions.ttlMs must be positive, got ${this.ttlMs}`);
  }

  /** Replace the key's expectations: `adds` creations and `deletes` deletions to observe. */
  expect(key: string, adds: number, deletes: number): void {
    if (!Number.isInteger(adds) || !Number.isInteger(deletes) || adds < 0 || deletes < 0) {
      throw new RangeError(`Expectations.expect(${JSON.stringify(key)}): adds and deletes must be non-negative integers, got ${adds} and ${deletes}`);
    }
    if (adds === 0 && deletes === 0) {
      this.records.delete(key);
      return;
    }
    this.records.set(key, { adds, deletes, setAtMs: this.now() });
    if (this.records.size >= this.sweepAt) this.sweep();
  }

  /** Lower the expected creations by one (an informer add, or a create that failed and will never be observed). No-op without a record. */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r !== undefined && r.adds > 0) r.adds--;
  }

  /** Lower the expected deletions by one (an informer delete, or a delete that failed and will never be observed). No-op without a record. */
  deletionObserved(key: string): void {
    const r = this.records.get(key);
    if (r !== undefined && r.deletes > 0) r.deletes--;
  }

  /** True when nothing is expected, everything expected was observed, or the record expired. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (r === undefined) return true;
    if (!this.done(r)) return false;
    // Nothing left to wait for: the record would only answer true from now on.
    this.records.delete(key);
    return true;
  }

  /** Forget the key's record (its object was deleted). */
  delete(key: string): void {
    this.records.delete(key);
  }

  private done(r: Outstanding): boolean {
    return (r.adds <= 0 && r.deletes <= 0) || this.now() - r.setAtMs > this.ttlMs;
  }

  /**
   * Records of objects deleted without delete() would otherwise stay forever; dropping
   * the finished ones whenever the count doubles keeps memory proportional to the
   * records still outstanding, at amortized constant cost per expect().
   */
  private sweep(): void {
    for (const [key, r] of this.records) if (this.done(r)) this.records.delete(key);
    this.sweepAt = Math.max(FIRST_SWEEP_AT, 2 * this.records.size);
  }
}
