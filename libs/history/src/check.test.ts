import { describe, expect, it } from "vitest";
import { checkHistory, leaderOverlaps, type HistoryOp } from "./index.ts";

const w = (id: string, from: number | null, invokeMs: number, completeMs: number, outcome: "ok" | "fail" | "unknown", revision?: number): HistoryOp => ({ kind: "write", key: "k", id, from, invokeMs, completeMs, outcome, ...(revision !== undefined ? { revision } : {}) });
const r = (invokeMs: number, completeMs: number, revision: number | undefined, writer?: string, final = false): HistoryOp => ({ kind: "read", key: "k", invokeMs, completeMs, outcome: revision === undefined ? "absent" : "ok", ...(revision !== undefined ? { revision } : {}), ...(writer ? { writer } : {}), ...(final ? { final } : {}) });
const rules = (ops: HistoryOp[]) => checkHistory(ops).violations.map((v) => v.rule);

describe("history checker", () => {
  it("accepts a clean CAS chain with reads", () => {
    const res = checkHistory([w("a", null, 0, 1, "ok", 5), w("b", 5, 2, 3, "ok", 9), r(4, 5, 9, "b"), w("c", 9, 6, 7, "ok", 12), r(8, 9, 12, "c", true)]);
    expect(res.violations).toEqual([]);
    expect(res.counts).toEqual({ acknowledged: 3, failed: 0, unknown: 0, reads: 2, keys: 1 });
  });

  it("accepts a timed-out write that took effect unseen, and one that did not", () => {
    expect(rules([w("a", null, 0, 1, "ok", 5), w("x", 5, 2, 10, "unknown"), w("b", 7, 11, 12, "ok", 9), r(13, 14, 9, "b", true)])).toEqual([]);
    expect(rules([w("a", null, 0, 1, "ok", 5), w("x", 5, 2, 10, "unknown"), w("b", 5, 11, 12, "ok", 9), r(13, 14, 9, "b", true)])).toEqual([]);
  });

  it("rejects two writes from the same base (a lost update)", () => {
    expect(rules([w("a", null, 0, 1, "ok", 5), w("b", 5, 2, 3, "ok", 9), w("c", 5, 2, 4, "ok", 12), r(5, 6, 12, "c", true)])).toContain("chain");
  });

  it("rejects revisions out of real-time order", () => {
    expect(rules([w("a", null, 0, 1, "ok", 9), w("b", null, 2, 3, "ok", 5), r(4, 5, 9, "a", true)])).toContain("real-time");
  });

  it("rejects stale and future reads", () => {
    expect(rules([w("a", null, 0, 1, "ok", 5), w("b", 5, 2, 3, "ok", 9), r(4, 5, 5, "a"), r(6, 7, 9, "b", true)])).toContain("stale-read");
    expect(rules([w("a", null, 0, 1, "ok", 5), r(2, 3, undefined)])).toContain("stale-read");
    expect(rules([r(0, 1, 5, "a"), w("a", null, 2, 3, "ok", 5), r(4, 5, 5, "a", true)])).toContain("future-read");
  });

  it("rejects a failed write that was seen, a revision claimed twice, and a lost acknowledged write", () => {
    expect(rules([w("a", null, 0, 1, "ok", 5), w("b", 5, 2, 3, "fail"), r(4, 5, 8, "b"), r(6, 7, 5, "a", true)])).toContain("failed-write-seen");
    expect(rules([w("a", null, 0, 1, "ok", 5), w("b", 5, 2, 3, "ok", 5), r(4, 5, 5, "b", true)])).toContain("unique-revision");
    expect(rules([w("a", null, 0, 1, "ok", 5), w("b", 5, 2, 3, "ok", 9), r(4, 5, 5, "a", true)])).toContain("lost-write");
    expect(rules([w("a", null, 0, 1, "ok", 5)])).toContain("lost-write");
  });
});

describe("leader audit", () => {
  it("finds overlapping leadership of different holders only", () => {
    const base = { component: "scheduler" };
    expect(leaderOverlaps([{ ...base, identity: "m1", startMs: 0, endMs: 100 }, { ...base, identity: "m2", startMs: 100, endMs: 200 }])).toEqual([]);
    expect(leaderOverlaps([{ ...base, identity: "m1", startMs: 0, endMs: 100 }, { ...base, identity: "m1", startMs: 50, endMs: 200 }])).toEqual([]);
    expect(leaderOverlaps([{ ...base, identity: "m1", startMs: 0, endMs: 120 }, { ...base, identity: "m2", startMs: 100, endMs: 200 }])[0]?.overlapMs).toBe(20);
    expect(leaderOverlaps([{ ...base, identity: "m1", startMs: 0, endMs: undefined }, { ...base, identity: "m2", startMs: 100, endMs: 200 }], 300)[0]?.overlapMs).toBe(100);
    expect(leaderOverlaps([{ component: "a", identity: "m1", startMs: 0, endMs: 100 }, { component: "b", identity: "m2", startMs: 0, endMs: 100 }])).toEqual([]);
  });
});
