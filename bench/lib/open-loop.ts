/**
 * An open-loop load generator: request i is due at start + i/rate whether or not
 * earlier ones have finished, and its latency runs from that due time. A closed loop
 * (send the next when the last returns) slows down with the server and so hides its
 * queueing ("coordinated omission"); this one keeps offering the rate and the queue
 * shows up in the tail.
 */
import { summarize, type Summary } from "./stats.ts";

export interface OpenLoopOptions {
  ratePerSec: number;
  durationMs: number;
  /** Requests still outstanding beyond this are not sent and count as "shed". @default 5000 */
  maxOutstanding?: number;
  /** One request; resolves when it succeeded, rejects with the failure. */
  op: (i: number) => Promise<void>;
}

export interface OpenLoopResult {
  offeredRate: number;
  /** Successful requests per second, over first due time → last completion. */
  achievedRate: number;
  ok: number;
  /** Failures by message (first 60 characters), including shed requests. */
  errors: Map<string, number>;
  /** Due time → completion, successful requests only. */
  latency: Summary;
  /** Send → completion: the latency a closed-loop tool would report. */
  service: Summary;
  /** How late the generator sent (due → send); large values mean it was starved of CPU. */
  sendLag: Summary;
  /** p99 latency of the requests due in each second: shows a stall apart from a steady queue. */
  p99BySecond: number[];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const maxOutstanding = o.maxOutstanding ?? 5000;
  const intervalMs = 1000 / o.ratePerSec;
  const total = Math.round((o.durationMs / 1000) * o.ratePerSec);
  const latencies: number[] = [];
  const bySecond: number[][] = Array.from({ length: Math.ceil(o.durationMs / 1000) }, () => []);
  const services: number[] = [];
  const lags: number[] = [];
  const errors = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  const fail = (msg: string): void => {
    const k = msg.slice(0, 60);
    errors.set(k, (errors.get(k) ?? 0) + 1);
  };
  const start = performance.now();
  let lastDone = start;

  const fire = (i: number, due: number): void => {
    const sent = performance.now();
    lags.push(sent - due);
    if (pending.size >= maxOutstanding) return fail("shed: too many outstanding");
    const p = o
      .op(i)
      .then(
        () => {
          const done = performance.now();
          latencies.push(done - due);
          bySecond[Math.floor((due - start) / 1000)]?.push(done - due);
          services.push(done - sent);
          lastDone = done;
        },
        (err: unknown) => fail(err instanceof Error ? `${err.name}: ${err.message}` : String(err)),
      )
      .finally(() => pending.delete(p));
    pending.add(p);
  };

  // Bounded: exactly `total` requests are issued; the loop sleeps until the next is due
  // (timers are ~1 ms grained, so a late wake-up sends the overdue ones at once).
  for (let i = 0; i < total; ) {
    const now = performance.now();
    while (i < total && start + i * intervalMs <= now) {
      fire(i, start + i * intervalMs);
      i++;
    }
    if (i < total) await sleep(Math.max(0, start + i * intervalMs - performance.now()));
  }
  // Every op has its own timeout (the HTTP agent's, the bus client's), so this ends.
  await Promise.all([...pending]);
  const ok = latencies.length;
  return {
    offeredRate: o.ratePerSec,
    achievedRate: ok / ((lastDone - start) / 1000),
    ok,
    errors,
    latency: summarize(latencies),
    service: summarize(services),
    sendLag: summarize(lags),
    p99BySecond: bySecond.map((l) => summarize(l).p99),
  };
}

export function errorCount(r: OpenLoopResult): number {
  let n = 0;
  for (const v of r.errors.values()) n += v;
  return n;
}
