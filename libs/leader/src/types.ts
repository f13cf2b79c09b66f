/** Public shapes of leader election; the implementation lives in elector.ts. */

/**
 * The election state as stored in a Lease, in the units Flotilla decides with. Only
 * what candidates compare and write; the Lease object itself stays in lease-record.ts.
 */
export interface LeaseRecord {
  /** Who holds the lease; "" when nobody does (released). */
  holderIdentity: string;
  /** How long after an observed change a follower may take over, ms (the annotation, else leaseDurationSeconds). */
  leaseDurationMs: number;
  /** MicroTime the holder acquired it, "" when unknown. Informational: never decided on. */
  acquireTime: string;
  /** MicroTime of the holder's last renewal, "" when unknown. Compared for change only, never as a clock. */
  renewTime: string;
  /** How many times the holder changed. */
  leaseTransitions: number;
  /** The store revision; every write changes it. */
  resourceVersion: string;
}

/**
 * What a writer checks before acting as the leader. Bound to one term of leadership:
 * once that term has ended, a fence never passes again, even if the same process is
 * elected again later (the new term has a fence of its own).
 */
export interface LeaderFence {
  /** 1 for this elector's first term, 2 for the next, … */
  readonly term: number;
  /** Aborted when this term ends (renew deadline passed, lease lost, or shutdown). */
  readonly signal: AbortSignal;
  /**
   * The moment, on `performance.now()`'s clock, until which this term may act: the
   * start of the last successful renewal plus renewDeadlineMs. -Infinity once the term
   * has ended. A write that cannot complete before it should not be started.
   */
  deadlineMs(): number;
  /** deadlineMs() − now, at least 0. Use it as the timeout of a guarded write. */
  remainingMs(): number;
  /** True while the term has not ended and its deadline is ahead. */
  isValid(): boolean;
  /** Throws NotLeaderError unless isValid(). */
  assertValid(): void;
}

/** What an elector tells its users; every callback is optional. */
export interface LeaderCallbacks {
  /**
   * Leadership was gained: start acting, and stop when `signal` aborts. A returned
   * promise is waited for (bounded by leaseDurationMs) before the lease is released on
   * shutdown and before campaigning again after a loss, so work of one term has ended
   * before another term of this process begins. Errors it throws are logged.
   */
  onStartedLeading?(signal: AbortSignal, fence: LeaderFence): void | Promise<void>;
  /** The term has ended (called once per term, after its signal aborted). */
  onStoppedLeading?(): void;
  /** Another holder (or this one) was observed holding the lease. */
  onNewLeader?(identity: string): void;
}

/** One renewal by the leader, reported for metrics and benchmarks. */
export interface RenewalReport {
  /** The term extended (false: failed, lost, or answered after the deadline). */
  ok: boolean;
  /** renewed; failed (an error, or too late: the term may still end by its deadline); lost (someone else holds the lease). */
  outcome: "renewed" | "failed" | "lost";
  /** The last error's name and message, when a request failed. */
  error?: string;
  /** When it started, performance.now(). */
  startMs: number;
  /** Start to answer (both requests, if a conflict made it re-read), ms. */
  latencyMs: number;
}
