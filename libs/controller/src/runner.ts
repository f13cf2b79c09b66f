/**
 * Runs a controller: wait for its informers' caches, then a fixed number of workers
 * each take a key from the queue, reconcile it and hand it back, until the actor
 * stops. The queue makes sure no two workers ever reconcile the same key at once.
 */
import type { Logger } from "@flotilla/log";
import type { WorkQueue } from "./queue.ts";

export interface ReconcileResult {
  /** Reconcile again after this long even if nothing changes (e.g. minReadySeconds, a deadline). */
  requeueAfterMs?: number;
}

export interface ControllerSpec {
  /** Names the controller in its log lines. */
  name: string;
  /** Workers start only after every one of these has resolved (informers' `synced`). */
  synced: readonly Promise<void>[];
  queue: WorkQueue;
  /** @default 1 */
  workers?: number;
  /** Reads state from caches and writes changes. Throwing means a transient failure: the key is retried with backoff (addRateLimited); success forgets the key's retries. */
  reconcile(key: string): Promise<ReconcileResult | void>;
  log: Logger;
}

/** Failures in a row of one key logged at warn; from the next one on, at error, as it no longer looks transient. */
export const QUIET_RETRIES = 15;

/**
 * Runs the controller until signal aborts: waits for synced, then `workers` loops of
 * get → reconcile → done. An error is logged (warn, with the key and retry count) and
 * retried; after 15 retries in a row it is still retried but logged at error. On
 * abort: shuts the queue down and resolves once in-flight reconciles finish.
 *
 * Rejects only if a `synced` promise rejects (the queue is shut down then too).
 */
export async function runController(spec: ControllerSpec, signal: AbortSignal): Promise<void> {
  const workers = spec.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`ControllerSpec.workers of ${spec.name} must be a positive integer, got ${workers}`);
  }
  const log = spec.log.child({ controller: spec.name });
  const { queue } = spec;
  const stop = (): void => queue.shutDown();
  signal.addEventListener("abort", stop, { once: true });
  try {
    if (signal.aborted) return;
    await untilSyncedOrAborted(spec.synced, signal);
    if (signal.aborted) return;
    log.info({ workers }, "caches synced; starting workers");
    await Promise.all(Array.from({ length: workers }, () => work(spec, log)));
    log.info("stopped");
  } finally {
    signal.removeEventListener("abort", stop);
    queue.shutDown();
  }
}

/** One worker. Runs until the queue is shut down; every key it takes it hands back. */
async function work(spec: ControllerSpec, log: Logger): Promise<void> {
  const { queue } = spec;
  for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
    try {
      await reconcileOnce(spec, log, key);
    } finally {
      queue.done(key);
    }
  }
}

async function reconcileOnce(spec: ControllerSpec, log: Logger, key: string): Promise<void> {
  const { queue } = spec;
  let result: ReconcileResult | void;
  try {
    result = await spec.reconcile(key);
  } catch (err) {
    const failuresBefore = queue.retries(key);
    queue.addRateLimited(key);
    const fields = { err, key, retries: failuresBefore + 1 };
    // Stopping often fails the reconciles in flight (connections closing); that is not news.
    if (queue.shuttingDown) log.debug(fields, "reconcile failed while stopping");
    else if (failuresBefore < QUIET_RETRIES) log.warn(fields, "reconcile failed; retrying with backoff");
    else log.error(fields, "reconcile keeps failing; retrying with backoff");
    return;
  }
  queue.forget(key);
  if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
}

/** Resolves when every cache has synced or the signal aborts, whichever is first. */
async function untilSyncedOrAborted(synced: readonly Promise<void>[], signal: AbortSignal): Promise<void> {
  let onAbort = (): void => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = () => resolve();
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([Promise.all(synced), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
