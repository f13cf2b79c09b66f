import { describe, expect, it } from "vitest";
import { Action, decide, fenceDeadlineMs, followerDelayMs, leaseDurationMsOf, leaseDurationSecondsFor, nextRecord, observe, releasedRecord, renewalCounts, requestTimeoutMs, type Observation } from "./decide.ts";
import type { LeaseRecord } from "./types.ts";

const record = (over: Partial<LeaseRecord> = {}): LeaseRecord => ({
  holderIdentity: "a",
  leaseDurationMs: 2000,
  acquireTime: "2026-11-22T07:00:00.000000Z",
  renewTime: "2026-11-22T07:00:01.000000Z",
  leaseTransitions: 3,
  resourceVersion: "10",
  ...over,
});
const seen = (over: Partial<LeaseRecord>, sinceMs: number): Observation => ({ record: record(over), sinceMs });

describe("leader decide: what a candidate does about the lease", () => {
  const cases: { name: string; obs: Observation | undefined; me: string; now: number; want: ReturnType<typeof decide> }[] = [
    { name: "no Lease: create it", obs: undefined, me: "b", now: 0, want: { action: Action.Create } },
    { name: "we hold it: renew", obs: seen({ holderIdentity: "b" }, 0), me: "b", now: 99_999, want: { action: Action.Renew } },
    { name: "released (no holder): acquire at once", obs: seen({ holderIdentity: "" }, 1000), me: "b", now: 1000, want: { action: Action.Acquire, reason: "released" } },
    { name: "another holder, seen 1 ms ago: wait until seen + duration", obs: seen({ holderIdentity: "a" }, 1000), me: "b", now: 1001, want: { action: Action.Wait, holder: "a", expiresAtMs: 3000 } },
    { name: "another holder, 1 ms short of the duration: still wait", obs: seen({ holderIdentity: "a" }, 1000), me: "b", now: 2999, want: { action: Action.Wait, holder: "a", expiresAtMs: 3000 } },
    { name: "another holder, unchanged for exactly the duration: acquire", obs: seen({ holderIdentity: "a" }, 1000), me: "b", now: 3000, want: { action: Action.Acquire, reason: "expired" } },
    { name: "the record's own duration counts, not ours", obs: seen({ holderIdentity: "a", leaseDurationMs: 15_000 }, 0), me: "b", now: 14_000, want: { action: Action.Wait, holder: "a", expiresAtMs: 15_000 } },
  ];
  for (const c of cases) it(`leader decide: ${c.name}`, () => expect(decide(c.obs, c.me, c.now)).toEqual(c.want));
});

describe("leader observe: the age of a lease is measured from its last observed change", () => {
  it("leader observe: an unchanged record keeps its first sighting, however old its renewTime reads", () => {
    const first = observe(undefined, record(), 500);
    const again = observe(first, record(), 1900);
    expect(again.sinceMs).toBe(500);
    expect(decide(again, "b", 2499).action).toBe(Action.Wait);
    expect(decide(again, "b", 2500).action).toBe(Action.Acquire);
  });

  it("leader observe: a new renewTime, holder or revision restarts the clock", () => {
    const first = observe(undefined, record(), 500);
    for (const change of [{ renewTime: "2026-11-22T07:00:01.250000Z" }, { holderIdentity: "c" }, { resourceVersion: "11" }]) {
      const next = observe(first, record(change), 2400);
      expect(next.sinceMs).toBe(2400);
      expect(decide(next, "b", 2600).action).toBe(Action.Wait);
    }
  });

  it("leader observe: a stale lease found on start-up is waited out in full (its wall-clock renewTime is never trusted)", () => {
    const obs = observe(undefined, record({ renewTime: "2001-01-01T00:00:00.000000Z" }), 10_000);
    expect(decide(obs, "b", 10_000)).toEqual({ action: Action.Wait, holder: "a", expiresAtMs: 12_000 });
    expect(decide(obs, "b", 11_999).action).toBe(Action.Wait);
    expect(decide(obs, "b", 12_000).action).toBe(Action.Acquire);
  });

  it("leader observe: a renewal seen just before expiry pushes the takeover a full duration later", () => {
    let obs = observe(undefined, record(), 0);
    obs = observe(obs, record({ renewTime: "2026-11-22T07:00:02.000000Z", resourceVersion: "11" }), 1990);
    expect(decide(obs, "b", 2000).action).toBe(Action.Wait);
    expect(decide(obs, "b", 3989).action).toBe(Action.Wait);
    expect(decide(obs, "b", 3990).action).toBe(Action.Acquire);
  });
});

describe("leader records: what is written", () => {
  it("leader records: a renewal keeps acquireTime and transitions, with a new renewTime and our duration", () => {
    const cur = record({ holderIdentity: "b" });
    expect(nextRecord(cur, "b", 2000, "T2")).toEqual({ holderIdentity: "b", leaseDurationMs: 2000, acquireTime: cur.acquireTime, renewTime: "T2", leaseTransitions: 3 });
  });

  it("leader records: taking over from another holder counts a transition and stamps acquireTime", () => {
    expect(nextRecord(record({ holderIdentity: "a" }), "b", 1500, "T2")).toEqual({ holderIdentity: "b", leaseDurationMs: 1500, acquireTime: "T2", renewTime: "T2", leaseTransitions: 4 });
  });

  it("leader records: taking a released lease counts a transition; a new Lease starts at 0", () => {
    expect(nextRecord(record({ holderIdentity: "" }), "b", 2000, "T").leaseTransitions).toBe(4);
    expect(nextRecord(undefined, "b", 2000, "T")).toEqual({ holderIdentity: "b", leaseDurationMs: 2000, acquireTime: "T", renewTime: "T", leaseTransitions: 0 });
  });

  it("leader records: a release empties the holder and keeps the transitions", () => {
    expect(releasedRecord(record({ holderIdentity: "b" }), "T9")).toEqual({ holderIdentity: "", leaseDurationMs: 2000, acquireTime: record().acquireTime, renewTime: "T9", leaseTransitions: 3 });
  });

  it("leader records: the duration comes from the ms annotation, else whole seconds, else our own", () => {
    expect(leaseDurationMsOf("1750", 2, 9000)).toBe(1750);
    expect(leaseDurationMsOf(undefined, 15, 9000)).toBe(15_000);
    expect(leaseDurationMsOf("0", 2, 9000)).toBe(2000);
    expect(leaseDurationMsOf("-5", undefined, 9000)).toBe(9000);
    expect(leaseDurationMsOf("1.5", undefined, 9000)).toBe(9000);
    expect(leaseDurationMsOf("abc", 0, 9000)).toBe(9000);
  });

  it("leader records: leaseDurationSeconds is rounded up so kubectl never shows less than the real lease", () => {
    expect(leaseDurationSecondsFor(2000)).toBe(2);
    expect(leaseDurationSecondsFor(2001)).toBe(3);
    expect(leaseDurationSecondsFor(250)).toBe(1);
  });
});

describe("leader fencing: the leader's deadline arithmetic", () => {
  it("leader fencing: the term ends renewDeadline after the START of the last successful renewal", () => {
    expect(fenceDeadlineMs(10_000, 1500)).toBe(11_500);
  });

  it("leader fencing: the deadline falls before the earliest takeover by leaseDuration − renewDeadline", () => {
    // The renewal started at 10 000 and landed at 10 040; a follower saw it at 10 050 at the earliest.
    const deadline = fenceDeadlineMs(10_000, 1500);
    const obs = observe(undefined, record({ holderIdentity: "a", leaseDurationMs: 2000 }), 10_050);
    const takeover = (decide(obs, "b", 0) as { expiresAtMs: number }).expiresAtMs;
    expect(takeover - deadline).toBeGreaterThanOrEqual(2000 - 1500);
  });

  it("leader fencing: a renewal answered at or after the deadline does not count", () => {
    expect(renewalCounts(11_499, 11_500)).toBe(true);
    expect(renewalCounts(11_500, 11_500)).toBe(false);
    expect(renewalCounts(12_000, 11_500)).toBe(false);
  });

  it("leader fencing: a request may take only the time left before the deadline", () => {
    expect(requestTimeoutMs(10_000, 11_500, 1500)).toBe(1500);
    expect(requestTimeoutMs(11_000, 11_500, 1500)).toBe(500);
    expect(requestTimeoutMs(11_499.5, 11_500, 1500)).toBe(0);
    expect(requestTimeoutMs(11_500, 11_500, 1500)).toBe(0);
    expect(requestTimeoutMs(12_000, 11_500, 1500)).toBe(0);
    expect(requestTimeoutMs(0, 100_000, 1500)).toBe(1500);
  });
});

describe("leader follower delay", () => {
  it("leader follower delay: the poll period with ±jitter", () => {
    expect(followerDelayMs(250, 0.2, 0, 0)).toBeCloseTo(200);
    expect(followerDelayMs(250, 0.2, 0.5, 0)).toBeCloseTo(250);
    expect(followerDelayMs(250, 0.2, 0.999999, 0)).toBeCloseTo(300, 3);
  });

  it("leader follower delay: wakes at the expiry (plus 1 ms for early timers) when that is sooner", () => {
    expect(followerDelayMs(250, 0.2, 0.5, 1000, 1100)).toBe(101);
    expect(followerDelayMs(250, 0.2, 0.5, 1000, 900)).toBe(1);
    expect(followerDelayMs(250, 0.2, 0.5, 1000, 5000)).toBe(250);
  });
});
