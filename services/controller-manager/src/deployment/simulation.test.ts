/**
 * Rollouts played out against an in-memory cluster: each step plans, applies the actions
 * as the API would, then lets the ReplicaSets catch up (pods started in one step are
 * available by the next; removed pods go at once, unavailable ones first).
 */
import { rfc3339 } from "@flotilla/api/time";
import { describe, expect, it } from "vitest";
import { T0, completeStatus, deepFreeze, deployment, kubectlRolloutStatus, replicaSet, sized, template } from "./fixtures.ts";
import type { DeploymentOptions } from "./fixtures.ts";
import { planDeployment } from "./plan.ts";
import type { DeploymentPlan } from "./plan.ts";
import { deploymentFenceposts } from "./rollout.ts";
import { templatesEqual } from "./template.ts";
import type { DeploymentLike, PodTemplateLike, ReplicaSetLike } from "./types.ts";

const REV = "deployment.kubernetes.io/revision";

interface World {
  d: DeploymentLike;
  rss: ReplicaSetLike[];
  nowMs: number;
}

/** A Deployment of `replicas` pods settled at v1 (revision 1), then changed to v2. */
function rolledTo(image: string, o: DeploymentOptions & { replicas: number }): World {
  const d = deployment({ ...o, image: "v1", generation: 1, annotations: { [REV]: "1" }, status: completeStatus(o.replicas) });
  const surge = deploymentFenceposts(d).maxSurge;
  const v1 = replicaSet({ image: "v1", replicas: o.replicas, revision: 1, annotations: sized(o.replicas, o.replicas + surge) });
  return { d: changeTemplate(d, template(image)), rss: [v1], nowMs: T0 };
}

function changeTemplate(d: DeploymentLike, t: PodTemplateLike): DeploymentLike {
  const next = structuredClone(d);
  next.spec!.template = t;
  next.metadata!.generation = (next.metadata!.generation ?? 0) + 1;
  return next;
}

function byName(w: World, name: string): ReplicaSetLike {
  const rs = w.rss.find((r) => r.metadata?.name === name);
  if (rs === undefined) throw new Error(`no ReplicaSet ${name}`);
  return rs;
}

function apply(w: World, plan: DeploymentPlan): void {
  for (const a of plan.actions) {
    if (a.type === "createReplicaSet") {
      const name = a.rs.metadata.name ?? "";
      w.rss.push({ ...structuredClone(a.rs), metadata: { ...structuredClone(a.rs.metadata), uid: `uid-${name}`, creationTimestamp: rfc3339(w.nowMs), generation: 1 }, status: {} });
    } else if (a.type === "scaleReplicaSet" || a.type === "updateReplicaSetAnnotations") {
      const rs = byName(w, a.name);
      rs.metadata!.annotations = { ...a.annotations };
      if (a.type === "scaleReplicaSet") rs.spec!.replicas = a.replicas;
      if (a.minReadySeconds !== undefined) rs.spec!.minReadySeconds = a.minReadySeconds;
    } else if (a.type === "deleteReplicaSet") {
      w.rss = w.rss.filter((rs) => rs.metadata?.name !== a.name);
    } else {
      w.d.metadata!.annotations = { ...a.annotations };
    }
  }
  if (plan.statusChanged) w.d.status = structuredClone(plan.status);
}

/** The ReplicaSet controller and kubelets: earlier pods become available, then pods follow spec. */
function settle(w: World): void {
  for (const rs of w.rss) {
    const spec = rs.spec?.replicas ?? 1;
    const pods = rs.status?.replicas ?? 0;
    const available = Math.min(spec, pods);
    rs.status = { replicas: spec, readyReplicas: available, availableReplicas: available, observedGeneration: rs.metadata?.generation ?? 0 };
  }
}

const total = (w: World, f: (rs: ReplicaSetLike) => number | undefined) => w.rss.reduce((n, rs) => n + (f(rs) ?? 0), 0);
const isNew = (w: World, rs: ReplicaSetLike) => templatesEqual(rs.spec?.template, w.d.spec?.template);

/** Whether the cluster itself has finished: every pod new and available, no old pod. */
function rolledOut(w: World): boolean {
  const replicas = w.d.spec?.replicas ?? 1;
  const fresh = w.rss.filter((rs) => isNew(w, rs));
  const oldPods = total(w, (rs) => (isNew(w, rs) ? 0 : rs.status?.replicas));
  return oldPods === 0 && fresh.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0) === replicas && fresh.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0) === replicas;
}

/**
 * Play the rollout to its end. After every step, available pods stay ≥ replicas −
 * maxUnavailable (when the rollout started at full availability) and pods ≤ replicas +
 * maxSurge; kubectl rollout status reads done exactly when the cluster has rolled out.
 * @returns the plans, one per step.
 */
function playOut(w: World, check: (w: World) => void = () => {}): DeploymentPlan[] {
  const plans: DeploymentPlan[] = [];
  for (let i = 0; i < 60; i++) {
    const oldPodsRunning = total(w, (rs) => (isNew(w, rs) ? 0 : rs.status?.replicas));
    const plan = planDeployment(deepFreeze(structuredClone(w.d)), deepFreeze(structuredClone(w.rss)), { nowMs: w.nowMs, oldPodsRunning });
    plans.push(plan);
    const seen = kubectlRolloutStatus({ ...w.d, status: plan.status });
    expect(seen === "done", `step ${i}: kubectl says ${seen}`).toBe(rolledOut(w));
    if (seen === "done" && plan.actions.length === 0 && !plan.statusChanged) return plans;
    apply(w, plan);
    settle(w);
    check(w);
    w.nowMs += 1000;
  }
  throw new Error("the rollout did not finish in 60 steps");
}

function rollingBounds(w: World): void {
  const replicas = w.d.spec?.replicas ?? 1;
  const { maxSurge, maxUnavailable } = deploymentFenceposts(w.d);
  expect(total(w, (rs) => rs.status?.availableReplicas)).toBeGreaterThanOrEqual(replicas - maxUnavailable);
  expect(total(w, (rs) => rs.status?.replicas)).toBeLessThanOrEqual(replicas + maxSurge);
  expect(total(w, (rs) => rs.spec?.replicas)).toBeLessThanOrEqual(replicas + maxSurge);
}

describe("deployment simulation: rolling update", () => {
  it.each([
    { name: "3 replicas, 25%/25%", replicas: 3, surge: undefined, unavailable: undefined },
    { name: "3 replicas, no surge, 1 unavailable", replicas: 3, surge: 0, unavailable: 1 },
    { name: "10 replicas, surge 3, 2 unavailable", replicas: 10, surge: 3, unavailable: 2 },
    { name: "5 replicas, surge 50%, none unavailable", replicas: 5, surge: "50%", unavailable: 0 },
    { name: "1 replica, 25%/25%", replicas: 1, surge: undefined, unavailable: undefined },
  ])("deployment: a rolling update of $name stays within its fenceposts and ends with only new pods", ({ replicas, surge, unavailable }) => {
    const opts = surge === undefined ? { replicas } : { replicas, maxSurge: surge, maxUnavailable: unavailable };
    const w = rolledTo("v2", opts);
    const plans = playOut(w, rollingBounds);
    const [v1, v2] = w.rss;
    expect([v1?.spec?.replicas, v1?.status?.replicas, v2?.spec?.replicas, v2?.status?.availableReplicas]).toEqual([0, 0, replicas, replicas]);
    expect(v2?.metadata?.annotations?.[REV]).toBe("2");
    expect(w.d.metadata?.annotations?.[REV]).toBe("2");
    expect(kubectlRolloutStatus(w.d)).toBe("done");
    expect(w.d.status?.conditions?.find((c) => c.type === "Progressing")?.reason).toBe("NewReplicaSetAvailable");
    expect(plans.filter((p) => p.actions.some((a) => a.type === "createReplicaSet"))).toHaveLength(1);
    expect(plans.at(-1)).toMatchObject({ actions: [], statusChanged: false, nextCheckMs: undefined });
  });

  it("deployment: the first step creates revision 2 with one surge pod and says so", () => {
    const w = rolledTo("v2", { replicas: 3 });
    const [first] = playOut(w);
    const [create, annotate, ...rest] = first?.actions ?? [];
    expect(rest).toEqual([]);
    expect(create).toMatchObject({
      type: "createReplicaSet",
      rs: { spec: { replicas: 1 }, metadata: { annotations: { [REV]: "2", "deployment.kubernetes.io/desired-replicas": "3", "deployment.kubernetes.io/max-replicas": "4" } } },
    });
    expect(annotate).toEqual({ type: "updateDeploymentAnnotations", annotations: { [REV]: "2" } });
    expect(first?.status.conditions?.find((c) => c.type === "Progressing")).toMatchObject({ status: "True", reason: "NewReplicaSetCreated" });
    expect(first?.nextCheckMs).toBe(T0 + 600_000 + 1);
  });

  it("deployment: undo reuses the old ReplicaSet, moves it to the next revision and rolls back within the fenceposts", () => {
    const w = rolledTo("v2", { replicas: 3 });
    playOut(w);
    // kubectl rollout undo: the old ReplicaSet's template, through Go's encoder, minus the hash label.
    const sent = JSON.parse(JSON.stringify(w.rss[0]?.spec?.template)) as { metadata: { labels: Record<string, string> }; spec: { containers: object[] } };
    delete sent.metadata.labels["pod-template-hash"];
    const undo = { metadata: { creationTimestamp: null, labels: sent.metadata.labels }, spec: { ...sent.spec, containers: sent.spec.containers.map((c) => ({ ...c, resources: {} })) } };
    // creationTimestamp: null is what arrives on the wire, though the schema type has no null.
    w.d = changeTemplate(w.d, undo as unknown as PodTemplateLike);
    const plans = playOut(w, rollingBounds);
    expect(plans.flatMap((p) => p.actions).filter((a) => a.type === "createReplicaSet")).toEqual([]);
    expect(plans[0]?.actions[0]).toMatchObject({ type: "scaleReplicaSet", name: w.rss[0]?.metadata?.name, from: 0, replicas: 1, annotations: { [REV]: "3", "deployment.kubernetes.io/revision-history": "1" } });
    expect(w.rss.map((rs) => [rs.metadata?.annotations?.[REV], rs.spec?.replicas])).toEqual([["3", 3], ["2", 0]]);
    expect(w.d.metadata?.annotations?.[REV]).toBe("3");
  });

  it("deployment: undo without surge re-numbers the old ReplicaSet before it can grow", () => {
    const w = rolledTo("v2", { replicas: 3, maxSurge: 0, maxUnavailable: 1 });
    playOut(w);
    w.d = changeTemplate(w.d, template("v1"));
    const [first] = playOut(w, rollingBounds);
    expect(first?.actions.map((a) => [a.type, "name" in a ? a.name : "", a.type === "scaleReplicaSet" ? a.replicas : undefined])).toEqual([
      ["updateReplicaSetAnnotations", w.rss[0]?.metadata?.name, undefined],
      ["scaleReplicaSet", w.rss[1]?.metadata?.name, 2],
      ["updateDeploymentAnnotations", "", undefined],
    ]);
  });

  it("deployment: scaling 3 → 10 → 2 mid-rollout scales proportionally and the rollout still finishes", () => {
    const w = rolledTo("v2", { replicas: 3 });
    const steps = (n: number) => {
      for (let i = 0; i < n; i++) {
        apply(w, planDeployment(deepFreeze(structuredClone(w.d)), deepFreeze(structuredClone(w.rss)), { nowMs: w.nowMs, oldPodsRunning: 0 }));
        settle(w);
      }
    };
    steps(1);
    const sizes = () => w.rss.map((rs) => rs.spec?.replicas);
    expect(sizes()).toEqual([3, 1]);
    w.d.spec!.replicas = 10;
    steps(1);
    expect(sizes()).toEqual([10, 3]);
    expect(w.rss[1]?.metadata?.annotations).toMatchObject(sized(10, 13));
    w.d.spec!.replicas = 2;
    steps(1);
    expect(sizes()).toEqual([2, 1]);
    playOut(w, rollingBounds);
    expect(sizes()).toEqual([0, 2]);
  });
});

describe("deployment simulation: Recreate", () => {
  it("deployment: Recreate empties the old ReplicaSet, waits for its pods, then creates the new one at full size", () => {
    const w = rolledTo("v2", { replicas: 3, strategy: "Recreate" });
    const plans = playOut(w, (world) => {
      const oldPods = total(world, (rs) => (isNew(world, rs) ? 0 : rs.status?.replicas));
      const newPods = total(world, (rs) => (isNew(world, rs) ? rs.status?.replicas : 0));
      expect(oldPods === 0 || newPods === 0, "old and new pods never run together").toBe(true);
    });
    expect(plans[0]?.actions.map((a) => a.type)).toEqual(["scaleReplicaSet"]);
    expect(plans[1]?.actions).toMatchObject([{ type: "createReplicaSet", rs: { spec: { replicas: 3 } } }, { type: "updateDeploymentAnnotations" }]);
    expect(w.rss.map((rs) => rs.spec?.replicas)).toEqual([0, 3]);
  });

  it("deployment: Recreate does not create the new ReplicaSet while the executor still sees old pods", () => {
    const w = rolledTo("v2", { replicas: 3, strategy: "Recreate" });
    w.rss[0]!.spec!.replicas = 0;
    w.rss[0]!.status = {};
    const plan = planDeployment(deepFreeze(w.d), deepFreeze(w.rss), { nowMs: T0, oldPodsRunning: 2 });
    expect(plan.actions).toEqual([]);
    const go = planDeployment(deepFreeze(w.d), deepFreeze(w.rss), { nowMs: T0, oldPodsRunning: 0 });
    expect(go.actions.map((a) => a.type)).toEqual(["createReplicaSet", "updateDeploymentAnnotations"]);
  });
});
