import { describe, expect, it } from "vitest";
import { WorkQueue, type WorkQueueOptions } from "./queue.ts";

/** A clock and timers the test moves by hand: advance() fires due timers in time order. */
class FakeClock {
  nowMs = 0;
  private timers = new Map<number, { atMs: number; fn: () => void }>();
  private nextId = 1;

  readonly options = {
    now: (): number => this.nowMs,
    setTimer: (fn: () => void, ms: number): unknown => {
      const id = this.nextId++;
      this.timers.set(id, { atMs: this.nowMs + ms, fn });
      return id;
    },
    clearTimer: (handle: unknown): void => {
      this.timers.delete(handle as number);
    },
  };

  get pendingTimers(): number {
    return this.timers.size;
  }

  advance(ms: number): void {
    const endMs = this.nowMs + ms;
    for (;;) {
      let next: [number, { atMs: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].atMs <= endMs && (!next || entry[1].atMs < next[1].atMs)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.nowMs = Math.max(this.nowMs, next[1].atMs);
      next[1].fn();
    }
    this.nowMs = endMs;
  }
}

function queueWith(clock: FakeClock, opts: WorkQueueOptions = {}): WorkQueue {
  return new WorkQueue({ ...clock.options, ...opts });
}

/** Every key ready now, each marked done at once. */
async function drain(q: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (q.length > 0) {
    const key = (await q.get())!;
    keys.push(key);
    q.done(key);
  }
  return keys;
}

/** Whether the promise settles within a few turns of the event loop. */
async function settles(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void p.then(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  return settled;
}

describe("work queue", () => {
  it("work queue: a key added several times while waiting is handed out once, in first-add order", async () => {
    const q = queueWith(new FakeClock());
    expect([q.add("a"), q.add("b"), q.add("a"), q.add("c"), q.add("b")]).toEqual([true, true, true, true, true]);
    expect(q.length).toBe(3);
    expect(await drain(q)).toEqual(["a", "b", "c"]);
  });

  it("work queue: a key being processed is never handed to a second worker", async () => {
    const q = queueWith(new FakeClock());
    q.add("a");
    expect(await q.get()).toBe("a");
    q.add("a");
    expect(q.length).toBe(0);
    const second = q.get();
    expect(await settles(second)).toBe(false);
    q.add("b");
    expect(await second).toBe("b");
  });

  it("work queue: a key added while being processed is handed out again after done", async () => {
    const q = queueWith(new FakeClock());
    q.add("a");
    expect(await q.get()).toBe("a");
    q.add("a");
    q.add("a");
    const waiting = q.get();
    q.done("a");
    expect(await waiting).toBe("a");
    q.done("a");
    expect(q.length).toBe(0);
    expect(await settles(q.get())).toBe(false);
  });

  it("work queue: done for a key not being processed is a bug and throws", () => {
    const q = queueWith(new FakeClock());
    q.add("a");
    expect(() => q.done("a")).toThrow(/not being processed/);
  });

  it("work queue: get waits for a key and resolves when one is added", async () => {
    const q = queueWith(new FakeClock());
    const first = q.get();
    const second = q.get();
    expect(await settles(first)).toBe(false);
    q.add("a");
    q.add("b");
    expect(await first).toBe("a");
    expect(await second).toBe("b");
  });

  it("work queue: delayed keys come out in order of their ready time, not of adding", async () => {
    const clock = new FakeClock();
    const q = queueWith(clock);
    q.addAfter("a", 30);
    q.addAfter("b", 10);
    q.addAfter("c", 20);
    clock.advance(9);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(await drain(q)).toEqual(["b"]);
    clock.advance(20);
    expect(await drain(q)).toEqual(["c", "a"]);
  });

  it("work queue: adding a delayed key again keeps the earliest time", async () => {
    const clock = new FakeClock();
    const q = queueWith(clock);
    q.addAfter("a", 50);
    q.addAfter("a", 10);
    q.addAfter("a", 100);
    clock.advance(10);
    expect(await drain(q)).toEqual(["a"]);
    clock.advance(200);
    expect(q.length).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it("work queue: addAfter with no delay queues the key now", () => {
    const q = queueWith(new FakeClock());
    q.addAfter("a", 0);
    expect(q.length).toBe(1);
  });

  it("work queue: a delayed key that falls due while being processed waits for done", async () => {
    const clock = new FakeClock();
    const q = queueWith(clock);
    q.add("a");
    expect(await q.get()).toBe("a");
    q.addAfter("a", 5);
    clock.advance(5);
    expect(q.length).toBe(0);
    q.done("a");
    expect(await drain(q)).toEqual(["a"]);
  });

  it("work queue: per-key retry delay doubles up to the maximum, and forget resets it", async () => {
    const clock = new FakeClock();
    const q = queueWith(clock, { baseRetryDelayMs: 5, maxRetryDelayMs: 40, retryBurst: 1000 });
    const delays: number[] = [];
    const retryDelay = async (): Promise<number> => {
      q.addRateLimited("a");
      let waitedMs = 0;
      while (q.length === 0) {
        clock.advance(1);
        waitedMs++;
      }
      await drain(q);
      return waitedMs;
    };
    for (let i = 0; i < 6; i++) delays.push(await retryDelay());
    expect(delays).toEqual([5, 10, 20, 40, 40, 40]);
    expect(q.retries("a")).toBe(6);
    q.forget("a");
    expect(q.retries("a")).toBe(0);
    expect(await retryDelay()).toBe(5);
  });

  it("work queue: retries beyond the burst are spread out at retryQps", async () => {
    const clock = new FakeClock();
    const q = queueWith(clock, { baseRetryDelayMs: 1, retryQps: 10, retryBurst: 2 });
    for (const key of ["a", "b", "c", "d"]) q.addRateLimited(key);
    clock.advance(1);
    expect(await drain(q)).toEqual(["a", "b"]);
    clock.advance(98);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(await drain(q)).toEqual(["c"]);
    clock.advance(100);
    expect(await drain(q)).toEqual(["d"]);
  });

  it("work queue: adds beyond maxKeys are dropped and counted until room is made", async () => {
    const clock = new FakeClock();
    const q = queueWith(clock, { maxKeys: 2 });
    expect(q.add("a")).toBe(true);
    q.addAfter("b", 10);
    expect(q.add("c")).toBe(false);
    q.addAfter("d", 5);
    q.addRateLimited("e");
    expect(q.dropped).toBe(3);
    expect(q.retries("e")).toBe(0);
    // Keys already held are not new: no drop.
    expect(q.add("a")).toBe(true);
    expect(q.add("b")).toBe(true);
    expect(q.dropped).toBe(3);
    expect(await q.get()).toBe("a");
    expect(q.add("c")).toBe(true);
    expect(q.dropped).toBe(3);
  });

  it("work queue: shutDown resolves waiting get calls with undefined and refuses further keys", async () => {
    const clock = new FakeClock();
    const q = queueWith(clock);
    const waiting = [q.get(), q.get()];
    q.shutDown();
    expect(await Promise.all(waiting)).toEqual([undefined, undefined]);
    expect(q.shuttingDown).toBe(true);
    expect(q.add("a")).toBe(false);
    expect(await q.get()).toBeUndefined();
  });

  it("work queue: shutDown drops waiting and delayed keys; a key in process can still be done", async () => {
    const clock = new FakeClock();
    const q = queueWith(clock);
    q.add("a");
    q.add("b");
    q.addAfter("c", 10);
    expect(await q.get()).toBe("a");
    q.add("a");
    q.shutDown();
    expect(q.length).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    q.done("a");
    clock.advance(10);
    expect(q.length).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  it("work queue: invalid options are refused with a message naming the option", () => {
    expect(() => new WorkQueue({ maxKeys: 0 })).toThrow(/maxKeys/);
    expect(() => new WorkQueue({ baseRetryDelayMs: 10, maxRetryDelayMs: 5 })).toThrow(/maxRetryDelayMs/);
  });
});
