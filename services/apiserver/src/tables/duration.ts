/**
 * Kubernetes' AGE text: a short, ~2-significant-figure rendering of a duration, as
 * `kubectl get` shows it (45s, 5m30s, 3h, 2d5h, 400d, 3y20d).
 */

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_H = 24;
const YEAR_H = 365 * DAY_H;

/** "2d5h"-style text; the second unit is dropped when it is zero. */
function twoUnits(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}

/**
 * Format a duration in milliseconds the way Kubernetes' HumanDuration does. Up to a
 * second in the future still reads "0s" (clock skew between machines); anything
 * further ahead is "<invalid>".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND_MS);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE_MS);
  if (minutes < 10) return twoUnits(minutes, "m", seconds % 60, "s");
  if (minutes < 3 * 60) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR_MS);
  if (hours < 8) return twoUnits(hours, "h", minutes % 60, "m");
  if (hours < 48) return `${hours}h`;
  if (hours < 8 * DAY_H) return twoUnits(Math.trunc(hours / DAY_H), "d", hours % DAY_H, "h");
  if (hours < 2 * YEAR_H) return `${Math.trunc(hours / DAY_H)}d`;
  if (hours < 8 * YEAR_H) return twoUnits(Math.trunc(hours / YEAR_H), "y", Math.trunc(hours / DAY_H) % 365, "d");
  return `${Math.trunc(hours / YEAR_H)}y`;
}

/** Age of an RFC 3339 timestamp at `now`; "<unknown>" when absent or unparsable. */
export function since(timestamp: string | null | undefined, now: Date): string {
  if (!timestamp) return "<unknown>";
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return "<unknown>";
  return humanDuration(now.getTime() - t);
}
