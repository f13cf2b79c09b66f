import { describe, expect, it } from "vitest";
import { changedFields, rootMeta } from "./field-paths.ts";
import { fieldsV1Of, skipTree } from "./fields-v1.ts";
import type { JsonObject } from "./json.ts";
import { stripUntracked, type FieldNamePath } from "./managed-fields.ts";
import { patchMetaFor, type GroupKind } from "./patch-meta.ts";

/** The general path: diff against nothing, strip, encode. The direct walk must agree. */
function viaFieldSet(obj: JsonObject, kind: GroupKind, ignore: FieldNamePath[]): JsonObject {
  return stripUntracked(changedFields({}, obj, rootMeta(patchMetaFor(kind))), ignore).toFieldsV1();
}

const UNTRACKED: FieldNamePath[] = [["apiVersion"], ["kind"], ["metadata", "name"], ["metadata", "namespace"], ["metadata", "uid"], ["metadata", "resourceVersion"], ["metadata", "creationTimestamp"], ["metadata", "managedFields"]];

const CASES: { name: string; kind: GroupKind; obj: JsonObject; ignore?: FieldNamePath[] }[] = [
  {
    name: "a pod with keyed lists, sets, nulls and empty values",
    kind: { group: "", kind: "Pod" },
    ignore: [["status"]],
    obj: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "default", uid: "u", labels: { b: "2", a: "1" }, annotations: {}, finalizers: ["z.io/x", "a.io/y"], ownerReferences: [{ uid: "o1", name: "rs", kind: "ReplicaSet", apiVersion: "apps/v1", controller: true }] },
      spec: {
        nodeSelector: null,
        imagePullSecrets: [{ name: "only-key" }, { name: "nulls", extra: null }],
        containers: [
          { name: "web", image: "nginx", ports: [{ containerPort: 80, protocol: "TCP" }, { containerPort: 53, protocol: "UDP" }], env: [{ name: "B", value: "1" }, { name: "A", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }], args: ["-x", "-y"], resources: {} },
          { name: "side", image: "busybox", command: [] },
        ],
        volumes: [{ name: "v", emptyDir: {} }],
        tolerations: [{ key: "k", operator: "Exists" }],
      },
      status: { phase: "Pending" },
    },
  },
  {
    name: "a deployment's template",
    kind: { group: "apps", kind: "Deployment" },
    obj: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d", labels: { app: "web" } },
      spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "i" }] } } },
    },
  },
  {
    name: "a keyed list with a repeated key is atomic",
    kind: { group: "", kind: "Pod" },
    obj: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "a", image: "x" }, { name: "a", image: "y" }] } },
  },
  {
    name: "a service with ports keyed by port and protocol",
    kind: { group: "", kind: "Service" },
    obj: { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 443, protocol: "TCP", targetPort: 8443 }, { port: 80, protocol: "TCP" }], selector: { app: "web" }, clusterIPs: ["10.43.0.9"] } },
  },
  { name: "nothing tracked", kind: { group: "", kind: "ConfigMap" }, obj: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", uid: "u" } } },
];

describe("fieldsV1Of", () => {
  for (const c of CASES) {
    it(`managed-fields: agrees with the field-set path for ${c.name}`, () => {
      const ignore = c.ignore ?? [];
      const expected = viaFieldSet(structuredClone(c.obj), c.kind, ignore);
      const actual = fieldsV1Of(structuredClone(c.obj), rootMeta(patchMetaFor(c.kind)), skipTree([...UNTRACKED, ...ignore])) ?? {};
      // Key order matters: kubectl shows managedFields as stored.
      expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
    });
  }

  it("managed-fields: skipped subtrees leave their siblings", () => {
    const obj = { metadata: { name: "x", labels: { a: "1" } }, status: { phase: "Running" } };
    expect(fieldsV1Of(obj, rootMeta(patchMetaFor({ group: "", kind: "Pod" })), skipTree([["metadata", "name"], ["status"]]))).toEqual({ "f:metadata": { "f:labels": { "f:a": {} } } });
  });
});
