/**
 * When a projected service-account token is renewed: Kubernetes' token manager rule —
 * once 80 % of its lifetime has passed, and in any case once it is 24 h old (tokens the
 * apiserver extends to a year still change daily). The token is then re-requested and
 * the volume rewritten atomically; the old one stays valid until it expires, so a
 * client that read it a moment earlier is not cut off.
 */

/** Kubernetes' floor and default for a projected token's expirationSeconds. */
export const MIN_TOKEN_SECONDS = 600;
export const DEFAULT_TOKEN_SECONDS = 3600;
/** Refresh once this share of the lifetime has passed. */
export const REFRESH_FRACTION = 0.8;
/** Refresh at least this often, whatever the lifetime. */
export const MAX_TOKEN_AGE_MS = 24 * 3600_000;

/** A token as the kubelet keeps it. */
export interface CachedToken {
  token: string;
  /** When the kubelet received it (its own clock). */
  issuedAtMs: number;
  /** When it stops being valid, by the kubelet's clock (see tokenLifetime). */
  expiresAtMs: number;
}

/**
 * A received token's validity on the kubelet's clock. The lifetime is the shorter of the
 * requested one and what the reply's expirationTimestamp leaves: the apiserver may grant
 * less, and a kubelet clock behind the apiserver's must not stretch it. An unreadable
 * timestamp falls back to the requested lifetime.
 */
export function tokenLifetime(nowMs: number, requestedSeconds: number, expirationTimestamp: string): { issuedAtMs: number; expiresAtMs: number } {
  const requestedMs = requestedSeconds * 1000;
  const granted = Date.parse(expirationTimestamp) - nowMs;
  const lifetime = Number.isFinite(granted) && granted > 0 ? Math.min(requestedMs, granted) : requestedMs;
  return { issuedAtMs: nowMs, expiresAtMs: nowMs + lifetime };
}

/** When `t` should be replaced. */
export function refreshAtMs(t: Pick<CachedToken, "issuedAtMs" | "expiresAtMs">): number {
  const lifetime = Math.max(0, t.expiresAtMs - t.issuedAtMs);
  return t.issuedAtMs + Math.min(lifetime * REFRESH_FRACTION, MAX_TOKEN_AGE_MS);
}

export function needsRefresh(t: CachedToken | undefined, nowMs: number): boolean {
  return t === undefined || nowMs >= refreshAtMs(t);
}

/** The requested lifetime of a projected token source, defaulted and floored as Kubernetes validates it. */
export function requestedSeconds(expirationSeconds: number | undefined): number {
  return Math.max(MIN_TOKEN_SECONDS, expirationSeconds ?? DEFAULT_TOKEN_SECONDS);
}

/** One cache entry per distinct request (a pod may project several tokens for different audiences). */
export function tokenKey(source: { audience?: string | undefined; expirationSeconds?: number | undefined }): string {
  return `${source.audience ?? ""}|${requestedSeconds(source.expirationSeconds)}`;
}
