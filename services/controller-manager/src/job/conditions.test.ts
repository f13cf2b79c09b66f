import { describe, expect, it } from "vitest";
import { ensureCondition, isJobFinished, JobConditionType, type JobCondition } from "./conditions.ts";

const NOW = "2026-11-22T01:00:00Z";
const BEFORE = "2026-11-22T00:00:00Z";
const suspended = (status: "True" | "False"): JobCondition => ({ type: "Suspended", status, reason: "JobSuspended", message: "Job suspended", lastProbeTime: BEFORE, lastTransitionTime: BEFORE });

describe("job conditions", () => {
  it.each([
    { name: "an absent False condition is not added", start: [], status: "False" as const, changed: false, want: [] },
    { name: "an absent True condition is appended", start: [], status: "True" as const, changed: true, want: [{ type: "Suspended", status: "True", reason: "R", message: "M", lastProbeTime: NOW, lastTransitionTime: NOW }] },
    {
      name: "a flip moves the transition time",
      start: [suspended("True")],
      status: "False" as const,
      changed: true,
      want: [{ type: "Suspended", status: "False", reason: "R", message: "M", lastProbeTime: NOW, lastTransitionTime: NOW }],
    },
    {
      name: "the same status with a new reason keeps the transition time",
      start: [suspended("True")],
      status: "True" as const,
      changed: true,
      want: [{ type: "Suspended", status: "True", reason: "R", message: "M", lastProbeTime: NOW, lastTransitionTime: BEFORE }],
    },
  ])("job conditions: $name", ({ start, status, changed, want }) => {
    const conditions = structuredClone(start);
    expect(ensureCondition(conditions, JobConditionType.Suspended, status, "R", "M", NOW)).toBe(changed);
    expect(conditions).toEqual(want);
  });

  it("job conditions: an identical condition is left untouched", () => {
    const conditions = [suspended("True")];
    expect(ensureCondition(conditions, JobConditionType.Suspended, "True", "JobSuspended", "Job suspended", NOW)).toBe(false);
    expect(conditions).toEqual([suspended("True")]);
  });

  it.each([
    { conditions: [{ type: "Complete", status: "True" }], finished: true },
    { conditions: [{ type: "Failed", status: "True" }], finished: true },
    { conditions: [{ type: "FailureTarget", status: "True" }, { type: "SuccessCriteriaMet", status: "True" }], finished: false },
    { conditions: [{ type: "Complete", status: "False" }], finished: false },
  ])("job conditions: finished is Complete or Failed True ($conditions.0.type)", ({ conditions, finished }) => {
    expect(isJobFinished({ status: { conditions } })).toBe(finished);
  });
});
