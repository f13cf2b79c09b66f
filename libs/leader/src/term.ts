/**
 * One term of leadership: from winning the lease to losing it, giving it up, or
 * letting its renew deadline pass. The term owns the signal its users act under and
 * aborts it the moment the deadline passes, by its own timer, whatever the renew loop
 * is doing (a request may be in flight).
 */
import { fenceDeadlineMs, renewalCounts } from "./decide.ts";
import type { LeaderFence } from "./types.ts";

/** A write guarded by a fence whose term is over (or whose deadline passed). */
export class NotLeaderError extends Error {
  override name = "NotLeaderError";
}

export class Term implements LeaderFence {
  readonly term: number;
  private readonly controller = new AbortController();
  private readonly renewDeadlineMs: number;
  private readonly now: () => number;
  private readonly onEnd: (term: Term, reason: string) => void;
  private deadline: number;
  private timer: NodeJS.Timeout | undefined;
  /** Why it ended, once it has. */
  endReason = "";
  /** What its users started (onStartedLeading's promises), waited for before release. */
  readonly work: Promise<unknown>[] = [];

  constructor(term: number, renewStartMs: number, renewDeadlineMs: number, now: () => number, onEnd: (term: Term, reason: string) => void) {
    this.term = term;
    this.renewDeadlineMs = renewDeadlineMs;
    this.now = now;
    this.onEnd = onEnd;
    this.deadline = fenceDeadlineMs(renewStartMs, renewDeadlineMs);
    this.arm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get ended(): boolean {
    return this.controller.signal.aborted;
  }

  deadlineMs(): number {
    return this.ended ? Number.NEGATIVE_INFINITY : this.deadline;
  }

  remainingMs(): number {
    return Math.max(0, this.deadlineMs() - this.now());
  }

  isValid(): boolean {
    return !this.ended && this.now() < this.deadline;
  }

  assertValid(): void {
    if (this.isValid()) return;
    throw new NotLeaderError(this.ended ? `leadership term ${this.term} has ended: ${this.endReason}` : `leadership term ${this.term} is past its renew deadline`);
  }

  /**
   * A renewal that started at `renewStartMs` succeeded; it answered now. It extends
   * the term only if it answered before the deadline; otherwise the term ends (it was
   * over already, the timer may just not have fired yet). Returns whether it counted.
   */
  renewed(renewStartMs: number): boolean {
    if (this.ended) return false;
    if (!renewalCounts(this.now(), this.deadline)) {
      this.end("renewal answered after the renew deadline");
      return false;
    }
    this.deadline = Math.max(this.deadline, fenceDeadlineMs(renewStartMs, this.renewDeadlineMs));
    this.arm();
    return true;
  }

  /** End the term (idempotent): abort its signal, then tell the elector. */
  end(reason: string): void {
    if (this.ended) return;
    clearTimeout(this.timer);
    this.endReason = reason;
    this.controller.abort(new NotLeaderError(`leadership term ${this.term} ended: ${reason}`));
    this.onEnd(this, reason);
  }

  private arm(): void {
    clearTimeout(this.timer);
    const fire = (): void => {
      // A timer can fire a hair early by this clock: re-arm for the rest.
      if (this.now() >= this.deadline) this.end("renew deadline passed without a successful renewal");
      else this.timer = setTimeout(fire, Math.max(1, Math.ceil(this.deadline - this.now())));
    };
    this.timer = setTimeout(fire, Math.max(0, Math.ceil(this.deadline - this.now())));
  }
}
