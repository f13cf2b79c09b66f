import { describe, expect, it } from "vitest";
import { InvalidLeaderElectionConfigError, withDefaults } from "./config.ts";

function problemsOf(o: Parameters<typeof withDefaults>[0]): readonly string[] {
  try {
    withDefaults(o);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidLeaderElectionConfigError);
    return (err as InvalidLeaderElectionConfigError).problems;
  }
}

describe("leader config", () => {
  it("leader config: defaults are kube-system, 2000/1500/250 ms, ±20 % jitter and a host_uuid identity", () => {
    const c = withDefaults({ component: "kube-scheduler" });
    expect(c).toMatchObject({ component: "kube-scheduler", namespace: "kube-system", leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 250, retryJitter: 0.2 });
    expect(c.identity).toMatch(/^.+_[0-9a-f-]{36}$/);
    expect(withDefaults({ component: "x" }).identity).not.toBe(c.identity);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("leader config: renewDeadline must be below leaseDuration (else a leader outlives its lease)", () => {
    expect(problemsOf({ component: "c", leaseDurationMs: 2000, renewDeadlineMs: 2000 })).toEqual([expect.stringContaining("renewDeadlineMs (2000) must be less than leaseDurationMs (2000)")]);
  });

  it("leader config: retryPeriod must be below renewDeadline", () => {
    expect(problemsOf({ component: "c", renewDeadlineMs: 1000, retryPeriodMs: 1000 })).toEqual([expect.stringContaining("retryPeriodMs (1000) must be less than renewDeadlineMs (1000)")]);
  });

  it("leader config: durations must be positive whole ms; jitter in [0, 1); names valid", () => {
    expect(problemsOf({ component: "c", retryPeriodMs: 0 })).toEqual([expect.stringContaining("retryPeriodMs must be a positive whole number")]);
    expect(problemsOf({ component: "c", leaseDurationMs: 1999.5 })).toEqual([expect.stringContaining("leaseDurationMs must be a positive whole number")]);
    expect(problemsOf({ component: "c", retryJitter: 1 })).toEqual([expect.stringContaining("retryJitter")]);
    expect(problemsOf({ component: "Kube_Scheduler" })).toEqual([expect.stringContaining("component must be a DNS subdomain")]);
    expect(problemsOf({ component: "" })).toEqual([expect.stringContaining("component")]);
    expect(problemsOf({ component: "c", namespace: "a.b" })).toEqual([expect.stringContaining("namespace must be a DNS label")]);
    expect(problemsOf({ component: "c", identity: "" })).toEqual(["identity must not be empty"]);
  });

  it("leader config: every problem is named at once", () => {
    expect(problemsOf({ component: "c", leaseDurationMs: 100, renewDeadlineMs: 200, retryPeriodMs: 300 })).toHaveLength(2);
  });

  it("leader config: Kubernetes' own 15/10/2 s are accepted", () => {
    expect(problemsOf({ component: "c", leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 })).toEqual([]);
  });
});
