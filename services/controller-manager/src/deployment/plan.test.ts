import { rfc3339 } from "@flotilla/api/time";
import { describe, expect, it } from "vitest";
import { T0, completeStatus, deepFreeze, deployment, replicaSet, sized, template } from "./fixtures.ts";
import type { DeploymentOptions } from "./fixtures.ts";
import { collisionStatus, isHashCollision, planDeployment } from "./plan.ts";
import type { DeploymentPlan } from "./plan.ts";
import { templateHash } from "./template.ts";
import type { ReplicaSetLike } from "./types.ts";

const REV = "deployment.kubernetes.io/revision";
const input = { nowMs: T0, oldPodsRunning: 0 };
const progressing = (p: DeploymentPlan) => p.status.conditions?.find((c) => c.type === "Progressing");
const kinds = (p: DeploymentPlan) => p.actions.map((a) => a.type);

/** `web` settled at v1 with 3 replicas; options change it from there. */
function settled(o: DeploymentOptions = {}) {
  return deepFreeze(deployment({ annotations: { [REV]: "1" }, status: completeStatus(3), ...o }));
}
const v1 = () => replicaSet({ image: "v1", replicas: 3, revision: 1, annotations: sized(3, 4) });

describe("deployment plan: steady state", () => {
  it("deployment: a settled Deployment plans nothing and keeps its status", () => {
    const plan = planDeployment(settled(), deepFreeze([v1()]), input);
    expect(plan).toMatchObject({ actions: [], statusChanged: false, nextCheckMs: undefined, newReplicaSetName: v1().metadata?.name });
    expect(plan.status).toEqual(completeStatus(3));
  });

  it("deployment: a Deployment without ReplicaSets gets one with every pod at once, as revision 1", () => {
    const plan = planDeployment(deepFreeze(deployment({ replicas: 2 })), [], input);
    expect(plan.actions).toMatchObject([
      { type: "createReplicaSet", rs: { spec: { replicas: 2 }, metadata: { annotations: { [REV]: "1" } } } },
      { type: "updateDeploymentAnnotations", annotations: { [REV]: "1" } },
    ]);
    expect(plan.status).toMatchObject({ observedGeneration: 1, unavailableReplicas: 2 });
    expect(plan.status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Progressing", "True", "NewReplicaSetCreated"],
      ["Available", "False", "MinimumReplicasUnavailable"],
    ]);
  });

  it("deployment: a new ReplicaSet gets the highest revision + 1 and the Deployment's change-cause", () => {
    const d = settled({ image: "v9", annotations: { [REV]: "7", "kubernetes.io/change-cause": "v9 please" } });
    const olds = [replicaSet({ image: "v1", replicas: 3, revision: 7 }), replicaSet({ image: "v2", replicas: 0, revision: 3, createdAt: 5 })];
    const [create, annotate] = planDeployment(d, deepFreeze(olds), input).actions;
    expect(create?.type === "createReplicaSet" && create.rs.metadata.annotations).toMatchObject({ [REV]: "8", "kubernetes.io/change-cause": "v9 please" });
    expect(annotate).toEqual({ type: "updateDeploymentAnnotations", annotations: { [REV]: "8", "kubernetes.io/change-cause": "v9 please" } });
  });

  it("deployment: an existing new ReplicaSet takes the Deployment's minReadySeconds and new annotations", () => {
    const d = settled({ minReadySeconds: 5, annotations: { [REV]: "1", team: "a" } });
    const plan = planDeployment(d, deepFreeze([v1()]), input);
    expect(plan.actions).toEqual([
      { type: "updateReplicaSetAnnotations", name: v1().metadata?.name, uid: "uid-v1", resourceVersion: "7", annotations: { ...v1().metadata?.annotations, team: "a" }, minReadySeconds: 5 },
    ]);
  });

  it("deployment: a Deployment being deleted only reports its status", () => {
    const plan = planDeployment(settled({ image: "v2", generation: 2, deleting: true }), deepFreeze([v1()]), input);
    expect(plan.actions).toEqual([]);
    expect(plan.status).toMatchObject({ observedGeneration: 2, replicas: 3, availableReplicas: 3 });
    expect(plan.newReplicaSetName).toBeUndefined();
  });
});

describe("deployment plan: paused", () => {
  it("deployment: a paused Deployment does not roll out a changed template, but records the generation", () => {
    const plan = planDeployment(settled({ image: "v2", generation: 2, paused: true }), deepFreeze([v1()]), input);
    expect(plan.actions).toEqual([]);
    expect(plan.status.observedGeneration).toBe(2);
    expect(progressing(plan)).toMatchObject({ status: "Unknown", reason: "DeploymentPaused", lastUpdateTime: rfc3339(T0) });
    expect(plan.nextCheckMs).toBeUndefined();
  });

  it("deployment: a paused Deployment still scales", () => {
    const plan = planDeployment(settled({ replicas: 5, paused: true }), deepFreeze([v1()]), input);
    expect(plan.actions).toEqual([
      { type: "scaleReplicaSet", name: v1().metadata?.name, uid: "uid-v1", resourceVersion: "7", from: 3, replicas: 5, annotations: { [REV]: "1", ...sized(5, 7) } },
    ]);
  });

  it("deployment: a paused Deployment cleans up history", () => {
    const olds = [1, 2, 3].map((r) => replicaSet({ image: `old${r}`, replicas: 0, revision: r + 1, createdAt: r }));
    const plan = planDeployment(settled({ paused: true, revisionHistoryLimit: 1 }), deepFreeze([v1(), ...olds]), input);
    expect(plan.actions.filter((a) => a.type === "deleteReplicaSet").map((a) => "uid" in a && a.uid)).toEqual(["uid-old1", "uid-old2"]);
  });

  it("deployment: resuming mid-rollout says DeploymentResumed and restarts the deadline", () => {
    const status = { ...completeStatus(3), conditions: [{ type: "Progressing", status: "Unknown", reason: "DeploymentPaused", lastUpdateTime: rfc3339(T0 - 7_200_000), lastTransitionTime: rfc3339(T0 - 7_200_000) }] };
    const d = deepFreeze(deployment({ image: "v2", generation: 2, status, annotations: { [REV]: "2" } }));
    // Paused right after the new ReplicaSet's first (still unavailable) pod.
    const rss = deepFreeze([v1(), replicaSet({ image: "v2", replicas: 1, available: 0, revision: 2, createdAt: 60, annotations: sized(3, 4) })]);
    const plan = planDeployment(d, rss, input);
    expect(progressing(plan)).toMatchObject({ status: "Unknown", reason: "DeploymentResumed", lastUpdateTime: rfc3339(T0) });
    expect(plan.nextCheckMs).toBe(T0 + 600_000 + 1);
  });
});

describe("deployment plan: history cleanup", () => {
  const olds = [1, 2, 3].map((r) => replicaSet({ image: `old${r}`, replicas: 0, revision: r, createdAt: r }));
  const current = replicaSet({ image: "v1", replicas: 3, revision: 4, createdAt: 10, annotations: sized(3, 4) });

  it("deployment: a complete rollout deletes the empty old ReplicaSets beyond revisionHistoryLimit, oldest revision first", () => {
    const plan = planDeployment(settled({ revisionHistoryLimit: 1, annotations: { [REV]: "4" } }), deepFreeze([...olds, current]), input);
    expect(plan.actions).toEqual([
      { type: "deleteReplicaSet", name: olds[0]?.metadata?.name, uid: "uid-old1", resourceVersion: "7" },
      { type: "deleteReplicaSet", name: olds[1]?.metadata?.name, uid: "uid-old2", resourceVersion: "7" },
    ]);
  });

  it("deployment: an incomplete rollout deletes nothing", () => {
    const busy = { ...completeStatus(3), availableReplicas: 2 };
    const plan = planDeployment(settled({ revisionHistoryLimit: 1, annotations: { [REV]: "4" }, status: busy }), deepFreeze([...olds, current]), input);
    expect(kinds(plan)).not.toContain("deleteReplicaSet");
  });
});

describe("deployment plan: hash collisions", () => {
  const v2Hash = templateHash(template("v2"));
  // A ReplicaSet that took the name v2 would get, but runs v3.
  const squatter = (): ReplicaSetLike => replicaSet({ image: "v3", replicas: 0, revision: 5, createdAt: 30, name: `web-${v2Hash}` });

  it("deployment: a name taken by a ReplicaSet with another template is reported, with collisionCount raised", () => {
    const d = settled({ image: "v2", generation: 2 });
    const plan = planDeployment(d, deepFreeze([v1(), squatter()]), input);
    expect(plan).toMatchObject({ actions: [], collision: { name: `web-${v2Hash}` }, statusChanged: true, nextCheckMs: T0 });
    expect(plan.status).toMatchObject({ ...completeStatus(3), collisionCount: 1 });
  });

  it("deployment: after a collision the new ReplicaSet gets a hash salted with the count", () => {
    const d = settled({ image: "v2", generation: 2, status: { ...completeStatus(3), collisionCount: 1 } });
    const [create] = planDeployment(d, deepFreeze([v1(), squatter()]), input).actions;
    const salted = templateHash(template("v2"), 1);
    expect(create).toMatchObject({ type: "createReplicaSet", rs: { metadata: { name: `web-${salted}`, labels: { "pod-template-hash": salted } } } });
  });

  it.each([
    { name: "our own ReplicaSet with our template is no collision (the cache was behind)", rs: () => replicaSet({ image: "v2", replicas: 1 }), want: false },
    { name: "another template under the name is a collision", rs: squatter, want: true },
    {
      name: "another owner under the name is a collision",
      rs: () => {
        const rs = replicaSet({ image: "v2", replicas: 1 });
        rs.metadata!.ownerReferences = [{ apiVersion: "apps/v1", kind: "Deployment", name: "other", uid: "uid-other", controller: true }];
        return rs;
      },
      want: true,
    },
  ])("deployment: $name", ({ rs, want }) => {
    expect(isHashCollision(deployment({ image: "v2" }), rs())).toBe(want);
  });

  it("deployment: the collision status only raises collisionCount", () => {
    const d = deployment({ status: { ...completeStatus(3), collisionCount: 4 } });
    expect(collisionStatus(deepFreeze(d))).toEqual({ ...completeStatus(3), collisionCount: 5 });
  });
});
