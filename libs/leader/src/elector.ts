/**
 * Leader election on a Lease, after client-go's leaderelection: candidates poll the
 * Lease; the holder renews it every retry period by compare-and-set; a follower takes
 * it over only when it has seen no change for the lease duration by its own monotonic
 * clock. Unlike client-go, the leader fences itself: its term (and the signal its
 * controllers run under) ends renewDeadlineMs after the start of its last successful
 * renewal, which is before any follower can take over (see decide.ts for why).
 */
import { AlreadyExistsError, ConflictError } from "@flotilla/api/errors";
import type { ApiClient, EventRecorder } from "@flotilla/bus";
import { createLogger, type Logger } from "@flotilla/log";
import { withDefaults, type LeaderElectionConfig, type LeaderElectionTimingOptions } from "./config.ts";
import { Action, decide, followerDelayMs, nextRecord, observe, releasedRecord, requestTimeoutMs, type Observation } from "./decide.ts";
import { LeaseLock, type LeaseVersion } from "./lease-lock.ts";
import { formatMicroTime, wallClockMicros } from "./micro-time.ts";
import { NotLeaderError, Term } from "./term.ts";
import type { LeaderCallbacks, LeaderFence, RenewalReport } from "./types.ts";

export interface LeaderElectorOptions extends LeaderElectionTimingOptions, LeaderCallbacks {
  /** The bus client the Lease is read and written with. */
  client: ApiClient;
  /** @default a silent logger */
  log?: Logger;
  /** Records `LeaderElection` Events on the Lease ("<identity> became leader" / "stopped leading"). @default none */
  recorder?: EventRecorder;
  /**
   * On shutdown (run's signal aborts) while leading, give the lease up once the term's
   * work has stopped, so a follower takes over at its next poll instead of after the
   * lease duration. false leaves the lease to expire, as after a crash. @default true
   */
  releaseOnCancel?: boolean;
  /** Called after each renewal attempt of the leader (metrics, benchmarks). Must not throw. @default none */
  onRenewal?: (report: RenewalReport) => void;
}

/** Why a term ended when nothing went wrong (logged at info, not warn). */
const SHUTTING_DOWN = "shutting down";
const STOPPED = "elector stopped";
/** Writes per renewal (or release), counting those retried after a conflict that left the lease ours. */
const MAX_RENEW_ATTEMPTS = 4;

type RenewOutcome = "renewed" | "failed" | "lost";

/** The fence handed out when there is no term: it never passes. */
const NOT_LEADING: LeaderFence = Object.freeze({
  term: 0,
  signal: AbortSignal.abort(new NotLeaderError("not leading")),
  deadlineMs: () => Number.NEGATIVE_INFINITY,
  remainingMs: () => 0,
  isValid: () => false,
  assertValid: () => {
    throw new NotLeaderError("not leading");
  },
});

export class LeaderElector {
  readonly config: LeaderElectionConfig;
  private readonly lock: LeaseLock;
  private readonly log: Logger;
  private readonly recorder: EventRecorder | undefined;
  private readonly releaseOnCancel: boolean;
  private readonly onRenewal: ((report: RenewalReport) => void) | undefined;
  private readonly listeners = new Set<LeaderCallbacks>();
  private readonly now = (): number => performance.now();
  /** The record as last seen and since when unchanged (our monotonic clock). */
  private observation: Observation | undefined;
  /** The Lease as last read or written: the base of the next compare-and-set. */
  private current: LeaseVersion | undefined;
  private term: Term | undefined;
  private terms = 0;
  private lastLeader = "";
  private running = false;
  /** Failures in a row, to log the first of a streak at warn and the rest at debug. */
  private failures = 0;
  /** The last request error, for RenewalReport. */
  private lastError = "";

  /** Validates the options (InvalidLeaderElectionConfigError); does no I/O. */
  constructor(options: LeaderElectorOptions) {
    this.config = withDefaults(options);
    this.lock = new LeaseLock(options.client, this.config.namespace, this.config.component, this.config.leaseDurationMs);
    this.log = (options.log ?? createLogger("leader-election", { level: "silent" })).child({ lease: this.lock.describe(), identity: this.config.identity });
    this.recorder = options.recorder;
    this.releaseOnCancel = options.releaseOnCancel ?? true;
    this.onRenewal = options.onRenewal;
    const { onStartedLeading, onStoppedLeading, onNewLeader } = options;
    if (onStartedLeading || onStoppedLeading || onNewLeader) this.listeners.add({ onStartedLeading, onStoppedLeading, onNewLeader });
  }

  get identity(): string {
    return this.config.identity;
  }

  /** Add callbacks (runWhileLeading does); they take effect from the next term. Returns a function that removes them. */
  subscribe(callbacks: LeaderCallbacks): () => void {
    this.listeners.add(callbacks);
    return () => this.listeners.delete(callbacks);
  }

  /** True while a term is running and within its renew deadline (checked on the clock, not only by the timer). */
  isLeader(): boolean {
    return this.term?.isValid() ?? false;
  }

  /** The holder last observed ("" if none or released); may be this elector's identity. */
  leader(): string {
    return this.lastLeader;
  }

  /**
   * The signal of the current term: aborted when the term ends (renew deadline passed,
   * lease lost, or run's signal aborted). undefined when not leading. A new term gets
   * a new signal; hold on to the one you were started with.
   */
  get leadingSignal(): AbortSignal | undefined {
    return this.term && !this.term.ended ? this.term.signal : undefined;
  }

  /** The current term's fence, or one that never passes when not leading. Keep the object: it stays bound to its term. */
  fence(): LeaderFence {
    return this.term && !this.term.ended ? this.term : NOT_LEADING;
  }

  /** Throws NotLeaderError unless leading within the renew deadline right now. */
  assertLeading(): void {
    this.fence().assertValid();
  }

  /**
   * Campaign, lead, and campaign again after a loss, until `signal` aborts (a loop
   * that runs forever by design). On abort while leading, ends the term, waits for
   * the work started under it (bounded by leaseDurationMs) and then (releaseOnCancel)
   * releases the lease so a follower can take over at once. Resolves after that;
   * rejects only if called while already running.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`LeaderElector.run is already running for ${this.lock.describe()}`);
    this.running = true;
    this.log.info({ leaseDurationMs: this.config.leaseDurationMs, renewDeadlineMs: this.config.renewDeadlineMs, retryPeriodMs: this.config.retryPeriodMs }, "campaigning for leadership");
    try {
      while (!signal.aborted) {
        const startMs = await this.campaign(signal);
        if (startMs === undefined) break;
        const term = this.beginTerm(startMs);
        if (!term) continue;
        await this.lead(term, signal);
        const drained = await this.drain(term);
        if (signal.aborted && drained && this.releaseOnCancel) await this.release();
      }
    } finally {
      this.term?.end(STOPPED);
      this.running = false;
    }
  }

  /** Poll until we hold the lease; returns the start of the winning write, or undefined on abort. */
  private async campaign(signal: AbortSignal): Promise<number | undefined> {
    while (!signal.aborted) {
      const result = await this.tryAcquire();
      if (result.acquiredAtMs !== undefined) return result.acquiredAtMs;
      await sleep(result.delayMs, signal);
    }
    return undefined;
  }

  private async tryAcquire(): Promise<{ acquiredAtMs?: number; delayMs: number }> {
    const cap = this.config.renewDeadlineMs;
    const jittered = (expiresAtMs?: number): number => followerDelayMs(this.config.retryPeriodMs, this.config.retryJitter, Math.random(), this.now(), expiresAtMs);
    const readStart = this.now();
    try {
      const read = await this.lock.get(cap);
      if (read) this.see(read, this.now());
      else this.observation = this.current = undefined;
    } catch (err) {
      this.failed(err, "could not read the lease");
      return { delayMs: jittered() };
    }
    const d = decide(this.observation, this.identity, readStart);
    if (d.action === Action.Wait) return { delayMs: jittered(d.expiresAtMs) };
    const writeStart = this.now();
    try {
      const base = this.current;
      const fields = nextRecord(base?.record, this.identity, this.config.leaseDurationMs, stamp());
      this.accept(base ? await this.lock.update(base, fields, cap) : await this.lock.create(fields, cap));
      if (d.action !== Action.Renew) this.log.info({ reason: d.action === Action.Acquire ? d.reason : "created", previous: base?.record.holderIdentity ?? "", transitions: fields.leaseTransitions }, "acquired the lease");
      this.failures = 0;
      return { acquiredAtMs: writeStart, delayMs: 0 };
    } catch (err) {
      if (err instanceof ConflictError || err instanceof AlreadyExistsError) this.log.debug("another candidate wrote the lease first");
      else this.failed(err, "could not write the lease");
      return { delayMs: jittered() };
    }
  }

  /** Start a term whose last renewal started at `startMs`; none if that is already past the deadline. */
  private beginTerm(startMs: number): Term | undefined {
    if (this.now() >= startMs + this.config.renewDeadlineMs) {
      this.log.warn("won the lease, but the write answered after the renew deadline; not leading on it");
      return undefined;
    }
    const term = new Term(++this.terms, startMs, this.config.renewDeadlineMs, this.now, (t, reason) => this.termEnded(t, reason));
    this.term = term;
    this.log.info({ term: term.term }, "started leading");
    this.recorder?.record(this.lock.involvedObject(), "Normal", "LeaderElection", `${this.identity} became leader`);
    for (const l of [...this.listeners]) {
      if (!l.onStartedLeading) continue;
      try {
        const work = l.onStartedLeading(term.signal, term);
        if (work) term.work.push(work.catch((err: unknown) => this.log.error({ err }, "onStartedLeading failed")));
      } catch (err) {
        this.log.error({ err }, "onStartedLeading failed");
      }
    }
    return term;
  }

  private termEnded(term: Term, reason: string): void {
    // Losing the lease is worth a warning; shutting down is not.
    if (reason === SHUTTING_DOWN || reason === STOPPED) this.log.info({ term: term.term, reason }, "stopped leading");
    else this.log.warn({ term: term.term, reason }, "stopped leading");
    this.recorder?.record(this.lock.involvedObject(), "Normal", "LeaderElection", `${this.identity} stopped leading`);
    for (const l of [...this.listeners]) {
      try {
        l.onStoppedLeading?.();
      } catch (err) {
        this.log.error({ err }, "onStoppedLeading failed");
      }
    }
  }

  /** Renew every retry period until the term ends or `signal` aborts (which ends the term). */
  private async lead(term: Term, signal: AbortSignal): Promise<void> {
    let nextAt = this.now() + this.config.retryPeriodMs;
    while (!term.ended && !signal.aborted) {
      await sleep(nextAt - this.now(), signal, term.signal);
      if (term.ended || signal.aborted) break;
      const start = this.now();
      this.lastError = "";
      const outcome = await this.renew(term, start);
      this.onRenewal?.({ ok: outcome === "renewed", outcome, startMs: start, latencyMs: this.now() - start, ...(this.lastError ? { error: this.lastError } : {}) });
      if (outcome === "lost") term.end(`the lease is held by ${JSON.stringify(this.lastLeader)} now`);
      nextAt = (outcome === "renewed" ? start : this.now()) + this.config.retryPeriodMs;
    }
    term.end(SHUTTING_DOWN);
  }

  /**
   * One renewal: compare-and-set on our last write. A conflict is not always a rival:
   * our own timed-out write may have landed, or the apiserver compared with a watch
   * cache that trails the store (it answers 409 then without reading the store). So
   * re-read from the store and, while the lease is still ours and time is left, try
   * again, up to MAX_RENEW_ATTEMPTS writes.
   */
  private async renew(term: Term, start: number): Promise<RenewOutcome> {
    for (let attempt = 0; attempt < MAX_RENEW_ATTEMPTS; attempt++) {
      const timeout = requestTimeoutMs(this.now(), term.deadlineMs(), this.config.renewDeadlineMs);
      const base = this.current;
      if (timeout === 0 || !base) return "failed";
      try {
        this.accept(await this.lock.update(base, nextRecord(base.record, this.identity, this.config.leaseDurationMs, stamp()), timeout));
        this.failures = 0;
        return term.renewed(start) ? "renewed" : "failed";
      } catch (err) {
        if (!(err instanceof ConflictError)) {
          // A timeout may have landed: the next renewal's compare-and-set will conflict and re-read.
          this.failed(err, "could not renew the lease");
          return "failed";
        }
        this.lastError = `${err.name}: ${err.message}`;
      }
      const left = requestTimeoutMs(this.now(), term.deadlineMs(), this.config.renewDeadlineMs);
      if (left === 0) return "failed";
      try {
        const read = await this.lock.get(left);
        if (!read) return "lost";
        this.see(read, this.now());
        if (read.record.holderIdentity !== this.identity) return "lost";
      } catch (err) {
        this.failed(err, "could not re-read the lease after a conflict");
        return "failed";
      }
    }
    return "failed";
  }

  /** Wait for what the term's users started, at most leaseDurationMs; false if something is still running. */
  private async drain(term: Term): Promise<boolean> {
    if (term.work.length === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((r) => (timer = setTimeout(() => r(false), this.config.leaseDurationMs)));
    const done = await Promise.race([Promise.allSettled(term.work).then(() => true as const), timedOut]);
    clearTimeout(timer);
    if (!done) this.log.warn({ term: term.term, waitedMs: this.config.leaseDurationMs }, "work started under the term is still running; not releasing the lease early");
    return done;
  }

  /**
   * Give the lease up (shutdown): holder "", by compare-and-set, so nothing newer is
   * overwritten. A conflict is re-read and retried while the lease is still ours (see
   * renew); any other failure leaves it to expire.
   */
  private async release(): Promise<void> {
    for (let attempt = 0; attempt < MAX_RENEW_ATTEMPTS; attempt++) {
      const base = this.current;
      if (!base || base.record.holderIdentity !== this.identity) return;
      try {
        const written = await this.lock.update(base, releasedRecord(base.record, stamp()), this.config.renewDeadlineMs);
        this.current = written;
        this.observation = observe(this.observation, written.record, this.now());
        this.lastLeader = "";
        this.log.info("released the lease");
        return;
      } catch (err) {
        if (!(err instanceof ConflictError)) break;
      }
      try {
        const read = await this.lock.get(this.config.renewDeadlineMs);
        if (!read) return;
        this.see(read, this.now());
      } catch {
        break;
      }
    }
    this.log.info("could not release the lease; it will expire by itself");
  }

  /** A read: fold it into the observation and notice a new holder. */
  private see(read: LeaseVersion, receivedAtMs: number): void {
    this.observation = observe(this.observation, read.record, receivedAtMs);
    this.current = read;
    this.noticeHolder(read.record.holderIdentity);
  }

  /** Our own successful write. */
  private accept(written: LeaseVersion): void {
    this.observation = { record: written.record, sinceMs: this.now() };
    this.current = written;
    this.noticeHolder(written.record.holderIdentity);
  }

  private noticeHolder(holder: string): void {
    if (holder === this.lastLeader) return;
    this.lastLeader = holder;
    if (holder === "") return;
    if (holder !== this.identity) this.log.info({ leader: holder }, "new leader observed");
    for (const l of [...this.listeners]) {
      try {
        l.onNewLeader?.(holder);
      } catch (err) {
        this.log.error({ err }, "onNewLeader failed");
      }
    }
  }

  private failed(err: unknown, msg: string): void {
    this.failures++;
    this.lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const detail = { err: this.lastError, failuresInARow: this.failures };
    if (this.failures === 1) this.log.warn(detail, msg);
    else this.log.debug(detail, msg);
  }
}

function stamp(): string {
  return formatMicroTime(wallClockMicros());
}

/** Resolve after `ms`, or as soon as any signal aborts. */
function sleep(ms: number, ...signals: AbortSignal[]): Promise<void> {
  if (signals.some((s) => s.aborted)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    for (const s of signals) s.addEventListener("abort", done, { once: true });
  });
}
