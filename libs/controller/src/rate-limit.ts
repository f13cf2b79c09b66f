/**
 * How long a failed key waits before its next attempt: the longer of its own
 * exponential backoff and an overall token bucket's delay. The per-key backoff keeps
 * one broken object from spinning; the bucket keeps a mass failure (the apiserver
 * gone, every key failing at once) from turning into a retry storm against it.
 */

/** Settings of a {@link RetryLimiter}; {@link WorkQueueOptions} documents each one. */
export interface RetryLimiterConfig {
  readonly baseRetryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly retryQps: number;
  readonly retryBurst: number;
  /** Most keys whose retry counts are remembered; beyond it a new key starts from the base delay each time. */
  readonly maxTrackedKeys: number;
}

/** 2 ** 52 is already far beyond any sensible maximum; a larger exponent only risks Infinity * 0. */
const MAX_EXPONENT = 52;

export class RetryLimiter {
  private readonly config: RetryLimiterConfig;
  private readonly now: () => number;
  private readonly failures = new Map<string, number>();
  /** May go negative: each retry reserves a token, and a deficit is paid back at retryQps. */
  private tokens: number;
  private refilledAtMs: number;

  constructor(config: RetryLimiterConfig, now: () => number) {
    this.config = config;
    this.now = now;
    this.tokens = config.retryBurst;
    this.refilledAtMs = now();
  }

  /** The delay before the key's next attempt, in ms; counts the attempt as a retry. */
  delayMs(key: string): number {
    return Math.max(this.backoffMs(key), this.reserveTokenMs());
  }

  /** Failures in a row since the key was last forgotten. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  private backoffMs(key: string): number {
    const failed = this.failures.get(key) ?? 0;
    if (failed > 0 || this.failures.size < this.config.maxTrackedKeys) this.failures.set(key, failed + 1);
    const { baseRetryDelayMs, maxRetryDelayMs } = this.config;
    return Math.min(baseRetryDelayMs * 2 ** Math.min(failed, MAX_EXPONENT), maxRetryDelayMs);
  }

  /** Takes one token; the result is how long until that token would have been there. */
  private reserveTokenMs(): number {
    const nowMs = this.now();
    const { retryQps, retryBurst } = this.config;
    // A clock that steps back must not mint tokens from a negative interval.
    const elapsedMs = Math.max(0, nowMs - this.refilledAtMs);
    this.tokens = Math.min(retryBurst, this.tokens + (elapsedMs * retryQps) / 1000);
    this.refilledAtMs = nowMs;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / retryQps);
  }
}
