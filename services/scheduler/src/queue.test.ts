import { describe, expect, it } from "vitest";
import { SchedulingQueue, UNSCHEDULABLE_RETRY_MS } from "./queue.ts";

describe("scheduling queue", () => {
  it("scheduler: pods come out in order, once each", () => {
    const q = new SchedulingQueue();
    q.add("a", "ns/a");
    q.add("b", "ns/b");
    q.add("a", "ns/a");
    expect([q.pop(0), q.pop(0), q.pop(0)]).toEqual(["a", "b", undefined]);
    expect(q.keyOf("b")).toBe("ns/b");
  });

  it("scheduler: an unschedulable pod waits for a cluster change and its backoff", () => {
    const q = new SchedulingQueue();
    q.add("a", "ns/a");
    expect(q.pop(0)).toBe("a");
    q.backoff("a", 0, true);
    expect(q.pop(5000)).toBeUndefined(); // backoff over, but nothing changed
    q.clusterChanged();
    expect(q.pop(5000)).toBe("a");
  });

  it("scheduler: a parked pod is retried after the periodic retry even without a change", () => {
    const q = new SchedulingQueue();
    q.add("a", "ns/a");
    q.pop(0);
    q.backoff("a", 0, true);
    expect(q.pop(UNSCHEDULABLE_RETRY_MS - 1)).toBeUndefined();
    expect(q.pop(UNSCHEDULABLE_RETRY_MS + 200)).toBe("a");
  });

  it("scheduler: backoff doubles per failure, capped at 10 s; a removed pod never comes back", () => {
    const q = new SchedulingQueue();
    q.add("a", "ns/a");
    q.pop(0);
    q.backoff("a", 0);
    expect(q.pop(999)).toBeUndefined();
    expect(q.pop(1000)).toBe("a");
    q.backoff("a", 1000);
    expect(q.pop(2999)).toBeUndefined();
    expect(q.pop(3000)).toBe("a");
    q.remove("a");
    q.backoff("a", 3000);
    expect(q.pop(100_000)).toBeUndefined();
  });
});
