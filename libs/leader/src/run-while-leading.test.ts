import { describe, expect, it } from "vitest";
import { runWhileLeading, type Electable } from "./run-while-leading.ts";
import type { LeaderCallbacks, LeaderFence } from "./types.ts";

/** An elector driven by hand: `lead()` starts a term, the returned function ends it. */
class FakeElector implements Electable {
  callbacks: LeaderCallbacks[] = [];
  work: Promise<unknown>[] = [];
  private stopRun: (() => void) | undefined;
  private terms = 0;
  subscribe(cb: LeaderCallbacks): () => void {
    this.callbacks.push(cb);
    return () => (this.callbacks = this.callbacks.filter((c) => c !== cb));
  }
  run(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      this.stopRun = resolve;
      signal.addEventListener("abort", () => void Promise.allSettled(this.work).then(() => resolve()), { once: true });
    });
  }
  lead(): () => void {
    const ctl = new AbortController();
    const fence = { term: ++this.terms, signal: ctl.signal } as LeaderFence;
    for (const c of this.callbacks) {
      const w = c.onStartedLeading?.(ctl.signal, fence);
      if (w) this.work.push(w);
    }
    return () => ctl.abort();
  }
  finish(): void {
    this.stopRun?.();
  }
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("leader runWhileLeading", () => {
  it("leader runWhileLeading: starts on a term, stops when it ends, starts afresh in the next", async () => {
    const elector = new FakeElector();
    const log: string[] = [];
    const ctl = new AbortController();
    const done = runWhileLeading(elector, ctl.signal, async (_signal, fence) => {
      log.push(`start ${fence.term}`);
      return { stop: async () => void log.push(`stop ${fence.term}`) };
    });
    await tick();
    const end1 = elector.lead();
    await tick();
    end1();
    await tick();
    const end2 = elector.lead();
    await tick();
    expect(log).toEqual(["start 1", "stop 1", "start 2"]);
    end2();
    ctl.abort();
    await done;
    expect(log).toEqual(["start 1", "stop 1", "start 2", "stop 2"]);
    expect(elector.callbacks).toHaveLength(0);
  });

  it("leader runWhileLeading: the next term starts only after the previous stop has finished", async () => {
    const elector = new FakeElector();
    const log: string[] = [];
    let finishStop: () => void = () => undefined;
    const ctl = new AbortController();
    const done = runWhileLeading(elector, ctl.signal, async (_s, fence) => {
      log.push(`start ${fence.term}`);
      return { stop: () => new Promise<void>((r) => (finishStop = () => (log.push(`stopped ${fence.term}`), r()))) };
    });
    const end1 = elector.lead();
    await tick();
    end1();
    const end2 = elector.lead();
    await tick(20);
    expect(log).toEqual(["start 1"]);
    finishStop();
    await tick();
    expect(log).toEqual(["start 1", "stopped 1", "start 2"]);
    end2();
    await tick();
    finishStop();
    ctl.abort();
    await done;
    expect(log).toEqual(["start 1", "stopped 1", "start 2", "stopped 2"]);
  });

  it("leader runWhileLeading: a failing start is retried while leading, and not after", async () => {
    const elector = new FakeElector();
    let calls = 0;
    const ctl = new AbortController();
    const done = runWhileLeading(
      elector,
      ctl.signal,
      async () => {
        calls++;
        if (calls < 3) throw new Error("informer sync failed");
        return { stop: async () => undefined };
      },
      { startRetryMs: 5, maxStartRetryMs: 10 },
    );
    const end = elector.lead();
    await tick(60);
    expect(calls).toBe(3);
    end();
    ctl.abort();
    await done;
    expect(calls).toBe(3);
  });

  it("leader runWhileLeading: a start that resolves after the term ended is stopped at once", async () => {
    const elector = new FakeElector();
    let stopped = false;
    let release: () => void = () => undefined;
    const ctl = new AbortController();
    const done = runWhileLeading(elector, ctl.signal, () => new Promise((r) => (release = () => r({ stop: async () => void (stopped = true) }))));
    const end = elector.lead();
    await tick();
    end();
    release();
    await tick();
    expect(stopped).toBe(true);
    ctl.abort();
    await done;
  });
});
