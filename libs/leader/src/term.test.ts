import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NotLeaderError, Term } from "./term.ts";

describe("leader term: the fence of one term of leadership", () => {
  let clock = 0;
  const now = (): number => clock;
  const advance = async (ms: number): Promise<void> => {
    clock += ms;
    await vi.advanceTimersByTimeAsync(ms);
  };
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 10_000;
  });
  afterEach(() => vi.useRealTimers());

  it("leader term: aborts its signal when renewDeadline has passed since the last renewal's start, by its own timer", async () => {
    const ended: string[] = [];
    const term = new Term(1, 10_000, 1500, now, (_t, reason) => ended.push(reason));
    expect(term.deadlineMs()).toBe(11_500);
    await advance(1499);
    expect(term.signal.aborted).toBe(false);
    expect(term.isValid()).toBe(true);
    expect(term.remainingMs()).toBe(1);
    await advance(1);
    expect(term.signal.aborted).toBe(true);
    expect(term.signal.reason).toBeInstanceOf(NotLeaderError);
    expect(ended).toEqual(["renew deadline passed without a successful renewal"]);
    expect(term.deadlineMs()).toBe(Number.NEGATIVE_INFINITY);
    expect(term.remainingMs()).toBe(0);
    expect(() => term.assertValid()).toThrow(NotLeaderError);
  });

  it("leader term: a renewal answered in time moves the deadline to its start + renewDeadline", async () => {
    const term = new Term(1, 10_000, 1500, now, () => undefined);
    await advance(250);
    expect(term.renewed(10_240)).toBe(true);
    expect(term.deadlineMs()).toBe(11_740);
    await advance(1480);
    expect(term.signal.aborted).toBe(false);
    await advance(10);
    expect(term.signal.aborted).toBe(true);
  });

  it("leader term: a renewal that answers after the deadline counts as failed and ends the term", async () => {
    const term = new Term(1, 10_000, 1500, now, () => undefined);
    clock = 11_600; // the clock moved but the timer has not run yet (a busy event loop)
    expect(term.isValid()).toBe(false);
    expect(() => term.assertValid()).toThrow(/past its renew deadline/);
    expect(term.renewed(11_400)).toBe(false);
    expect(term.signal.aborted).toBe(true);
    expect(term.endReason).toBe("renewal answered after the renew deadline");
  });

  it("leader term: ends once, and a renewal after the end changes nothing", async () => {
    const ended: string[] = [];
    const term = new Term(3, 10_000, 1500, now, (_t, r) => ended.push(r));
    term.end("shutting down");
    term.end("again");
    await advance(5000);
    expect(ended).toEqual(["shutting down"]);
    expect(term.renewed(10_100)).toBe(false);
    expect(() => term.assertValid()).toThrow("leadership term 3 has ended: shutting down");
  });

  it("leader term: an older renewal start never moves the deadline back", async () => {
    const term = new Term(1, 10_000, 1500, now, () => undefined);
    expect(term.renewed(9_000)).toBe(true);
    expect(term.deadlineMs()).toBe(11_500);
  });
});
