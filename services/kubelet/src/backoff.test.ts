import { describe, expect, it } from "vitest";
import { restartDelayMs } from "./backoff.ts";

const cfg = { baseMs: 10_000, maxMs: 300_000 };

describe("crash loop backoff", () => {
  it("kubelet: the first restart is immediate, then 10 s doubling up to 5 min", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => restartDelayMs(n, 1000, cfg))).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  it("kubelet: a container that ran more than 10 minutes restarts at once", () => {
    expect(restartDelayMs(8, 600_001, cfg)).toBe(0);
  });
});
