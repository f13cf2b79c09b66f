import { describe, expect, it } from "vitest";
import type { DaemonSetObject, PodObject } from "@flotilla/api";
import { daemonSetHash } from "./daemon-pod.ts";
import { daemonPod, daemonSet, node, T0 } from "./fixtures.ts";
import { groupByNode, planDaemonSet } from "./plan.ts";
import { compareOldestFirst, statusChanged, type DaemonSetStatus } from "./status.ts";

const V2 = daemonSet({ image: "agent:v2", generation: 2 });
const NODES = [node("pi-1"), node("pi-2"), node("pi-3", { labels: { role: "edge" } })];

function statusOf(ds: DaemonSetObject, pods: PodObject[], nodes = NODES): DaemonSetStatus {
  return planDaemonSet(ds, nodes, groupByNode(pods), T0).status;
}

/** What `kubectl rollout status daemonset/x` concludes from a status (kubectl's DaemonSetStatusViewer). */
function rolloutStatus(ds: DaemonSetObject, s: DaemonSetStatus): "done" | "waiting" {
  if ((ds.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) return "waiting";
  if ((s.updatedNumberScheduled ?? 0) < (s.desiredNumberScheduled ?? 0)) return "waiting";
  if ((s.numberAvailable ?? 0) < (s.desiredNumberScheduled ?? 0)) return "waiting";
  return "done";
}

describe("daemonSetStatus", () => {
  it("daemonset status: counts nodes, judging each by its oldest pod", () => {
    const s = statusOf(V2, [
      daemonPod("a", "pi-1", { from: V2 }),
      daemonPod("b", "pi-2", { ready: false }),
      daemonPod("b2", "pi-2", { from: V2, created: T0 - 1_000 }),
    ]);
    expect(s).toMatchObject({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 2,
      numberMisscheduled: 0,
      numberReady: 1,
      numberAvailable: 1,
      numberUnavailable: 2,
      updatedNumberScheduled: 1,
      observedGeneration: 2,
    });
  });

  it("daemonset status: a pod on a node that should not run one is misscheduled and counts nowhere else", () => {
    const edge = daemonSet({ nodeSelector: { role: "edge" } });
    const s = statusOf(edge, [daemonPod("a", "pi-1", { from: edge }), daemonPod("c", "pi-3", { from: edge })]);
    expect(s).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 1, numberMisscheduled: 1, numberReady: 1, numberAvailable: 1, updatedNumberScheduled: 1 });
  });

  it("daemonset status: minReadySeconds separates ready from available", () => {
    const ds = daemonSet({ minReadySeconds: 30 });
    const s = statusOf(ds, [daemonPod("a", "pi-1", { from: ds, readySince: T0 - 10_000 }), daemonPod("b", "pi-2", { from: ds, readySince: T0 - 31_000 })]);
    expect(s).toMatchObject({ numberReady: 2, numberAvailable: 1, numberUnavailable: 2 });
  });

  it("daemonset status: conditions and collisionCount are kept", () => {
    const ds = daemonSet({ status: { collisionCount: 2, conditions: [{ type: "X", status: "True" }] } });
    expect(statusOf(ds, [])).toMatchObject({ collisionCount: 2, conditions: [{ type: "X", status: "True" }] });
  });

  it("daemonset status: kubectl rollout status waits for every node's pod to be updated and available, then completes", () => {
    const old = NODES.map((n) => daemonPod(`old-${n.metadata!.name!}`, n.metadata!.name!));
    expect(rolloutStatus(V2, { ...statusOf(V2, old), observedGeneration: 1 })).toBe("waiting");
    expect(rolloutStatus(V2, statusOf(V2, old))).toBe("waiting");
    const mixed = [daemonPod("n1", "pi-1", { from: V2 }), daemonPod("n2", "pi-2", { from: V2 }), daemonPod("n3", "pi-3", { from: V2, ready: false })];
    expect(rolloutStatus(V2, statusOf(V2, mixed))).toBe("waiting");
    const done = NODES.map((n) => daemonPod(`new-${n.metadata!.name!}`, n.metadata!.name!, { from: V2 }));
    expect(rolloutStatus(V2, statusOf(V2, done))).toBe("done");
  });

  it("daemonset status: statusChanged sees a changed count or generation, and treats absent as 0", () => {
    const s = statusOf(V2, []);
    expect(statusChanged(s, { ...s })).toBe(false);
    expect(statusChanged(s, { ...s, numberReady: 1 })).toBe(true);
    expect(statusChanged(s, { ...s, observedGeneration: 3 })).toBe(true);
    expect(statusChanged({}, { numberReady: 0, desiredNumberScheduled: 0 })).toBe(false);
  });
});

describe("compareOldestFirst", () => {
  it("daemonset status: bound before pending, then older first, then by name", () => {
    const pods = [
      daemonPod("p-pending", "pi-1", { bound: false, created: T0 - 99_000 }),
      daemonPod("p-young", "pi-1", { created: T0 - 1_000 }),
      daemonPod("p-b", "pi-1", { created: T0 - 50_000 }),
      daemonPod("p-a", "pi-1", { created: T0 - 50_000 }),
    ];
    expect([...pods].sort(compareOldestFirst).map((p) => p.metadata?.name)).toEqual(["p-a", "p-b", "p-young", "p-pending"]);
  });

  it("daemonset status: the hash label of updated pods is the template's hash", () => {
    expect(daemonPod("a", "pi-1", { from: V2 }).metadata?.labels?.["controller-revision-hash"]).toBe(daemonSetHash(V2));
  });
});
