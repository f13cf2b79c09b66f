import { describe, expect, it } from "vitest";
import { deployment, sized } from "./fixtures.ts";
import { isScalingEvent, scaleDeployment } from "./scale.ts";
import type { ReplicaSetState } from "./types.ts";

function rs(name: string, replicas: number, annotations: Record<string, string>, createdMs: number, availableReplicas = replicas): ReplicaSetState {
  return { name, replicas, availableReplicas, createdMs, annotations };
}

const sizes = (steps: { name: string; replicas: number }[]) => Object.fromEntries(steps.map((s) => [s.name, s.replicas]));

describe("deployment: scaling events", () => {
  it.each([
    { name: "an active ReplicaSet sized for other replicas makes a scaling event", rss: [rs("a", 3, sized(3, 4), 0)], replicas: 5, want: true },
    { name: "ReplicaSets sized for the current replicas do not", rss: [rs("a", 3, sized(5, 7), 0)], replicas: 5, want: false },
    { name: "an empty ReplicaSet sized for other replicas does not", rss: [rs("a", 0, sized(3, 4), 0)], replicas: 5, want: false },
    { name: "an unannotated ReplicaSet does not", rss: [rs("a", 3, {}, 0)], replicas: 5, want: false },
  ])("deployment: $name", ({ rss, replicas, want }) => {
    expect(isScalingEvent(deployment({ replicas }), rss)).toBe(want);
  });
});

describe("deployment: scaling", () => {
  it("deployment: the only active ReplicaSet takes the new size", () => {
    const steps = scaleDeployment(deployment({ replicas: 5 }), rs("new", 3, sized(3, 4), 10), [rs("old", 0, sized(3, 4), 0)], 3);
    expect(steps).toEqual([{ name: "new", replicas: 5, annotateUnchanged: false }]);
  });

  it("deployment: with no active ReplicaSet the new one takes the size, else the newest old one", () => {
    const olds = [rs("old1", 0, {}, 0), rs("old2", 0, {}, 5)];
    expect(sizes(scaleDeployment(deployment({ replicas: 2 }), rs("new", 0, {}, 10), olds, 0))).toEqual({ new: 2 });
    expect(sizes(scaleDeployment(deployment({ replicas: 2 }), undefined, olds, 0))).toEqual({ old2: 2 });
  });

  it("deployment: a saturated new ReplicaSet empties the old ones", () => {
    const steps = scaleDeployment(deployment({ replicas: 3 }), rs("new", 3, sized(3, 4), 10), [rs("old", 2, sized(3, 4), 0)], 5);
    expect(steps).toEqual([{ name: "old", replicas: 0, annotateUnchanged: false }]);
  });

  it("deployment: scaling 3 → 10 → 2 mid-rollout keeps the old/new proportion", () => {
    // 3 replicas, 25%/25%: the rollout had created the new ReplicaSet with 1 pod beside 3 old.
    const old = rs("old", 3, sized(3, 4), 0);
    const fresh = rs("new", 1, sized(3, 4), 10, 0);
    const up = scaleDeployment(deployment({ replicas: 10, image: "v2" }), fresh, [old], 4);
    // 10 + 3 surge = 13 spread as 3:1 of 4 → 9.75 and 3.25 → 10 and 3.
    expect(up).toEqual([
      { name: "old", replicas: 10, annotateUnchanged: true },
      { name: "new", replicas: 3, annotateUnchanged: true },
    ]);
    const down = scaleDeployment(deployment({ replicas: 2, image: "v2" }), rs("new", 3, sized(10, 13), 10, 0), [rs("old", 10, sized(10, 13), 0)], 13);
    // 2 + 1 surge = 3 spread as 10:3 of 13 → 2.3 and 0.7 → 2 and 1.
    expect(sizes(down)).toEqual({ old: 2, new: 1 });
  });

  it("deployment: rounding leftovers go to the largest ReplicaSet, the newer one among equals when growing", () => {
    // Three equal ReplicaSets of 1 sized for 3 (max 4) grow to 5 + 2 surge = 7: each share is
    // round(1 × 7 / 4) − 1 = 1, so 6, and the leftover 1 goes to the newest.
    const rss = [rs("a", 1, sized(3, 4), 0), rs("b", 1, sized(3, 4), 5)];
    const steps = scaleDeployment(deployment({ replicas: 5, maxSurge: 2, maxUnavailable: 0 }), rs("c", 1, sized(3, 4), 9, 0), rss, 3);
    expect(sizes(steps)).toEqual({ c: 3, b: 2, a: 2 });
    expect(steps.reduce((n, s) => n + s.replicas, 0)).toBe(7);
  });

  it("deployment: scaling a rollout to 0 empties every ReplicaSet", () => {
    const steps = scaleDeployment(deployment({ replicas: 0 }), rs("new", 2, sized(4, 5), 10, 0), [rs("old", 3, sized(4, 5), 0)], 5);
    expect(sizes(steps)).toEqual({ old: 0, new: 0 });
  });

  it("deployment: Recreate with several active ReplicaSets is left to its rollout", () => {
    const d = deployment({ replicas: 5, strategy: "Recreate" });
    expect(scaleDeployment(d, rs("new", 1, sized(3, 3), 10), [rs("old", 3, sized(3, 3), 0)], 4)).toEqual([]);
  });
});
