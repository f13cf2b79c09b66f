/**
 * A component that runs only while its process leads: started when a term begins,
 * stopped when it ends, started afresh in the next term. Terms of one process never
 * overlap their components: a new start waits until the previous stop has finished.
 */
import { createLogger, type Logger } from "@flotilla/log";
import type { LeaderCallbacks, LeaderFence } from "./types.ts";

/** What `start` returns: something that can be stopped and says when it has. */
export interface Stoppable {
  stop(): Promise<void>;
}

/** The part of LeaderElector this needs (so it can be tested without one). */
export interface Electable {
  subscribe(callbacks: LeaderCallbacks): () => void;
  run(signal: AbortSignal): Promise<void>;
}

export interface RunWhileLeadingOptions {
  /** @default a silent logger */
  log?: Logger;
  /** First wait after `start` failed, doubled per failure while still leading. @default 500 */
  startRetryMs?: number;
  /** Cap of that wait. @default 5000 */
  maxStartRetryMs?: number;
}

/**
 * Run `elector` until `signal` aborts, calling `start(leading, fence)` at the start of
 * every term and the result's `stop()` when `leading` aborts. If `start` throws while
 * the term lasts, it is retried with backoff (a leader that does nothing helps no
 * one). On shutdown the elector waits for the stop (bounded by its lease duration)
 * before it releases the lease. Resolves once the elector has stopped.
 */
export async function runWhileLeading(elector: Electable, signal: AbortSignal, start: (leading: AbortSignal, fence: LeaderFence) => Promise<Stoppable>, options: RunWhileLeadingOptions = {}): Promise<void> {
  const log = options.log ?? createLogger("leader-election", { level: "silent" });
  const firstRetryMs = options.startRetryMs ?? 500;
  const maxRetryMs = options.maxStartRetryMs ?? 5000;
  // The previous term's component, fully stopped, before the next one starts.
  let previous: Promise<void> = Promise.resolve();

  const termOf = async (leading: AbortSignal, fence: LeaderFence): Promise<void> => {
    await previous;
    const handle = await startWithRetry(leading, fence);
    if (!handle) return;
    await aborted(leading);
    try {
      await handle.stop();
    } catch (err) {
      log.error({ err, term: fence.term }, "stopping the component after the term failed");
    }
  };

  const startWithRetry = async (leading: AbortSignal, fence: LeaderFence): Promise<Stoppable | undefined> => {
    for (let delay = firstRetryMs; !leading.aborted; delay = Math.min(maxRetryMs, delay * 2)) {
      try {
        return await start(leading, fence);
      } catch (err) {
        if (leading.aborted) break;
        log.error({ err, term: fence.term, retryInMs: delay }, "starting the component failed; retrying while leading");
        await delayOrAbort(delay, leading);
      }
    }
    return undefined;
  };

  const unsubscribe = elector.subscribe({
    onStartedLeading: (leading, fence) => {
      const term = termOf(leading, fence);
      previous = term.catch(() => undefined);
      return term;
    },
  });
  try {
    await elector.run(signal);
    await previous;
  } finally {
    unsubscribe();
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

function delayOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
