import { createLogger } from "@flotilla/log";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WorkQueue } from "./queue.ts";
import { QUIET_RETRIES, runController, type ControllerSpec, type ReconcileResult } from "./runner.ts";

interface LogLine {
  level: number;
  msg: string;
  key?: string;
  retries?: number;
  controller?: string;
}

const WARN = 40;
const ERROR = 50;

/** A logger whose lines the test can read. */
function capturedLog(): { log: ControllerSpec["log"]; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = { write: (s: string) => lines.push(JSON.parse(s) as LogLine) } as unknown as NodeJS.WritableStream;
  return { log: createLogger("test", { level: "debug", destination }), lines };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets pending promise callbacks run (and timers due by then, none with 0 ms). */
const flush = async (): Promise<void> => {
  await vi.advanceTimersByTimeAsync(0);
};

function spec(overrides: Partial<ControllerSpec> & Pick<ControllerSpec, "reconcile">): ControllerSpec {
  return { name: "test", synced: [], queue: new WorkQueue(), log: capturedLog().log, ...overrides };
}

describe("controller runner", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runner: waits for every cache to sync before the first reconcile", async () => {
    const informerA = deferred();
    const informerB = deferred();
    const seen: string[] = [];
    const s = spec({ synced: [informerA.promise, informerB.promise], reconcile: async (key) => void seen.push(key) });
    s.queue.add("ns/a");
    const ac = new AbortController();
    const running = runController(s, ac.signal);
    informerA.resolve();
    await flush();
    expect(seen).toEqual([]);
    informerB.resolve();
    await flush();
    expect(seen).toEqual(["ns/a"]);
    ac.abort();
    await running;
  });

  it("runner: aborted before the caches sync, it returns without reconciling and shuts the queue down", async () => {
    const reconcile = vi.fn(async () => {});
    const s = spec({ synced: [new Promise<void>(() => {})], reconcile });
    s.queue.add("ns/a");
    const ac = new AbortController();
    const running = runController(s, ac.signal);
    await flush();
    ac.abort();
    await running;
    expect(reconcile).not.toHaveBeenCalled();
    expect(s.queue.shuttingDown).toBe(true);
  });

  it("runner: a throwing reconcile is retried with backoff, logged at warn, and forgotten on success", async () => {
    const { log, lines } = capturedLog();
    const callsAtMs: number[] = [];
    const queue = new WorkQueue({ baseRetryDelayMs: 5 });
    const s = spec({
      queue,
      log,
      reconcile: async (key) => {
        callsAtMs.push(Date.now());
        if (callsAtMs.length <= 2) throw new Error(`conflict on ${key}`);
      },
    });
    const startMs = Date.now();
    queue.add("ns/a");
    const ac = new AbortController();
    const running = runController(s, ac.signal);
    await vi.advanceTimersByTimeAsync(100);
    expect(callsAtMs.map((t) => t - startMs)).toEqual([0, 5, 15]);
    expect(queue.retries("ns/a")).toBe(0);
    const warnings = lines.filter((l) => l.level === WARN);
    expect(warnings.map((l) => [l.key, l.retries, l.controller])).toEqual([
      ["ns/a", 1, "test"],
      ["ns/a", 2, "test"],
    ]);
    ac.abort();
    await running;
  });

  it("runner: after 15 failures in a row the key is still retried but logged at error", async () => {
    const { log, lines } = capturedLog();
    let calls = 0;
    const queue = new WorkQueue({ baseRetryDelayMs: 1, maxRetryDelayMs: 1, retryBurst: 1000 });
    const s = spec({
      queue,
      log,
      reconcile: async () => {
        calls++;
        throw new Error("apiserver unavailable");
      },
    });
    queue.add("ns/a");
    const ac = new AbortController();
    const running = runController(s, ac.signal);
    await vi.advanceTimersByTimeAsync(QUIET_RETRIES + 1);
    expect(calls).toBe(QUIET_RETRIES + 2);
    const levels = lines.filter((l) => l.key === "ns/a").map((l) => l.level);
    expect(levels).toEqual([...Array<number>(QUIET_RETRIES).fill(WARN), ERROR, ERROR]);
    ac.abort();
    await running;
  });

  it("runner: requeueAfterMs brings the key back after that long without any event", async () => {
    const callsAtMs: number[] = [];
    const s = spec({
      reconcile: async (): Promise<ReconcileResult> => {
        callsAtMs.push(Date.now());
        return { requeueAfterMs: 1000 };
      },
    });
    const startMs = Date.now();
    s.queue.add("ns/a");
    const ac = new AbortController();
    const running = runController(s, ac.signal);
    await vi.advanceTimersByTimeAsync(999);
    expect(callsAtMs.map((t) => t - startMs)).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1001);
    expect(callsAtMs.map((t) => t - startMs)).toEqual([0, 1000, 2000]);
    ac.abort();
    await running;
  });

  it("runner: workers run different keys at once but never the same key twice at once", async () => {
    const active = new Set<string>();
    let overlapped = false;
    let mostAtOnce = 0;
    const reconciled: string[] = [];
    const queue = new WorkQueue();
    const s = spec({
      queue,
      workers: 3,
      reconcile: async (key) => {
        if (active.has(key)) overlapped = true;
        active.add(key);
        mostAtOnce = Math.max(mostAtOnce, active.size);
        // An event for the same key arrives mid-reconcile.
        if (key === "ns/a" && !reconciled.includes("ns/a")) queue.add("ns/a");
        await new Promise((r) => setTimeout(r, 10));
        active.delete(key);
        reconciled.push(key);
      },
    });
    for (const key of ["ns/a", "ns/b", "ns/c"]) queue.add(key);
    const ac = new AbortController();
    const running = runController(s, ac.signal);
    await vi.advanceTimersByTimeAsync(50);
    expect(overlapped).toBe(false);
    expect(mostAtOnce).toBe(3);
    expect(reconciled.sort()).toEqual(["ns/a", "ns/a", "ns/b", "ns/c"]);
    ac.abort();
    await running;
  });

  it("runner: on abort it shuts the queue down and resolves only after in-flight reconciles finish", async () => {
    const release = deferred();
    const seen: string[] = [];
    const s = spec({
      reconcile: async (key) => {
        seen.push(key);
        await release.promise;
      },
    });
    s.queue.add("ns/a");
    s.queue.add("ns/b");
    const ac = new AbortController();
    let stopped = false;
    const running = runController(s, ac.signal).then(() => (stopped = true));
    await flush();
    expect(seen).toEqual(["ns/a"]);
    ac.abort();
    await flush();
    expect(s.queue.shuttingDown).toBe(true);
    expect(stopped).toBe(false);
    release.resolve();
    await running;
    expect(stopped).toBe(true);
    expect(seen).toEqual(["ns/a"]);
  });
});
