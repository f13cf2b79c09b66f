import { rfc3339 } from "@flotilla/api/time";
import { describe, expect, it } from "vitest";
import { T0, completeStatus, deepFreeze, deployment, kubectlRolloutStatus, replicaSet } from "./fixtures.ts";
import type { DeploymentOptions } from "./fixtures.ts";
import { calculateStatus, nextCheckMs, pausedConditions, rolloutStatus, setCondition, statusEqual } from "./status.ts";
import type { StatusInput } from "./status.ts";
import { MAX_INT32 } from "./types.ts";
import type { DeploymentConditionLike, DeploymentLike, DeploymentStatusLike, ReplicaSetLike } from "./types.ts";

const NOW = rfc3339(T0);
const EARLIER = rfc3339(T0 - 60_000);
const cond = (s: DeploymentStatusLike, type: string) => s.conditions?.find((c) => c.type === type);

function progressing(reason: string, status = "True", at = EARLIER): DeploymentConditionLike {
  return { type: "Progressing", status, reason, message: "m", lastUpdateTime: at, lastTransitionTime: at };
}

/** A rollout from v1 to v2 of a 4-replica Deployment (25%: 1 surge, 1 unavailable). */
function input(o: { old: number; fresh: number; freshAvailable?: number; oldAvailable?: number; d?: DeploymentOptions; conditions?: DeploymentConditionLike[]; nowMs?: number }): StatusInput {
  const d = deployment({ replicas: 4, image: "v2", generation: 2, ...o.d });
  const oldRs = replicaSet({ image: "v1", replicas: o.old, available: o.oldAvailable ?? o.old });
  const newRs = replicaSet({ image: "v2", replicas: o.fresh, available: o.freshAvailable ?? o.fresh });
  return deepFreeze({ d, replicaSets: [oldRs, newRs], newReplicaSet: newRs, plannedReplicas: o.old + o.fresh, conditions: o.conditions ?? d.status?.conditions ?? [], nowMs: o.nowMs ?? T0 });
}

describe("deployment status: counts", () => {
  it("deployment: counts are summed from the ReplicaSets' status, zeros left out", () => {
    const s = calculateStatus(input({ old: 3, fresh: 2, freshAvailable: 0 }));
    expect(s).toMatchObject({ observedGeneration: 2, replicas: 5, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 2 });
    expect(calculateStatus(input({ old: 0, fresh: 4 }))).not.toHaveProperty("unavailableReplicas");
  });

  it("deployment: collisionCount is carried over", () => {
    const i = input({ old: 0, fresh: 4, d: { status: { collisionCount: 2 } } });
    expect(calculateStatus(i).collisionCount).toBe(2);
  });
});

describe("deployment status: Available", () => {
  it.each([
    { name: "available ≥ replicas − maxUnavailable is Available", available: 3, strategy: "RollingUpdate" as const, want: ["True", "MinimumReplicasAvailable"] },
    { name: "fewer is not", available: 2, strategy: "RollingUpdate" as const, want: ["False", "MinimumReplicasUnavailable"] },
    { name: "Recreate needs every replica available", available: 3, strategy: "Recreate" as const, want: ["False", "MinimumReplicasUnavailable"] },
  ])("deployment: $name", ({ available, strategy, want }) => {
    const c = cond(calculateStatus(input({ old: 0, fresh: 4, freshAvailable: available, d: { strategy } })), "Available");
    expect([c?.status, c?.reason]).toEqual(want);
  });

  it("deployment: an unchanged condition keeps its times", () => {
    const before: DeploymentConditionLike = { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "x", lastUpdateTime: EARLIER, lastTransitionTime: EARLIER };
    expect(cond(calculateStatus(input({ old: 0, fresh: 4, conditions: [before] })), "Available")).toEqual(before);
  });

  it("deployment: a condition keeps lastTransitionTime when only its reason changes", () => {
    const out = setCondition([progressing("NewReplicaSetCreated")], progressing("FoundNewReplicaSet", "True", NOW));
    expect(out).toEqual([{ ...progressing("FoundNewReplicaSet", "True", NOW), lastTransitionTime: EARLIER }]);
  });
});

describe("deployment status: Progressing", () => {
  it.each([
    { name: "a complete rollout is NewReplicaSetAvailable", old: 0, fresh: 4, prior: progressing("ReplicaSetUpdated"), want: ["True", "NewReplicaSetAvailable", NOW, EARLIER] },
    { name: "progress refreshes ReplicaSetUpdated's lastUpdateTime and keeps its transition", old: 2, fresh: 3, prior: progressing("ReplicaSetUpdated"), want: ["True", "ReplicaSetUpdated", NOW, EARLIER] },
    { name: "no progress leaves it as it was", old: 3, fresh: 2, prior: progressing("ReplicaSetUpdated"), want: ["True", "ReplicaSetUpdated", EARLIER, EARLIER] },
    { name: "progress after a timeout is a new transition", old: 2, fresh: 3, prior: progressing("ProgressDeadlineExceeded", "False"), want: ["True", "ReplicaSetUpdated", NOW, NOW] },
  ])("deployment: $name", ({ old, fresh, prior, want }) => {
    // The Deployment last reported 3 old and 2 new pods.
    const before = { observedGeneration: 2, replicas: 5, updatedReplicas: 2, readyReplicas: 5, availableReplicas: 5, conditions: [prior] };
    const c = cond(rolloutStatus(input({ old, fresh, d: { status: before } })), "Progressing");
    expect([c?.status, c?.reason, c?.lastUpdateTime, c?.lastTransitionTime]).toEqual(want);
  });

  it.each([
    { name: "no progress for longer than the deadline is ProgressDeadlineExceeded", elapsedS: 601, want: ["False", "ProgressDeadlineExceeded"] },
    { name: "no progress for exactly the deadline is not yet", elapsedS: 600, want: ["True", "ReplicaSetUpdated"] },
  ])("deployment: $name", ({ elapsedS, want }) => {
    const start = rfc3339(T0 - elapsedS * 1000);
    const prior = progressing("ReplicaSetUpdated", "True", start);
    const before = { observedGeneration: 2, replicas: 5, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, conditions: [prior] };
    const c = cond(rolloutStatus(input({ old: 3, fresh: 2, freshAvailable: 0, d: { status: before } })), "Progressing");
    expect([c?.status, c?.reason]).toEqual(want);
  });

  it("deployment: a settled rollout is not re-judged", () => {
    const prior = progressing("NewReplicaSetAvailable", "True", rfc3339(T0 - 86_400_000));
    const c = cond(rolloutStatus(input({ old: 0, fresh: 4, freshAvailable: 2, conditions: [prior] })), "Progressing");
    expect(c).toEqual(prior);
  });

  it("deployment: without a progress deadline there is no Progressing condition", () => {
    const s = rolloutStatus(input({ old: 0, fresh: 4, d: { progressDeadlineSeconds: MAX_INT32 }, conditions: [progressing("ReplicaSetUpdated")] }));
    expect(cond(s, "Progressing")).toBeUndefined();
  });

  it("deployment: a ReplicaSet's ReplicaFailure shows on the Deployment until it clears", () => {
    const i = input({ old: 0, fresh: 4 });
    const failing: ReplicaSetLike = structuredClone(i.newReplicaSet!);
    failing.status!.conditions = [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "quota", lastTransitionTime: EARLIER }];
    const s = rolloutStatus({ ...i, replicaSets: [failing], newReplicaSet: failing });
    expect(cond(s, "ReplicaFailure")).toEqual({ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "quota", lastUpdateTime: EARLIER, lastTransitionTime: EARLIER });
    expect(cond(rolloutStatus({ ...i, conditions: s.conditions ?? [] }), "ReplicaFailure")).toBeUndefined();
  });
});

describe("deployment status: paused", () => {
  const paused = deployment({ paused: true });
  const running = deployment({ paused: false });
  it.each([
    { name: "pausing makes Progressing Unknown/DeploymentPaused", d: paused, prior: progressing("ReplicaSetUpdated"), want: ["Unknown", "DeploymentPaused", NOW] },
    { name: "resuming makes it Unknown/DeploymentResumed, keeping the transition", d: running, prior: progressing("DeploymentPaused", "Unknown"), want: ["Unknown", "DeploymentResumed", EARLIER] },
    { name: "an exceeded deadline stays while paused", d: paused, prior: progressing("ProgressDeadlineExceeded", "False"), want: ["False", "ProgressDeadlineExceeded", EARLIER] },
    { name: "a paused Deployment already marked stays as it is", d: paused, prior: progressing("DeploymentPaused", "Unknown"), want: ["Unknown", "DeploymentPaused", EARLIER] },
  ])("deployment: $name", ({ d, prior, want }) => {
    const c = pausedConditions(d, [prior], T0)[0];
    expect([c?.status, c?.reason, c?.lastTransitionTime]).toEqual(want);
  });
});

describe("deployment status: what kubectl rollout status sees", () => {
  function viewed(i: StatusInput): DeploymentLike {
    return { ...i.d, status: rolloutStatus(i) };
  }
  it.each([
    { name: "done when every pod is new and available", i: input({ old: 0, fresh: 4 }), want: "done" },
    { name: "waiting while old pods remain", i: input({ old: 1, fresh: 4 }), want: "waiting" },
    { name: "waiting while new pods are unavailable", i: input({ old: 0, fresh: 4, freshAvailable: 3 }), want: "waiting" },
    { name: "waiting while too few pods are new", i: input({ old: 0, fresh: 3 }), want: "waiting" },
  ])("deployment: kubectl rollout status is $want $name", ({ i, want }) => {
    expect(kubectlRolloutStatus(viewed(i))).toBe(want);
  });

  it("deployment: kubectl rollout status fails once the deadline is exceeded", () => {
    const prior = progressing("ReplicaSetUpdated", "True", rfc3339(T0 - 700_000));
    const before = { observedGeneration: 2, replicas: 5, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, conditions: [prior] };
    expect(kubectlRolloutStatus(viewed(input({ old: 3, fresh: 2, freshAvailable: 0, d: { status: before } })))).toBe("deadline");
  });
});

describe("deployment status: when to look again", () => {
  it.each([
    { name: "a rollout in progress is checked just after its deadline", s: { conditions: [progressing("ReplicaSetUpdated")] }, d: {}, want: T0 - 60_000 + 600_000 + 1 },
    { name: "a complete rollout is not", s: { ...completeStatus(3), conditions: [progressing("ReplicaSetUpdated")] }, d: {}, want: undefined },
    { name: "a timed-out rollout is not", s: { conditions: [progressing("ProgressDeadlineExceeded", "False")] }, d: {}, want: undefined },
    { name: "a paused one is not", s: { conditions: [progressing("DeploymentPaused", "Unknown")] }, d: { paused: true }, want: undefined },
    { name: "an overdue check is due now", s: { conditions: [progressing("ReplicaSetUpdated", "True", rfc3339(T0 - 900_000))] }, d: {}, want: T0 },
  ])("deployment: $name", ({ s, d, want }) => {
    expect(nextCheckMs(deployment(d), s, [], T0)).toBe(want);
  });

  it("deployment: with minReadySeconds, ready but unavailable pods are checked minReadySeconds later", () => {
    const rs = replicaSet({ image: "v1", replicas: 3, available: 1, ready: 3 });
    expect(nextCheckMs(deployment({ minReadySeconds: 10 }), completeStatus(3), [rs], T0)).toBe(T0 + 10_000);
    expect(nextCheckMs(deployment({ minReadySeconds: 10 }), completeStatus(3), [replicaSet({ image: "v1", replicas: 3 })], T0)).toBeUndefined();
  });

  it("deployment: statuses that differ only in omitted zeros and key order are equal", () => {
    const a: DeploymentStatusLike = { replicas: 0, observedGeneration: 1, conditions: [{ status: "True", type: "Available" }] };
    const b: DeploymentStatusLike = { observedGeneration: 1, conditions: [{ type: "Available", status: "True" }] };
    expect(statusEqual(a, b)).toBe(true);
    expect(statusEqual(a, { ...b, collisionCount: 0 })).toBe(false);
  });
});
