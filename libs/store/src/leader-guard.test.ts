import { describe, expect, it } from "vitest";
import { assessLeaders, censusNeeded, leaderViewOf, type LeaderHealth, type LeaderView } from "./leader-guard.ts";

const limits = { peerActiveLimitMs: 2500, peerGoneAfterMs: 12_000 };
const view = (leader: string, ...activeMs: number[]): LeaderView => ({ leader, replicas: 3, followers: activeMs.map((a, i) => ({ name: `f${i}`, activeMs: a })) });

describe("assessLeaders", () => {
  const cases: [string, LeaderView[], LeaderHealth][] = [
    ["nobody answered (an election, or cut off from every leader)", [], "suspect"],
    ["a single-replica stream", [{ leader: "n1", replicas: 1, followers: [] }], "ok"],
    ["one leader, both followers heard from within a heartbeat", [view("n1", 300, 900)], "ok"],
    ["one follower silent for 3 s: it may be an old leader still answering", [view("n1", 200, 3000)], "degraded"],
    ["one follower silent for 30 s: it stepped down long ago", [view("n1", 200, 30_000)], "ok"],
    ["the answering leader has heard from nobody: it may be the stale one", [view("n1", 3000, 3000)], "suspect"],
    ["a cut-off leader and the new one both answer", [view("n1", 5000, 5000), view("n2", 100, 5000)], "degraded"],
    ["two answers from the same healthy leader (a duplicate delivery)", [view("n1", 100, 100), view("n1", 100, 100)], "ok"],
    ["five replicas, two silent: still a quorum, but wary", [{ leader: "n1", replicas: 5, followers: [100, 100, 4000, 4000].map((a, i) => ({ name: `f${i}`, activeMs: a })) }], "degraded"],
    ["a leader elected 1.6 s ago that has not heard from one follower since: maybe the old leader", [{ ...view("n2", 200, 1600), ageMs: 1600 }], "degraded"],
    ["a leader elected 5 s ago that has heard from both followers since", [{ ...view("n2", 200, 900), ageMs: 5000 }], "ok"],
    ["a leader elected 30 s ago: whoever it has not heard from stepped down long ago", [{ ...view("n2", 200, 1200), ageMs: 30_000 }], "ok"],
    ["five replicas, three silent: no quorum", [{ leader: "n1", replicas: 5, followers: [100, 4000, 4000, 4000].map((a, i) => ({ name: `f${i}`, activeMs: a })) }], "suspect"],
  ];
  it.each(cases)("%s", (_what, views, expected) => {
    expect(assessLeaders(views, limits)).toBe(expected);
  });
});

describe("censusNeeded", () => {
  const cases: [string, LeaderView[], boolean][] = [
    ["two claimants", [{ ...view("n1", 5000, 5000), ageMs: 60_000 }, { ...view("n2", 100, 5000), ageMs: 3000 }], true],
    ["a young leader that has not heard from a follower since its election", [{ ...view("n2", 200, 5500), ageMs: 6000 }], true],
    ["a leader of unknown age with a silent follower", [view("n1", 200, 3000)], true],
    ["a follower silent for 3 s, heard since the election a minute ago: dead or cut off, not an old leader", [{ ...view("n2", 200, 3000), ageMs: 60_000 }], false],
    ["everyone heard", [{ ...view("n2", 200, 300), ageMs: 60_000 }], false],
  ];
  it.each(cases)("%s", (_what, views, expected) => {
    expect(censusNeeded(views, limits)).toBe(expected);
  });
});

describe("leaderViewOf", () => {
  it("reads the leader, the configured replicas and each follower's silence (ns → ms)", () => {
    const v = leaderViewOf({ config: { num_replicas: 3 }, cluster: { leader: "m2", replicas: [{ name: "m1", active: 1_500_000_000 }, { name: "m3" }] } });
    expect(v).toEqual({ leader: "m2", replicas: 3, followers: [{ name: "m1", activeMs: 1500 }, { name: "m3", activeMs: 0 }] });
    const aged = leaderViewOf({ config: { num_replicas: 3 }, cluster: { leader: "m2", leader_since: new Date(Date.now() - 4000).toISOString(), replicas: [] } });
    expect(aged?.ageMs).toBeGreaterThanOrEqual(4000);
    expect(aged?.ageMs).toBeLessThan(5000);
  });

  it("a follower with no active time has not been heard from since the election: silent as long as the leader has led", () => {
    const v = leaderViewOf({ config: { num_replicas: 3 }, cluster: { leader: "m2", leader_since: new Date(Date.now() - 3000).toISOString(), replicas: [{ name: "m1" }, { name: "m3", active: 200_000_000 }] } })!;
    expect(v.followers[0]!.activeMs).toBeGreaterThanOrEqual(3000);
    expect(v.followers[1]!.activeMs).toBe(200);
    // The old leader, cut off since before the election: not to be trusted alone.
    expect(assessLeaders([v], limits)).toBe("degraded");
  });

  it("ignores an error answer", () => {
    expect(leaderViewOf({ error: { code: 503 } })).toBeUndefined();
  });
});
