/**
 * The decisions of leader election, without I/O or clocks: every time is passed in,
 * on the candidate's own monotonic clock (performance.now()). Wall-clock stamps in the
 * Lease are never compared with anything but each other.
 *
 * The safety argument, in the terms used here:
 *  - A follower measures a lease's age from when it first saw the current record (a
 *    response's arrival, which is after the write landed) to the start of a later read
 *    that still shows the same record (the read's snapshot is no earlier than that).
 *    It may take over once that age reaches the record's duration, and only by
 *    compare-and-set on the revision it saw, so any renewal in between makes it fail.
 *  - The leader's term lasts until the start of its last successful renewal plus
 *    renewDeadlineMs, and renewDeadlineMs < leaseDurationMs. The write of that renewal
 *    landed after its start, so a follower's takeover comes at least leaseDurationMs
 *    after that start: the leader has stopped by then, with leaseDurationMs −
 *    renewDeadlineMs to spare for a late timer or a clock that runs slow.
 */
import type { LeaseRecord } from "./types.ts";

/** A record as this candidate saw it, and since when, unchanged. */
export interface Observation {
  record: LeaseRecord;
  /** Monotonic ms at which this candidate first received the record in this form. */
  sinceMs: number;
}

/** Same holder, renewal and revision: nothing was written in between. */
export function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return a.holderIdentity === b.holderIdentity && a.renewTime === b.renewTime && a.resourceVersion === b.resourceVersion;
}

/**
 * Fold a freshly read record into what was seen before: an unchanged record keeps its
 * first sighting, a changed one starts a new one at `receivedAtMs`.
 */
export function observe(previous: Observation | undefined, record: LeaseRecord, receivedAtMs: number): Observation {
  if (previous && sameRecord(previous.record, record)) return { record, sinceMs: previous.sinceMs };
  return { record, sinceMs: receivedAtMs };
}

export const Action = {
  /** No Lease exists: create it holding it. */
  Create: "create",
  /** Someone else held it, or nobody: write ourselves in (a new holder). */
  Acquire: "acquire",
  /** We hold it: write a new renewTime, keeping acquireTime and transitions. */
  Renew: "renew",
  /** Someone else holds it and it has not expired by our clock. */
  Wait: "wait",
} as const;
export type Action = (typeof Action)[keyof typeof Action];

export type Decision =
  | { action: typeof Action.Create }
  | { action: typeof Action.Acquire; reason: "released" | "expired" }
  | { action: typeof Action.Renew }
  | { action: typeof Action.Wait; holder: string; expiresAtMs: number };

/**
 * What a candidate should do about the lease. `observation` undefined means the Lease
 * does not exist. `readStartMs` is when the read that produced the observation was
 * sent (or, without a fresh read, the current time).
 */
export function decide(observation: Observation | undefined, identity: string, readStartMs: number): Decision {
  if (!observation) return { action: Action.Create };
  const { record, sinceMs } = observation;
  if (record.holderIdentity === identity) return { action: Action.Renew };
  if (record.holderIdentity === "") return { action: Action.Acquire, reason: "released" };
  const expiresAtMs = sinceMs + record.leaseDurationMs;
  if (readStartMs >= expiresAtMs) return { action: Action.Acquire, reason: "expired" };
  return { action: Action.Wait, holder: record.holderIdentity, expiresAtMs };
}

/** The spec fields a candidate writes, before they become a Lease. */
export type RecordFields = Omit<LeaseRecord, "resourceVersion">;

/**
 * The record to write to take or keep the lease. A holder keeps its acquireTime and
 * transition count; a new holder (after someone else, or after a release) counts one
 * more transition. A brand-new Lease starts at 0 transitions.
 */
export function nextRecord(current: LeaseRecord | undefined, identity: string, leaseDurationMs: number, stamp: string): RecordFields {
  const keep = current !== undefined && current.holderIdentity === identity;
  return {
    holderIdentity: identity,
    leaseDurationMs,
    acquireTime: keep ? current.acquireTime || stamp : stamp,
    renewTime: stamp,
    leaseTransitions: current === undefined ? 0 : keep ? current.leaseTransitions : current.leaseTransitions + 1,
  };
}

/**
 * Giving the lease up on shutdown: no holder, so any follower may take it at its next
 * poll without waiting out the duration. The transition count stays; the next holder
 * adds one.
 */
export function releasedRecord(current: LeaseRecord, stamp: string): RecordFields {
  return { holderIdentity: "", leaseDurationMs: current.leaseDurationMs, acquireTime: current.acquireTime, renewTime: stamp, leaseTransitions: current.leaseTransitions };
}

/** When a term must stop acting: the start of its last successful renewal plus the deadline. */
export function fenceDeadlineMs(renewStartMs: number, renewDeadlineMs: number): number {
  return renewStartMs + renewDeadlineMs;
}

/**
 * Whether a renewal that started at `startMs` and answered at `answeredAtMs` extends
 * the term: only if it answered before the current deadline. One that was still in
 * flight at the deadline counts as failed even if it succeeded, because the term was
 * already over (its signal aborted) by then.
 */
export function renewalCounts(answeredAtMs: number, deadlineMs: number): boolean {
  return answeredAtMs < deadlineMs;
}

/**
 * Timeout for one request of the leader: the time left before its deadline, capped;
 * 0 means there is no time left and no request should be sent.
 */
export function requestTimeoutMs(nowMs: number, deadlineMs: number, capMs: number): number {
  const left = Math.floor(deadlineMs - nowMs);
  return left <= 0 ? 0 : Math.min(left, capMs);
}

/** How long a follower sleeps: the jittered poll period, or less if the lease expires sooner. `random` is in [0, 1). */
export function followerDelayMs(retryPeriodMs: number, jitter: number, random: number, nowMs: number, expiresAtMs?: number): number {
  const jittered = retryPeriodMs * (1 + jitter * (2 * random - 1));
  // +1: a timer may fire a fraction of a millisecond early by performance.now()'s clock.
  const untilExpiry = expiresAtMs === undefined ? Number.POSITIVE_INFINITY : Math.max(0, expiresAtMs - nowMs) + 1;
  return Math.max(0, Math.min(jittered, untilExpiry));
}

/**
 * The lease duration a record asks for, ms: the annotation when it holds a positive
 * whole number, else leaseDurationSeconds, else the caller's own duration.
 */
export function leaseDurationMsOf(annotationValue: string | undefined, leaseDurationSeconds: number | undefined, fallbackMs: number): number {
  if (annotationValue !== undefined && /^[1-9]\d{0,9}$/.test(annotationValue)) return Number(annotationValue);
  if (typeof leaseDurationSeconds === "number" && Number.isFinite(leaseDurationSeconds) && leaseDurationSeconds > 0) return leaseDurationSeconds * 1000;
  return fallbackMs;
}

/** leaseDurationSeconds for kubectl: whole seconds, rounded up so it never understates the lease. */
export function leaseDurationSecondsFor(leaseDurationMs: number): number {
  return Math.max(1, Math.ceil(leaseDurationMs / 1000));
}
