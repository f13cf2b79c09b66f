import { describe, expect, it } from "vitest";
import { deepFreeze, deployment, replicaSet } from "./fixtures.ts";
import { MAX_REVISION_HISTORY_CHARS, historyToDelete, maxRevision, newReplicaSetAnnotations, revisionOf } from "./revisions.ts";
import { MAX_INT32 } from "./types.ts";
import type { ReplicaSetLike } from "./types.ts";

const REV = "deployment.kubernetes.io/revision";
const HISTORY = "deployment.kubernetes.io/revision-history";

describe("deployment: revision numbers", () => {
  it.each<{ name: string; annotations: Record<string, string>; want: number | undefined }>([
    { name: "a ReplicaSet's revision is its annotation", annotations: { [REV]: "4" }, want: 4 },
    { name: "a ReplicaSet without one is revision 0", annotations: {}, want: 0 },
    { name: "an unparsable revision is left out", annotations: { [REV]: "four" }, want: undefined },
  ])("deployment: $name", ({ annotations, want }) => {
    expect(revisionOf({ metadata: { annotations } })).toBe(want);
  });

  it("deployment: the highest revision skips unparsable ones", () => {
    const rss = [replicaSet({ image: "a", replicas: 0, revision: 3 }), replicaSet({ image: "b", replicas: 0, annotations: { [REV]: "x" } }), replicaSet({ image: "c", replicas: 0, revision: 7 })];
    expect(maxRevision(rss)).toBe(7);
    expect(maxRevision([])).toBe(0);
  });
});

describe("deployment: new ReplicaSet annotations", () => {
  const d = deepFreeze(
    deployment({
      replicas: 4,
      annotations: { "kubernetes.io/change-cause": "bump to v2", "kubectl.kubernetes.io/last-applied-configuration": "{}", [REV]: "2" },
    }),
  );

  it("deployment: a ReplicaSet to create gets the next revision, the replicas annotations and the Deployment's other annotations", () => {
    expect(newReplicaSetAnnotations(d, undefined, 3, 5)).toEqual({
      [REV]: "3",
      "kubernetes.io/change-cause": "bump to v2",
      "deployment.kubernetes.io/desired-replicas": "4",
      "deployment.kubernetes.io/max-replicas": "5",
    });
  });

  it("deployment: a ReplicaSet rolled back to moves to the next revision and records its earlier ones", () => {
    const current = deepFreeze({ [REV]: "3", [HISTORY]: "1", "deployment.kubernetes.io/desired-replicas": "4" });
    expect(newReplicaSetAnnotations(d, current, 6, 0)).toEqual({
      [REV]: "6",
      [HISTORY]: "1,3",
      "kubernetes.io/change-cause": "bump to v2",
      "deployment.kubernetes.io/desired-replicas": "4",
    });
  });

  it("deployment: a ReplicaSet already at the newest revision keeps it and gets no history", () => {
    const out = newReplicaSetAnnotations(d, { [REV]: "6" }, 6, 0);
    expect(out[REV]).toBe("6");
    expect(out[HISTORY]).toBeUndefined();
  });

  it("deployment: the revision history drops its oldest entries beyond its length limit", () => {
    const long = Array.from({ length: 600 }, (_, i) => String(i + 1000)).join(",").slice(0, MAX_REVISION_HISTORY_CHARS);
    const history = long.slice(0, long.lastIndexOf(","));
    const out = newReplicaSetAnnotations(d, { [REV]: "9999", [HISTORY]: history }, 10000, 0);
    const kept = out[HISTORY] ?? "";
    expect(kept.length).toBeLessThanOrEqual(MAX_REVISION_HISTORY_CHARS);
    expect(kept.endsWith(",9999")).toBe(true);
    expect(kept.startsWith("1000,")).toBe(false);
  });
});

describe("deployment: history cleanup", () => {
  function old(revision: number, o: Partial<Parameters<typeof replicaSet>[0]> = {}): ReplicaSetLike {
    return replicaSet({ image: `v${revision}`, replicas: 0, revision, createdAt: revision, ...o });
  }
  const revs = (rss: ReplicaSetLike[]) => rss.map((rs) => rs.metadata?.annotations?.[REV]);

  it.each([
    { name: "old ReplicaSets beyond the limit go, lowest revision first", limit: 2, olds: [old(4), old(2), old(1), old(3)], want: ["1", "2"] },
    { name: "the default limit of 10 keeps 10", limit: undefined, olds: Array.from({ length: 11 }, (_, i) => old(i + 1)), want: ["1"] },
    { name: "within the limit nothing goes", limit: 5, olds: [old(1), old(2)], want: [] },
    { name: "a limit of 0 removes every empty old ReplicaSet", limit: 0, olds: [old(1), old(2)], want: ["1", "2"] },
    { name: "int32 max keeps everything", limit: MAX_INT32, olds: [old(1), old(2)], want: [] },
    { name: "one with pods is skipped, not replaced by a newer one", limit: 1, olds: [old(1, { replicas: 1 }), old(2), old(3)], want: ["2"] },
    { name: "one whose pods are still terminating is skipped", limit: 1, olds: [old(1, { pods: 1, available: 0 }), old(2), old(3)], want: ["2"] },
    { name: "one whose spec change is not yet observed is skipped", limit: 1, olds: [old(1, { generation: 3, observedGeneration: 2 }), old(2), old(3)], want: ["2"] },
    { name: "one already being deleted neither counts nor goes", limit: 1, olds: [old(1, { deleting: true }), old(2), old(3)], want: ["2"] },
  ])("deployment: $name", ({ limit, olds, want }) => {
    const d = deployment(limit === undefined ? {} : { revisionHistoryLimit: limit });
    expect(revs(historyToDelete(d, deepFreeze(olds)))).toEqual(want);
  });

  it("deployment: ReplicaSets the same pass writes to are kept", () => {
    const olds = [old(1), old(2)];
    expect(revs(historyToDelete(deployment({ revisionHistoryLimit: 0 }), olds, new Set([olds[0]!.metadata!.name!])))).toEqual(["2"]);
  });
});
