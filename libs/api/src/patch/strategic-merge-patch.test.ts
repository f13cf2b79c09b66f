import { describe, expect, it } from "vitest";
import { BadRequestError } from "../errors.ts";
import type { GroupKind } from "./patch-meta.ts";
import { applyStrategicMergePatch } from "./strategic-merge-patch.ts";

const DEPLOYMENT: GroupKind = { group: "apps", kind: "Deployment" };
const POD: GroupKind = { group: "", kind: "Pod" };

/** A Deployment as kubectl created it, with two containers. */
function deployment(): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", labels: { app: "web" }, finalizers: ["a.example.com/x", "b.example.com/y"] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            { name: "web", image: "nginx:1.25", ports: [{ containerPort: 80, protocol: "TCP" }], env: [{ name: "A", value: "1" }] },
            { name: "log", image: "busybox:1.36", args: ["tail", "-f"] },
          ],
          volumes: [{ name: "data", emptyDir: {} }],
          tolerations: [{ key: "k", operator: "Exists" }],
        },
      },
    },
  };
}

type Edit = (d: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The deployment after an edit: how each case states its expected result. */
function edited(edit: Edit): Record<string, unknown> {
  const d = deployment();
  edit(d);
  return d;
}

const LAST_APPLIED = '{"apiVersion":"apps/v1","kind":"Deployment"}';

describe("applyStrategicMergePatch", () => {
  it.each<[string, unknown, Edit]>([
    [
      "kubectl apply's patch changes one container's image and keeps the order",
      {
        metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": LAST_APPLIED } },
        spec: { template: { spec: { "$setElementOrder/containers": [{ name: "web" }, { name: "log" }], containers: [{ image: "nginx:1.27", name: "web" }] } } },
      },
      (d) => {
        d.metadata.annotations = { "kubectl.kubernetes.io/last-applied-configuration": LAST_APPLIED };
        d.spec.template.spec.containers[0].image = "nginx:1.27";
      },
    ],
    [
      "$patch: delete removes one container",
      { spec: { template: { spec: { containers: [{ name: "log", $patch: "delete" }] } } } },
      (d) => d.spec.template.spec.containers.splice(1, 1),
    ],
    [
      "$setElementOrder alone reorders a merged list",
      { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "log" }, { name: "web" }] } } } },
      (d) => d.spec.template.spec.containers.reverse(),
    ],
    [
      "$setElementOrder places a new container where it says",
      {
        spec: {
          template: {
            spec: { "$setElementOrder/containers": [{ name: "web" }, { name: "side" }, { name: "log" }], containers: [{ name: "side", image: "envoy" }] },
          },
        },
      },
      (d) => d.spec.template.spec.containers.splice(1, 0, { name: "side", image: "envoy" }),
    ],
    [
      "without $setElementOrder a new element comes first, as in Kubernetes",
      { spec: { template: { spec: { containers: [{ name: "side", image: "envoy" }] } } } },
      (d) => d.spec.template.spec.containers.unshift({ name: "side", image: "envoy" }),
    ],
    [
      "$deleteFromPrimitiveList/finalizers takes one finalizer out",
      { metadata: { "$deleteFromPrimitiveList/finalizers": ["a.example.com/x"] } },
      (d) => (d.metadata.finalizers = ["b.example.com/y"]),
    ],
    [
      "kubectl's finalizer diff: add, delete and order together",
      {
        metadata: {
          "$setElementOrder/finalizers": ["b.example.com/y", "c.example.com/z"],
          finalizers: ["c.example.com/z"],
          "$deleteFromPrimitiveList/finalizers": ["a.example.com/x"],
        },
      },
      (d) => (d.metadata.finalizers = ["b.example.com/y", "c.example.com/z"]),
    ],
    [
      "finalizers merge as a set of primitives",
      { metadata: { finalizers: ["b.example.com/y", "c.example.com/z"] } },
      (d) => (d.metadata.finalizers = ["a.example.com/x", "b.example.com/y", "c.example.com/z"]),
    ],
    [
      "$retainKeys switches the rollout strategy to Recreate",
      { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } },
      (d) => (d.spec.strategy = { type: "Recreate" }),
    ],
    [
      "$retainKeys in a volume switches its source",
      { spec: { template: { spec: { volumes: [{ name: "data", $retainKeys: ["configMap", "name"], configMap: { name: "cfg" } }] } } } },
      (d) => (d.spec.template.spec.volumes = [{ name: "data", configMap: { name: "cfg" } }]),
    ],
    [
      "null deletes a label, a nested field and a field of a list element",
      {
        metadata: { labels: { app: null } },
        spec: { strategy: { rollingUpdate: null }, template: { spec: { containers: [{ name: "web", env: null }] } } },
      },
      (d) => {
        d.metadata.labels = {};
        delete d.spec.strategy.rollingUpdate;
        delete d.spec.template.spec.containers[0].env;
      },
    ],
    [
      "null for a field that is not there changes nothing",
      { spec: { paused: null } },
      () => {},
    ],
    [
      "env merges by name, ports by containerPort",
      {
        spec: {
          template: {
            spec: {
              containers: [
                { name: "web", env: [{ name: "A", value: "2" }, { name: "B", value: "3" }], ports: [{ containerPort: 80, name: "http" }] },
              ],
            },
          },
        },
      },
      (d) => {
        const web = d.spec.template.spec.containers[0];
        web.env = [{ name: "A", value: "2" }, { name: "B", value: "3" }];
        web.ports = [{ containerPort: 80, protocol: "TCP", name: "http" }];
      },
    ],
    [
      "a list without metadata (args, tolerations) is replaced whole",
      { spec: { template: { spec: { tolerations: [{ key: "other", operator: "Exists" }], containers: [{ name: "log", args: ["sleep"] }] } } } },
      (d) => {
        d.spec.template.spec.tolerations = [{ key: "other", operator: "Exists" }];
        d.spec.template.spec.containers[1].args = ["sleep"];
      },
    ],
    [
      "$patch: replace on a map replaces it",
      { metadata: { labels: { $patch: "replace", tier: "front" } } },
      (d) => (d.metadata.labels = { tier: "front" }),
    ],
    [
      "$patch: replace in a list makes the patch elements the whole list",
      { spec: { template: { spec: { containers: [{ name: "only", image: "x" }, { $patch: "replace" }] } } } },
      (d) => (d.spec.template.spec.containers = [{ name: "only", image: "x" }]),
    ],
    [
      "$patch: delete on a map removes it",
      { spec: { strategy: { $patch: "delete" } } },
      (d) => delete d.spec.strategy,
    ],
    [
      "$patch: merge is the default",
      { metadata: { labels: { $patch: "merge", tier: "front" } } },
      (d) => (d.metadata.labels.tier = "front"),
    ],
  ])("strategic-merge-patch: %s", (_name, patch, edit) => {
    expect(applyStrategicMergePatch(deployment(), patch, DEPLOYMENT)).toEqual(edited(edit));
  });

  it("strategic-merge-patch: a new list with directives inside is cleaned of them", () => {
    const pod = { metadata: { name: "p" }, spec: {} };
    const patch = { spec: { containers: [{ name: "a", image: "x", env: [{ name: "GONE", $patch: "delete" }] }], "$setElementOrder/containers": [{ name: "a" }] } };
    expect(applyStrategicMergePatch(pod, patch, POD)).toEqual({ metadata: { name: "p" }, spec: { containers: [{ name: "a", image: "x", env: [] }] } });
  });

  it("strategic-merge-patch: ownerReferences merge by uid", () => {
    const owner = (uid: string) => ({ apiVersion: "apps/v1", kind: "ReplicaSet", name: uid, uid });
    const pod = { metadata: { name: "p", ownerReferences: [owner("1")] } };
    const out = applyStrategicMergePatch(pod, { metadata: { ownerReferences: [{ ...owner("2"), controller: true }] } }, POD);
    expect(out).toEqual({ metadata: { name: "p", ownerReferences: [{ ...owner("2"), controller: true }, owner("1")] } });
  });

  it.each<[string, GroupKind, unknown, unknown, unknown]>([
    ["service ports merge by port", { group: "", kind: "Service" }, { spec: { ports: [{ port: 80, name: "http" }] } }, { spec: { ports: [{ port: 443, name: "https" }] } }, { spec: { ports: [{ port: 443, name: "https" }, { port: 80, name: "http" }] } }],
    [
      "node conditions merge by type",
      { group: "", kind: "Node" },
      { status: { conditions: [{ type: "Ready", status: "True" }, { type: "DiskPressure", status: "False" }] } },
      { status: { conditions: [{ type: "Ready", status: "False" }] } },
      { status: { conditions: [{ type: "Ready", status: "False" }, { type: "DiskPressure", status: "False" }] } },
    ],
    [
      "node addresses merge by type",
      { group: "", kind: "Node" },
      { status: { addresses: [{ type: "InternalIP", address: "10.0.0.1" }] } },
      { status: { addresses: [{ type: "Hostname", address: "pi-1" }] } },
      { status: { addresses: [{ type: "Hostname", address: "pi-1" }, { type: "InternalIP", address: "10.0.0.1" }] } },
    ],
    [
      "endpoints subsets are atomic",
      { group: "", kind: "Endpoints" },
      { subsets: [{ addresses: [{ ip: "10.0.0.1" }] }] },
      { subsets: [{ addresses: [{ ip: "10.0.0.2" }] }] },
      { subsets: [{ addresses: [{ ip: "10.0.0.2" }] }] },
    ],
    [
      "an unknown kind replaces lists but still honours directives",
      { group: "example.com", kind: "Widget" },
      { spec: { items: [{ name: "a" }], tags: { x: "1" } }, metadata: { finalizers: ["f1"] } },
      { spec: { items: [{ name: "b" }], tags: { $patch: "replace", y: "2" } }, metadata: { finalizers: ["f2"] } },
      { spec: { items: [{ name: "b" }], tags: { y: "2" } }, metadata: { finalizers: ["f2", "f1"] } },
    ],
  ])("strategic-merge-patch: %s", (_name, kind, target, patch, want) => {
    expect(applyStrategicMergePatch(target, patch, kind)).toEqual(want);
  });

  it.each<[string, unknown, string]>([
    ["a patch that is not an object", [{ op: "add" }], "must be a JSON object"],
    ["an unknown $patch value", { metadata: { labels: { $patch: "frob" } } }, 'unknown patch type "frob"'],
    ["$patch: delete without the merge key", { spec: { template: { spec: { containers: [{ $patch: "delete", image: "x" }] } } } }, 'does not contain declared merge key "name"'],
    ["a merged element without the merge key", { spec: { template: { spec: { containers: [{ image: "x" }] } } } }, 'does not contain declared merge key "name"'],
    ["$setElementOrder that is not a list", { spec: { template: { spec: { "$setElementOrder/containers": { name: "web" } } } } }, "setElementOrder list"],
    ["$setElementOrder without a field", { spec: { "$setElementOrder/": [] } }, "expected $setElementOrder/<field>"],
    ["$setElementOrder elements without the key", { spec: { template: { spec: { "$setElementOrder/containers": ["web"] } } } }, "does not contain declared merge key"],
    [
      "$setElementOrder that disagrees with the patch order",
      { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "web" }, { name: "log" }], containers: [{ name: "log", image: "a" }, { name: "web", image: "b" }] } } } },
      "does not match its $setElementOrder list",
    ],
    ["$retainKeys that is not a list", { spec: { strategy: { $retainKeys: "type" } } }, "invalid patch format of retainKeys"],
    ["$retainKeys missing a patched field", { spec: { strategy: { $retainKeys: ["type"], type: "Recreate", rollingUpdate: {} } } }, 'field "rollingUpdate" is patched'],
    ["$deleteFromPrimitiveList that is not a list", { metadata: { "$deleteFromPrimitiveList/finalizers": "x" } }, "invalid patch format of primitive list"],
    ["mixed element types in a merged list", { metadata: { finalizers: [{ a: 1 }] } }, "not all of the same type"],
  ])("strategic-merge-patch: %s is a 400", (_name, patch, message) => {
    let err: unknown;
    try {
      applyStrategicMergePatch(deployment(), patch, DEPLOYMENT);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as Error).message).toContain(message);
  });

  it("strategic-merge-patch: leaves both inputs untouched and shares nothing with them", () => {
    const target = deployment();
    const patch = {
      metadata: { labels: { app: null }, "$deleteFromPrimitiveList/finalizers": ["a.example.com/x"] },
      spec: { template: { spec: { "$setElementOrder/containers": [{ name: "log" }, { name: "web" }], containers: [{ name: "web", $patch: "delete" }, { name: "log", env: [{ name: "X", value: "1" }] }] } } },
    };
    const before = structuredClone({ target, patch });
    const out = applyStrategicMergePatch(target, patch, DEPLOYMENT) as ReturnType<typeof edited> & { spec: { template: { spec: { containers: { env: unknown[] }[] } } } };
    expect({ target, patch }).toEqual(before);
    out.spec.template.spec.containers[0]?.env.push({ name: "Y" });
    expect({ target, patch }).toEqual(before);
  });

  it("strategic-merge-patch: a __proto__ key is data, never a way into Object.prototype", () => {
    const patch = JSON.parse('{"__proto__":{"polluted":1},"spec":{"$setElementOrder/__proto__":[],"__proto__":{"polluted":2}}}');
    applyStrategicMergePatch(deployment(), patch, DEPLOYMENT);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
