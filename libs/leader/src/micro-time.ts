/**
 * metav1.MicroTime for a Lease's acquireTime and renewTime. These stamps are for
 * people (`kubectl get lease -o yaml`) and for change detection; no decision reads
 * them as a clock, since candidates' wall clocks may disagree.
 */

/** RFC 3339 in UTC with exactly six fractional digits, truncated: 2026-11-22T07:00:00.123456Z. */
export function formatMicroTime(epochMs: number): string {
  if (!Number.isFinite(epochMs)) throw new RangeError(`not a time: ${epochMs}`);
  const wholeMs = Math.floor(epochMs);
  const micros = Math.min(999, Math.floor((epochMs - wholeMs) * 1000));
  return new Date(wholeMs).toISOString().replace(/Z$/, `${String(micros).padStart(3, "0")}Z`);
}

/**
 * The wall clock with microseconds: Date.now() (so the stamp follows the system's
 * clock, NTP steps included) plus the sub-millisecond part of the monotonic clock, so
 * two renewals within one millisecond still get different stamps.
 */
export function wallClockMicros(): number {
  const fraction = performance.now() % 1;
  return Date.now() + fraction;
}
