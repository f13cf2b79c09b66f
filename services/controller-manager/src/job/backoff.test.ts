import { describe, expect, it } from "vitest";
import { backoffRemainingMs, failureBackoffMs, pastBackoffLimitOnFailure, podFinishedAtMs } from "./backoff.ts";
import { iso, job, pod, T0 } from "./testdata.ts";

describe("job backoff", () => {
  it.each([
    { failures: 0, want: 0 },
    { failures: 1, want: 10_000 },
    { failures: 2, want: 20_000 },
    { failures: 3, want: 40_000 },
    { failures: 6, want: 320_000 },
    { failures: 7, want: 360_000 },
    { failures: 1_000_000, want: 360_000 },
  ])("job backoff: $failures failures in a row delay the next pod by $want ms (10 s doubling, at most 6 min)", ({ failures, want }) => {
    expect(failureBackoffMs(failures, 10_000, 360_000)).toBe(want);
  });

  it("job backoff: a pod finished when its last container finished, else when it stopped being ready, else when created", () => {
    expect(podFinishedAtMs(pod("f", { phase: "Failed", finishedAt: T0 - 5000 }))).toBe(T0 - 5000);
    const noContainers = { ...pod("g", { phase: "Failed" }), status: { phase: "Failed", conditions: [{ type: "Ready", status: "False", lastTransitionTime: iso(T0 - 7000) }] } };
    expect(podFinishedAtMs(noContainers)).toBe(T0 - 7000);
    expect(podFinishedAtMs({ metadata: { creationTimestamp: iso(T0 - 9000) }, status: { phase: "Failed" } })).toBe(T0 - 9000);
  });

  it("job backoff: the delay runs from the latest failure and counts only failures after the latest success", () => {
    const failed = [pod("a", { phase: "Failed", finishedAt: T0 - 50_000 }), pod("b", { phase: "Failed", finishedAt: T0 - 4000 })];
    expect(backoffRemainingMs([], failed, T0, 10_000, 360_000)).toBe(16_000);
    const success = [pod("ok", { phase: "Succeeded", finishedAt: T0 - 30_000 })];
    expect(backoffRemainingMs(success, failed, T0, 10_000, 360_000)).toBe(6000);
    expect(backoffRemainingMs(success, [], T0, 10_000, 360_000)).toBe(0);
  });

  it("job backoff: OnFailure restarts count only on pods still Pending or Running", () => {
    const j = job({ restartPolicy: "OnFailure", backoffLimit: 2 });
    expect(pastBackoffLimitOnFailure(j, [pod("a", { restarts: 1 }), pod("b", { restarts: 1 })])).toBe(true);
    expect(pastBackoffLimitOnFailure(j, [pod("a", { restarts: 1 }), pod("b", { phase: "Succeeded", restarts: 5 })])).toBe(false);
  });
});
