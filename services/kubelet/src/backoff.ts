/**
 * CrashLoopBackOff: the first restart of a failed container is immediate, then each
 * waits twice as long as the one before (base, 2×base, …) up to a cap; a container that
 * ran for longer than twice the cap earns a fresh start (Kubernetes: 10 s doubling to
 * 5 min, reset after 10 min of running).
 */
export interface BackoffConfig {
  baseMs: number;
  maxMs: number;
}

/** Delay before starting attempt `restartCount` of a container whose last run lasted `ranMs`. */
export function restartDelayMs(restartCount: number, ranMs: number, cfg: BackoffConfig): number {
  if (restartCount <= 1 || ranMs > 2 * cfg.maxMs) return 0;
  return Math.min(cfg.baseMs * 2 ** (restartCount - 2), cfg.maxMs);
}
