import { describe, expect, it } from "vitest";
import { FailedPodBackoff } from "./backoff.ts";

const K = FailedPodBackoff.key("uid-ds", "pi-1");

describe("FailedPodBackoff", () => {
  it("daemonset backoff: a node that never failed need not wait", () => {
    expect(new FailedPodBackoff().untilMs(K, 0)).toBeUndefined();
  });

  it("daemonset backoff: each replacement doubles the wait, up to the maximum", () => {
    const b = new FailedPodBackoff({ initialMs: 1_000, maxMs: 4_000 });
    const waits: number[] = [];
    let now = 0;
    for (let i = 0; i < 5; i++) {
      b.next(K, now);
      const until = b.untilMs(K, now)!;
      waits.push(until - now);
      now = until; // the next failure shows up just as the wait ends
      expect(b.untilMs(K, now)).toBeUndefined();
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 4_000, 4_000]);
  });

  it("daemonset backoff: a node quiet for twice the maximum starts over", () => {
    const b = new FailedPodBackoff({ initialMs: 1_000, maxMs: 4_000 });
    b.next(K, 0);
    b.next(K, 1_000);
    b.next(K, 1_000 + 8_001);
    expect(b.untilMs(K, 9_001)).toBe(10_001);
  });

  it("daemonset backoff: nodes and DaemonSets back off independently; a deleted DaemonSet is forgotten", () => {
    const b = new FailedPodBackoff();
    b.next(K, 0);
    expect(b.untilMs(FailedPodBackoff.key("uid-ds", "pi-2"), 0)).toBeUndefined();
    b.next(FailedPodBackoff.key("uid-other", "pi-1"), 0);
    b.forgetDaemonSet("uid-ds");
    expect(b.untilMs(K, 0)).toBeUndefined();
    expect(b.size).toBe(1);
  });

  it("daemonset backoff: entries are bounded; the least recently used go first", () => {
    const b = new FailedPodBackoff({ maxEntries: 2 });
    b.next("a", 0);
    b.next("b", 1);
    b.next("a", 2);
    b.next("c", 3);
    expect(b.size).toBe(2);
    expect(b.untilMs("b", 3)).toBeUndefined();
    expect(b.untilMs("a", 3)).toBeDefined();
  });

  it("daemonset backoff: nonsensical options are refused", () => {
    expect(() => new FailedPodBackoff({ initialMs: 0 })).toThrow(RangeError);
    expect(() => new FailedPodBackoff({ initialMs: 10, maxMs: 5 })).toThrow(RangeError);
    expect(() => new FailedPodBackoff({ maxEntries: 0 })).toThrow(RangeError);
  });
});
