import { describe, expect, it } from "vitest";
import { deployment } from "./fixtures.ts";
import { deploymentFenceposts, newReplicaSetReplicas, recreateScaleDown, resolveFenceposts, rollingScaleDown, rollingScaleUp, valueFromIntOrPercent } from "./rollout.ts";
import type { ReplicaSetState } from "./types.ts";

function rs(name: string, replicas: number, availableReplicas = replicas, createdMs = 0): ReplicaSetState {
  return { name, replicas, availableReplicas, createdMs, annotations: {} };
}

describe("deployment: fenceposts", () => {
  it.each([
    { name: "the defaults are 25% surge and 25% unavailable", surge: undefined, unavailable: undefined, replicas: 4, want: { maxSurge: 1, maxUnavailable: 1 } },
    { name: "surge rounds up and unavailability down (25% of 3)", surge: "25%", unavailable: "25%", replicas: 3, want: { maxSurge: 1, maxUnavailable: 0 } },
    { name: "counts are taken as they are", surge: 2, unavailable: 3, replicas: 10, want: { maxSurge: 2, maxUnavailable: 3 } },
    { name: "both 0 means 1 unavailable, or nothing could move", surge: 0, unavailable: 0, replicas: 5, want: { maxSurge: 0, maxUnavailable: 1 } },
    { name: "both rounding to 0 means 1 unavailable", surge: "0%", unavailable: "10%", replicas: 5, want: { maxSurge: 0, maxUnavailable: 1 } },
    { name: "10% of 30 is exactly 3 both ways", surge: "10%", unavailable: "10%", replicas: 30, want: { maxSurge: 3, maxUnavailable: 3 } },
    { name: "a digit string counts as a number", surge: "2", unavailable: "1", replicas: 10, want: { maxSurge: 2, maxUnavailable: 1 } },
  ])("deployment: $name", ({ surge, unavailable, replicas, want }) => {
    expect(resolveFenceposts(surge, unavailable, replicas)).toEqual(want);
  });

  it.each([
    { v: "50%", total: 5, up: true, want: 3 },
    { v: "50%", total: 5, up: false, want: 2 },
    { v: -2, total: 5, up: false, want: 0 },
    { v: "lots", total: 5, up: true, want: 0 },
  ])("deployment: $v of $total rounded up=$up is $want", ({ v, total, up, want }) => {
    expect(valueFromIntOrPercent(v, total, up)).toBe(want);
  });

  it.each([
    { name: "Recreate has no surge and no unavailability", d: deployment({ strategy: "Recreate", maxSurge: 5, maxUnavailable: 5 }), want: { maxSurge: 0, maxUnavailable: 0 } },
    { name: "unavailability never exceeds replicas", d: deployment({ replicas: 2, maxUnavailable: 5, maxSurge: 1 }), want: { maxSurge: 1, maxUnavailable: 2 } },
    { name: "at 0 replicas nothing may be unavailable", d: deployment({ replicas: 0, maxUnavailable: 1, maxSurge: 1 }), want: { maxSurge: 1, maxUnavailable: 0 } },
  ])("deployment: $name", ({ d, want }) => {
    expect(deploymentFenceposts(d)).toEqual(want);
  });
});

describe("deployment: rolling update steps", () => {
  const d10 = deployment({ replicas: 10, maxSurge: 3, maxUnavailable: 2 });

  it.each([
    { name: "the new ReplicaSet grows by the surge budget", old: 10, now: 0, want: 3 },
    { name: "the new ReplicaSet does not grow while all pods fill replicas + maxSurge", old: 10, now: 3, want: 3 },
    { name: "the new ReplicaSet never grows past spec.replicas", old: 0, now: 8, want: 10 },
  ])("deployment: $name", ({ old, now, want }) => {
    const all = [rs("old", old), rs("new", now, 0)];
    expect(newReplicaSetReplicas(d10, all, all[1]!)).toBe(want);
  });

  it("deployment: a new ReplicaSet above spec.replicas shrinks to it; one at spec.replicas stays", () => {
    expect(rollingScaleUp(d10, [rs("new", 12)], rs("new", 12))).toBe(10);
    expect(rollingScaleUp(d10, [rs("new", 10)], rs("new", 10))).toBeUndefined();
  });

  it("deployment: Recreate sizes the new ReplicaSet at spec.replicas at once", () => {
    const d = deployment({ replicas: 4, strategy: "Recreate" });
    expect(newReplicaSetReplicas(d, [rs("new", 0)], rs("new", 0))).toBe(4);
  });

  it.each([
    {
      name: "old pods go only as far as availability stays at replicas − maxUnavailable",
      olds: [rs("a", 10)],
      newRs: rs("new", 3, 3),
      want: { a: 5 },
    },
    {
      name: "unhealthy old pods go first, oldest ReplicaSet first, before available ones",
      olds: [rs("a", 4, 2), rs("b", 6, 6, 1)],
      newRs: rs("new", 3, 0),
      // budget 13 − 8 − 3 = 2 goes to a's 2 unhealthy pods; 8 available leave none to spare.
      want: { a: 2 },
    },
    {
      name: "a crash-looping new ReplicaSet keeps the old ones from shrinking",
      olds: [rs("a", 8, 7)],
      newRs: rs("new", 5, 0),
      want: {},
    },
    {
      name: "with spare availability, shrinking continues into newer old ReplicaSets",
      olds: [rs("a", 2), rs("b", 4, 4, 1)],
      newRs: rs("new", 7, 7),
      want: { a: 0, b: 1 },
    },
  ])("deployment: $name", ({ olds, newRs, want }) => {
    const sizes = rollingScaleDown(d10, [...olds, newRs], olds, newRs);
    expect(Object.fromEntries(sizes)).toEqual(want);
  });

  it("deployment: a rolling update never leaves fewer than replicas − maxUnavailable available", () => {
    // Every mix of old and new sizes and availabilities a 5-replica rollout can be in.
    const d = deployment({ replicas: 5, maxSurge: 2, maxUnavailable: 1 });
    for (let oldN = 0; oldN <= 7; oldN++) {
      for (let newN = 0; newN + oldN <= 7; newN++) {
        for (let oldAv = 0; oldAv <= oldN; oldAv++) {
          for (let newAv = 0; newAv <= newN; newAv++) {
            const old = rs("old", oldN, oldAv);
            const fresh = rs("new", newN, newAv);
            const sizes = rollingScaleDown(d, [old, fresh], [old], fresh);
            const removed = oldN - (sizes.get("old") ?? oldN);
            // Pods removed beyond the unhealthy ones cost availability.
            const lost = Math.max(0, removed - (oldN - oldAv));
            if (lost > 0) expect(oldAv + newAv - lost, `old ${oldN}/${oldAv} new ${newN}/${newAv}`).toBeGreaterThanOrEqual(4);
          }
        }
      }
    }
  });

  it("deployment: Recreate empties every old ReplicaSet with pods", () => {
    expect(Object.fromEntries(recreateScaleDown([rs("a", 2), rs("b", 0), rs("c", 1)]))).toEqual({ a: 0, c: 0 });
  });
});
