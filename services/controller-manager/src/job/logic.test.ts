import { describe, expect, it } from "vitest";
import type { PodObject } from "@flotilla/api";
import type { JobStatus } from "./conditions.ts";
import { classifyPods, jobSelector, jobStatusChanged, MAX_POD_CREATE_DELETE_PER_SYNC, planJob, podForJob, RECHECK_MS, type JobPlanOptions } from "./logic.ts";
import { iso, job, JOB_UID, pod, pods, T0, type JobOpts } from "./testdata.ts";

const OPTS: JobPlanOptions = { backoffBaseMs: 10_000, backoffMaxMs: 360_000, manage: true };
const STARTED: JobStatus = { startTime: iso(T0 - 100_000) };
const names = (ps: readonly PodObject[]) => ps.map((p) => p.metadata?.name);
const condition = (status: JobStatus, type: string) => status.conditions?.find((c) => c.type === type);
const plan = (o: JobOpts, ps: PodObject[], opts: Partial<JobPlanOptions> = {}) => planJob(job({ status: STARTED, ...o }), ps, T0, { ...OPTS, ...opts });

describe("job: pods kept active", () => {
  it.each([
    { name: "a new job starts min(parallelism, completions) pods", job: { completions: 5, parallelism: 2 }, pods: [], create: 2, deleted: 0 },
    { name: "no more pods than completions still missing", job: { completions: 5, parallelism: 2 }, pods: pods("done", 4, { phase: "Succeeded" }), create: 1, deleted: 0 },
    { name: "running pods count against parallelism", job: { completions: 5, parallelism: 2 }, pods: pods("run", 1), create: 1, deleted: 0 },
    { name: "a job at parallelism creates nothing", job: { completions: 5, parallelism: 2 }, pods: pods("run", 2), create: 0, deleted: 0 },
    { name: "a lowered parallelism deletes the extra active pods", job: { completions: 5, parallelism: 1 }, pods: pods("run", 3), create: 0, deleted: 2 },
    { name: "parallelism 0 stops every pod", job: { completions: 5, parallelism: 0 }, pods: pods("run", 2), create: 0, deleted: 2 },
    { name: "work-queue mode (completions unset) starts parallelism pods", job: { workQueue: true, parallelism: 3 }, pods: [], create: 3, deleted: 0 },
    {
      name: "work-queue mode starts no more pods after a success and lets the others run",
      job: { workQueue: true, parallelism: 3 },
      pods: [pod("ok", { phase: "Succeeded" }), pod("run")],
      create: 0,
      deleted: 0,
    },
    { name: "a terminating pod is replaced at once by default", job: { completions: 5, parallelism: 2 }, pods: [pod("stop", { deleting: true })], create: 2, deleted: 0 },
    {
      name: "with podReplacementPolicy Failed a terminating pod holds its place",
      job: { completions: 5, parallelism: 2, podReplacementPolicy: "Failed" as const },
      pods: [pod("stop", { deleting: true })],
      create: 1,
      deleted: 0,
    },
    { name: "one sync creates at most MAX_POD_CREATE_DELETE_PER_SYNC", job: { completions: 2000, parallelism: 2000 }, pods: [], create: MAX_POD_CREATE_DELETE_PER_SYNC, deleted: 0 },
  ])("job: $name", ({ job: o, pods: ps, create, deleted }) => {
    const p = plan(o, ps);
    expect(p.create).toBe(create);
    expect(p.delete).toHaveLength(deleted);
  });

  it("job: the pods deleted on scale-down are the least advanced (unscheduled, then not ready)", () => {
    const ps = [pod("ready", { node: "n1" }), pod("unready", { node: "n1", ready: false }), pod("unscheduled", { phase: "Pending", ready: false })];
    expect(names(plan({ completions: 5, parallelism: 1 }, ps).delete)).toEqual(["unscheduled", "unready"]);
  });

  it("job: status counts active, ready, succeeded, failed and terminating pods, and active includes the pods being created", () => {
    const ps = [pod("a"), pod("b", { ready: false }), pod("ok", { phase: "Succeeded" }), pod("bad", { phase: "Failed", finishedAt: T0 - 3_600_000 }), pod("stop", { deleting: true })];
    const p = plan({ completions: 5, parallelism: 3 }, ps);
    expect(p.create).toBe(1);
    expect(p.status).toMatchObject({ active: 3, ready: 1, succeeded: 1, failed: 1, terminating: 1, startTime: STARTED.startTime });
  });

  it("job: the first sync of an unsuspended job sets startTime; counts never go down when counted pods disappear", () => {
    const p = planJob(job({ completions: 5, status: { succeeded: 3, failed: 2 } }), [pod("ok", { phase: "Succeeded" })], T0, OPTS);
    expect(p.status.startTime).toBe(iso(T0));
    expect(p.status).toMatchObject({ succeeded: 3, failed: 2 });
  });

  it("job: pods that finish while being deleted (scale-down, suspension) are not counted", () => {
    const ps = [pod("ok", { phase: "Succeeded", deleting: true }), pod("killed", { phase: "Failed", deleting: true })];
    const p = plan({ completions: 5, parallelism: 2 }, ps);
    expect(p.status).toMatchObject({ succeeded: 0, failed: 0, terminating: 0, active: 2 });
  });

  it("job: without manage (expectations outstanding) nothing is created, deleted or concluded, but counts are reported", () => {
    const ps = [pod("a"), pod("b"), pod("c"), ...pods("ok", 5, { phase: "Succeeded" })];
    const p = plan({ completions: 5, parallelism: 1, backoffLimit: 0 }, ps, { manage: false });
    expect(p).toMatchObject({ create: 0, delete: [], events: [] });
    expect(p.status).toMatchObject({ active: 3, succeeded: 5 });
    expect(p.status.conditions).toBeUndefined();
  });

  it("job: a finished job is left alone", () => {
    const status: JobStatus = { ...STARTED, succeeded: 1, conditions: [{ type: "Complete", status: "True" }] };
    const p = planJob(job({ status, completions: 1 }), [pod("extra")], T0, OPTS);
    expect(p).toMatchObject({ create: 0, delete: [], events: [], requeueAfterMs: undefined });
    expect(jobStatusChanged(status, p.status)).toBe(false);
  });
});

describe("job: completion", () => {
  it("job: completions successes and nothing active complete the job: SuccessCriteriaMet, Complete, completionTime, a Completed event", () => {
    const p = plan({ completions: 5, parallelism: 2 }, pods("ok", 5, { phase: "Succeeded" }));
    expect(p.create).toBe(0);
    expect(condition(p.status, "SuccessCriteriaMet")?.status).toBe("True");
    expect(condition(p.status, "Complete")).toMatchObject({ status: "True", lastTransitionTime: iso(T0) });
    expect(p.status).toMatchObject({ succeeded: 5, active: 0, completionTime: iso(T0) });
    expect(p.events).toEqual([{ type: "Normal", reason: "Completed", message: "Job completed" }]);
  });

  it("job: Complete waits until no pod is terminating; SuccessCriteriaMet marks the success meanwhile", () => {
    const first = plan({ completions: 2 }, [...pods("ok", 2, { phase: "Succeeded" }), pod("stop", { deleting: true })]);
    expect(condition(first.status, "SuccessCriteriaMet")?.status).toBe("True");
    expect(condition(first.status, "Complete")).toBeUndefined();
    expect(first.status.completionTime).toBeUndefined();
    expect(first.events).toEqual([]);
    const later = planJob(job({ completions: 2, status: first.status }), pods("ok", 2, { phase: "Succeeded" }), T0 + 5000, OPTS);
    expect(condition(later.status, "Complete")?.status).toBe("True");
    expect(later.status.completionTime).toBe(iso(T0 + 5000));
  });

  it("job: in work-queue mode any success completes the job once no pod is active", () => {
    expect(condition(plan({ workQueue: true, parallelism: 2 }, [pod("ok", { phase: "Succeeded" }), pod("run")]).status, "Complete")).toBeUndefined();
    expect(condition(plan({ workQueue: true, parallelism: 2 }, [pod("ok", { phase: "Succeeded" }), pod("bad", { phase: "Failed" })]).status, "Complete")?.status).toBe("True");
  });
});

describe("job: failure", () => {
  it("job: failures beyond backoffLimit fail the job with BackoffLimitExceeded", () => {
    const p = plan({ backoffLimit: 1 }, pods("bad", 2, { phase: "Failed" }));
    expect(p.create).toBe(0);
    expect(condition(p.status, "FailureTarget")).toMatchObject({ status: "True", reason: "BackoffLimitExceeded" });
    expect(condition(p.status, "Failed")).toMatchObject({ status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    expect(p.status).toMatchObject({ failed: 2, active: 0 });
    expect(p.status.completionTime).toBeUndefined();
    expect(p.events).toEqual([{ type: "Warning", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }]);
  });

  it("job: failures up to backoffLimit do not fail the job", () => {
    const p = plan({ backoffLimit: 1 }, [pod("bad", { phase: "Failed", finishedAt: T0 - 3_600_000 })]);
    expect(p.status.conditions).toBeUndefined();
    expect(p.create).toBe(1);
  });

  it("job: a failing job deletes its active pods, counts them failed, and sets Failed only once they have terminated", () => {
    const first = plan({ backoffLimit: 1, parallelism: 2, completions: 3 }, [...pods("bad", 2, { phase: "Failed" }), pod("run")]);
    expect(names(first.delete)).toEqual(["run"]);
    expect(condition(first.status, "FailureTarget")?.reason).toBe("BackoffLimitExceeded");
    expect(condition(first.status, "Failed")).toBeUndefined();
    expect(first.status).toMatchObject({ failed: 3, active: 0, terminating: 1 });
    expect(first.events).toEqual([]);

    const waiting = planJob(job({ backoffLimit: 1, status: first.status }), [...pods("bad", 2, { phase: "Failed" }), pod("run", { deleting: true })], T0 + 1000, OPTS);
    expect(waiting.delete).toEqual([]);
    expect(condition(waiting.status, "Failed")).toBeUndefined();

    const done = planJob(job({ backoffLimit: 1, status: waiting.status }), [...pods("bad", 2, { phase: "Failed" }), pod("run", { phase: "Failed", deleting: true })], T0 + 2000, OPTS);
    expect(condition(done.status, "Failed")).toMatchObject({ status: "True", reason: "BackoffLimitExceeded" });
    expect(done.status.failed).toBe(3);
    expect(done.events.map((e) => e.reason)).toEqual(["BackoffLimitExceeded"]);
  });

  it.each([
    { name: "restarts reaching backoffLimit fail an OnFailure job", limit: 2, restarts: 2, fails: true },
    { name: "restarts below backoffLimit do not", limit: 2, restarts: 1, fails: false },
    { name: "with backoffLimit 0 a single restart fails it", limit: 0, restarts: 1, fails: true },
  ])("job: $name", ({ limit, restarts, fails }) => {
    const p = plan({ backoffLimit: limit, restartPolicy: "OnFailure" }, [pod("run", { restarts })]);
    expect(condition(p.status, "FailureTarget")?.reason).toBe(fails ? "BackoffLimitExceeded" : undefined);
    expect(p.delete).toHaveLength(fails ? 1 : 0);
  });

  it("job: container restarts do not count against backoffLimit with restartPolicy Never", () => {
    expect(plan({ backoffLimit: 1 }, [pod("run", { restarts: 5 })]).status.conditions).toBeUndefined();
  });

  it("job: activeDeadlineSeconds past startTime fails the job with DeadlineExceeded and stops its pods", () => {
    const p = planJob(job({ activeDeadlineSeconds: 2, status: { startTime: iso(T0 - 2000) } }), [pod("run")], T0, OPTS);
    expect(names(p.delete)).toEqual(["run"]);
    expect(condition(p.status, "FailureTarget")).toMatchObject({ status: "True", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" });
    expect(p.status).toMatchObject({ failed: 1, active: 0, terminating: 1 });
  });

  it("job: before the deadline the job is synced again when it falls due", () => {
    const p = planJob(job({ activeDeadlineSeconds: 30, status: { startTime: iso(T0 - 10_000) } }), [pod("run")], T0, OPTS);
    expect(p.status.conditions).toBeUndefined();
    expect(p.requeueAfterMs).toBe(20_000);
    const waiting = planJob(job({ activeDeadlineSeconds: 30, status: { startTime: iso(T0 - 40_000) } }), [pod("run")], T0, { ...OPTS, manage: false });
    expect(waiting.delete).toEqual([]);
    expect(waiting.requeueAfterMs).toBe(RECHECK_MS);
  });
});

describe("job: backoff before replacing failed pods", () => {
  it.each([
    { name: "waits out the base delay after one failure", failedAgoMs: [3000], create: 0, requeueAfterMs: 7000 },
    { name: "creates once the delay has passed", failedAgoMs: [11_000], create: 1, requeueAfterMs: undefined },
    { name: "doubles the delay for two failures in a row", failedAgoMs: [30_000, 11_000], create: 0, requeueAfterMs: 9000 },
  ])("job: $name", ({ failedAgoMs, create, requeueAfterMs }) => {
    const ps = failedAgoMs.map((ago, i) => pod(`bad-${i}`, { phase: "Failed", finishedAt: T0 - ago }));
    const p = plan({ completions: 3 }, ps);
    expect(p.create).toBe(create);
    expect(p.requeueAfterMs).toBe(requeueAfterMs);
  });

  it("job: a success after the failures resets the backoff", () => {
    const ps = [pod("bad", { phase: "Failed", finishedAt: T0 - 5000 }), pod("ok", { phase: "Succeeded", finishedAt: T0 - 1000 })];
    expect(plan({ completions: 3 }, ps).create).toBe(1);
  });

  it("job: the configured base delay is used", () => {
    const p = plan({ completions: 3 }, [pod("bad", { phase: "Failed", finishedAt: T0 - 1000 })], { backoffBaseMs: 1500 });
    expect(p.requeueAfterMs).toBe(500);
  });
});

describe("job: suspension", () => {
  it("job: suspending deletes the active pods and sets Suspended with an event", () => {
    const p = plan({ suspend: true, completions: 3, parallelism: 2 }, pods("run", 2));
    expect(p.delete).toHaveLength(2);
    expect(p.create).toBe(0);
    expect(condition(p.status, "Suspended")).toMatchObject({ status: "True", reason: "JobSuspended" });
    expect(p.status).toMatchObject({ active: 0, terminating: 2 });
    expect(p.events).toEqual([{ type: "Normal", reason: "Suspended", message: "Job suspended" }]);
  });

  it("job: a job created suspended gets no startTime and no deadline", () => {
    const p = planJob(job({ suspend: true, activeDeadlineSeconds: 1 }), [], T0, OPTS);
    expect(p.status.startTime).toBeUndefined();
    expect(p.requeueAfterMs).toBeUndefined();
    expect(condition(p.status, "Suspended")?.status).toBe("True");
  });

  it("job: resuming sets Suspended False, restarts startTime (and so the deadline), and creates pods", () => {
    const suspended: JobStatus = { startTime: iso(T0 - 600_000), conditions: [{ type: "Suspended", status: "True", reason: "JobSuspended", message: "Job suspended" }] };
    const p = planJob(job({ completions: 3, parallelism: 2, activeDeadlineSeconds: 60, status: suspended }), [], T0, OPTS);
    expect(condition(p.status, "Suspended")).toMatchObject({ status: "False", reason: "JobResumed", lastTransitionTime: iso(T0) });
    expect(p.status.startTime).toBe(iso(T0));
    expect(p.create).toBe(2);
    expect(p.requeueAfterMs).toBe(60_000);
    expect(p.events).toEqual([{ type: "Normal", reason: "Resumed", message: "Job resumed" }]);
  });

  it("job: a job never suspended gets no Suspended condition", () => {
    expect(plan({}, []).status.conditions).toBeUndefined();
  });
});

describe("job: pods and status helpers", () => {
  it("job: a new pod carries the template, generateName <job>- and a blocking controller reference to the job", () => {
    const j = job();
    const p = podForJob(j);
    expect(p.metadata).toMatchObject({
      generateName: "pi-",
      namespace: "default",
      labels: { "batch.kubernetes.io/controller-uid": JOB_UID, "batch.kubernetes.io/job-name": "pi" },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "pi", uid: JOB_UID, controller: true, blockOwnerDeletion: true }],
    });
    expect(p.spec?.restartPolicy).toBe("Never");
    expect(p.spec?.containers[0]?.command).toEqual(["sh", "-c", "exit 0"]);
  });

  it("job: a job whose selector the apiserver did not generate still selects its pods by uid, and its pods carry the identity labels", () => {
    const bare = { ...job(), spec: { ...job().spec, selector: undefined, template: { spec: job().spec!.template!.spec } } };
    expect(jobSelector(bare)).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": JOB_UID } });
    expect(podForJob(bare).metadata.labels).toEqual({ "controller-uid": JOB_UID, "job-name": "pi", "batch.kubernetes.io/controller-uid": JOB_UID, "batch.kubernetes.io/job-name": "pi" });
    const manual = { ...bare, spec: { ...bare.spec, manualSelector: true } };
    expect(jobSelector(manual)).toBeUndefined();
    expect(podForJob(manual).metadata.labels).toBeUndefined();
  });

  it("job: pods split into active, terminating, succeeded and failed; finished pods being deleted in none", () => {
    const c = classifyPods([pod("a"), pod("t", { deleting: true }), pod("s", { phase: "Succeeded" }), pod("f", { phase: "Failed" }), pod("x", { phase: "Failed", deleting: true })]);
    expect([names(c.active), names(c.terminating), names(c.succeeded), names(c.failed)]).toEqual([["a"], ["t"], ["s"], ["f"]]);
  });

  it.each([
    { name: "equal statuses with conditions in another order", a: { active: 1, conditions: [{ type: "A", status: "True" }, { type: "B", status: "True" }] }, b: { active: 1, conditions: [{ type: "B", status: "True" }, { type: "A", status: "True" }] }, changed: false },
    { name: "a count that differs", a: { active: 1 }, b: { active: 2 }, changed: true },
    { name: "an absent count and 0 (the first write sets it)", a: {}, b: { ready: 0 }, changed: true },
    { name: "a condition that flipped", a: { conditions: [{ type: "A", status: "True" }] }, b: { conditions: [{ type: "A", status: "False" }] }, changed: true },
  ])("job: status changed? $name", ({ a, b, changed }) => {
    expect(jobStatusChanged(a, b)).toBe(changed);
  });
});
