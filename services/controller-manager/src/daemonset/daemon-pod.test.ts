import { describe, expect, it } from "vitest";
import type { PodSpecObject } from "@flotilla/api";
import { deepFreeze } from "../deployment/fixtures.ts";
import { DAEMON_TOLERATIONS, DAEMONSET_HASH_LABEL, daemonSetHash, newDaemonPod, pinToNode, targetNodeName, withDaemonTolerations } from "./daemon-pod.ts";
import { daemonPod, daemonSet, DS_UID } from "./fixtures.ts";

type Affinity = NonNullable<PodSpecObject["affinity"]>;
const NAME_IS = (n: string) => ({ key: "metadata.name", operator: "In", values: [n] });

describe("daemon tolerations", () => {
  it("daemonset pod: every daemon tolerates not-ready and unreachable NoExecute forever, and the pressure and unschedulable NoSchedule taints", () => {
    const got = withDaemonTolerations({ containers: [] });
    expect(got).toEqual(DAEMON_TOLERATIONS);
    expect(got.filter((t) => t.effect === "NoExecute").map((t) => t.key)).toEqual(["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]);
    expect(got.every((t) => t.tolerationSeconds === undefined)).toBe(true);
    expect(got.map((t) => t.key)).not.toContain("node.kubernetes.io/network-unavailable");
  });

  it("daemonset pod: a hostNetwork daemon also tolerates network-unavailable", () => {
    expect(withDaemonTolerations({ containers: [], hostNetwork: true }).map((t) => t.key)).toContain("node.kubernetes.io/network-unavailable");
  });

  it("daemonset pod: the user's own tolerations stay, and a matching one loses its tolerationSeconds", () => {
    const spec = deepFreeze<PodSpecObject>({
      containers: [],
      tolerations: [
        { key: "gpu", operator: "Exists" },
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      ],
    });
    const got = withDaemonTolerations(spec);
    expect(got[0]).toEqual({ key: "gpu", operator: "Exists" });
    expect(got[1]).toEqual({ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" });
    expect(got.filter((t) => t.key === "node.kubernetes.io/not-ready")).toHaveLength(1);
    expect(got).toHaveLength(1 + DAEMON_TOLERATIONS.length);
  });
});

describe("pinToNode", () => {
  const zoneA = { key: "zone", operator: "In", values: ["a"] };
  const cases: { name: string; affinity: Affinity | undefined; want: Affinity }[] = [
    {
      name: "no affinity: a single term naming the node",
      affinity: undefined,
      want: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [NAME_IS("pi-1")] }] } } },
    },
    {
      name: "pod affinity and preferred node affinity are kept as they are",
      affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "zone" }] }, nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [zoneA] } }] } },
      want: {
        podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "zone" }] },
        nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [zoneA] } }], requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [NAME_IS("pi-1")] }] } },
      },
    },
    {
      name: "each required term keeps its label requirements and gains the node's name",
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [zoneA] }, { matchExpressions: [{ key: "edge", operator: "Exists" }] }] } } },
      want: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [zoneA], matchFields: [NAME_IS("pi-1")] },
              { matchExpressions: [{ key: "edge", operator: "Exists" }], matchFields: [NAME_IS("pi-1")] },
            ],
          },
        },
      },
    },
    {
      name: "an existing metadata.name requirement is replaced, not added to",
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [zoneA], matchFields: [{ key: "metadata.name", operator: "In", values: ["pi-1", "pi-2"] }] }] } } },
      want: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [zoneA], matchFields: [NAME_IS("pi-1")] }] } } },
    },
  ];
  it.each(cases)("daemonset pod: $name", ({ affinity, want }) => {
    const input = affinity === undefined ? undefined : deepFreeze(structuredClone(affinity));
    expect(pinToNode(input, "pi-1")).toEqual(want);
  });
});

describe("targetNodeName", () => {
  it("daemonset pod: a bound pod is for its node, a pending one for the node its affinity names", () => {
    expect(targetNodeName(daemonPod("a", "pi-1"))).toBe("pi-1");
    expect(targetNodeName(daemonPod("a", "pi-2", { bound: false }))).toBe("pi-2");
  });

  it("daemonset pod: a pod naming no single node is for none", () => {
    expect(targetNodeName({ spec: { containers: [] } })).toBeUndefined();
    const several = { spec: { containers: [], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["a", "b"] }] }] } } } } };
    expect(targetNodeName(several)).toBeUndefined();
  });
});

describe("newDaemonPod", () => {
  it("daemonset pod: a new pod carries the template, the hash label, the daemon tolerations, the node pin and a controller reference", () => {
    const ds = daemonSet({ spec: { nodeSelector: { role: "edge" } } });
    const pod = newDaemonPod(ds, "pi-3", daemonSetHash(ds));
    expect(pod.metadata).toMatchObject({ generateName: "agent-", namespace: "default", labels: { app: "agent", [DAEMONSET_HASH_LABEL]: daemonSetHash(ds) } });
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: DS_UID, controller: true, blockOwnerDeletion: true }]);
    expect(pod.spec?.nodeSelector).toEqual({ role: "edge" });
    expect(pod.spec?.nodeName).toBeUndefined(); // the scheduler binds it
    expect(targetNodeName(pod)).toBe("pi-3");
    expect(pod.spec?.tolerations).toEqual(DAEMON_TOLERATIONS);
  });

  it("daemonset pod: the hash follows the template's meaning, not its spelling", () => {
    expect(daemonSetHash(daemonSet({ image: "agent:v1" }))).toBe(daemonSetHash(daemonSet({ image: "agent:v1", spec: { tolerations: [] } })));
    expect(daemonSetHash(daemonSet({ image: "agent:v1" }))).not.toBe(daemonSetHash(daemonSet({ image: "agent:v2" })));
  });

  it("daemonset pod: a raised collisionCount gives the same template another hash (a free revision name)", () => {
    const plain = daemonSetHash(daemonSet());
    expect(daemonSetHash(daemonSet({ status: { collisionCount: 1 } }))).not.toBe(plain);
    expect(daemonSetHash(daemonSet({ status: { collisionCount: 1 } }))).toBe(daemonSetHash(daemonSet({ status: { collisionCount: 1, numberReady: 3 } })));
  });
});
