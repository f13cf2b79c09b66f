import { describe, expect, it } from "vitest";
import { DEPLOYMENT_UID, deepFreeze, deployment, replicaSet, template } from "./fixtures.ts";
import { buildNewReplicaSet, findNewReplicaSet, findOldReplicaSets, stateOf } from "./replicasets.ts";
import { templateHash } from "./template.ts";

const names = (rss: { metadata?: { name?: string } }[]) => rss.map((rs) => rs.metadata?.name);

describe("deployment: finding the new and old ReplicaSets", () => {
  const v1 = replicaSet({ image: "v1", replicas: 3, createdAt: 0, name: "web-v1" });
  const v2 = replicaSet({ image: "v2", replicas: 0, createdAt: 10, name: "web-v2" });
  const v2Later = replicaSet({ image: "v2", replicas: 0, createdAt: 20, name: "web-v2-later" });
  const rss = deepFreeze([v2Later, v1, v2]);

  it.each([
    { name: "the ReplicaSet whose template (hash label aside) equals the Deployment's is new", image: "v1", want: "web-v1" },
    { name: "of two with the Deployment's template the oldest is new", image: "v2", want: "web-v2" },
    { name: "with no ReplicaSet of the Deployment's template there is no new one", image: "v3", want: undefined },
  ])("deployment: $name", ({ image, want }) => {
    expect(findNewReplicaSet(deployment({ image }), rss)?.metadata?.name).toBe(want);
  });

  it("deployment: old ReplicaSets are all the others, oldest first, whatever their size", () => {
    expect(names(findOldReplicaSets(deployment({ image: "v2" }), rss))).toEqual(["web-v1", "web-v2-later"]);
    expect(names(findOldReplicaSets(deployment({ image: "v3" }), rss))).toEqual(["web-v1", "web-v2", "web-v2-later"]);
  });
});

describe("deployment: the ReplicaSet to create", () => {
  it("deployment: a new ReplicaSet is named by hash, labelled, selects on the hash and is controlled by the Deployment", () => {
    const d = deepFreeze(deployment({ image: "v2", minReadySeconds: 5 }));
    const hash = templateHash(d.spec?.template);
    const rs = buildNewReplicaSet(d, hash, 1, { "deployment.kubernetes.io/revision": "2" });
    expect(rs).toEqual({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `web-${hash}`,
        namespace: "default",
        labels: { app: "web", "pod-template-hash": hash },
        annotations: { "deployment.kubernetes.io/revision": "2" },
        ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: DEPLOYMENT_UID, controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        replicas: 1,
        minReadySeconds: 5,
        selector: { matchLabels: { app: "web", "pod-template-hash": hash } },
        template: { ...template("v2"), metadata: { labels: { app: "web", "pod-template-hash": hash } } },
      },
    });
    expect(d.spec?.template?.metadata?.labels).toEqual({ app: "web" });
  });
});

describe("deployment: the planner's view of a ReplicaSet", () => {
  it("deployment: a ReplicaSet just scaled down counts no more available pods than it keeps", () => {
    // Its controller has not yet deleted the pod nor updated status: 3 reported, 2 kept.
    const shrinking = replicaSet({ image: "v1", replicas: 2, pods: 3, available: 3, name: "web-v1" });
    expect(stateOf(shrinking).availableReplicas).toBe(2);
    expect(stateOf(replicaSet({ image: "v1", replicas: 3, available: 1, name: "web-v1" })).availableReplicas).toBe(1);
  });
});
