import { describe, expect, it } from "vitest";
import type { StatusCause } from "../errors.ts";
import type { KubeObject } from "../meta.ts";
import { decodeObject } from "./decode.ts";
import { applyDefaults } from "./defaults.ts";
import { infoOf, manifest } from "./testdata.ts";
import type { Manifest } from "./testdata.ts";
import { validateObject } from "./validate.ts";

type Mutate = (o: Manifest) => void;

function stored(kind: string, prepare: Mutate = () => {}): KubeObject {
  const m = manifest(kind);
  prepare(m);
  const info = infoOf(String(m.apiVersion), kind);
  return applyDefaults(info, decodeObject(info, m, { strict: true }).object);
}

/** Causes of updating a stored `kind` (after `prepare`) with `change` applied. */
function updateCauses(kind: string, change: Mutate, prepare: Mutate = () => {}): StatusCause[] {
  const old = stored(kind, prepare);
  const next = structuredClone(old) as Manifest;
  change(next);
  return validateObject(infoOf(String(old.apiVersion), kind), next as KubeObject, old);
}

const POD_UPDATE = "pod updates may not change fields other than `spec.containers[*].image`";

describe("validateObject: allowed updates", () => {
  const allowed: { name: string; kind: string; change: Mutate; prepare?: Mutate }[] = [
    { name: "pod image", kind: "Pod", change: (o) => (o.spec.containers[0].image = "nginx:1.28") },
    { name: "init container image", kind: "Pod", change: (o) => (o.spec.initContainers[0].image = "busybox:1.37") },
    { name: "pod tolerations added", kind: "Pod", change: (o) => o.spec.tolerations.push({ key: "spot", operator: "Exists" }) },
    { name: "pod deadline set", kind: "Pod", change: (o) => (o.spec.activeDeadlineSeconds = 60) },
    { name: "pod labels", kind: "Pod", change: (o) => (o.metadata.labels = { app: "web", tier: "front" }) },
    { name: "deployment replicas and template", kind: "Deployment", change: (o) => ((o.spec.replicas = 5), (o.spec.template.spec.containers[0].image = "nginx:1.28")) },
    { name: "service ports", kind: "Service", change: (o) => (o.spec.ports[0].port = 8080) },
    { name: "mutable config map data", kind: "ConfigMap", change: (o) => (o.data.level = "info") },
    { name: "suspended job template", kind: "Job", change: (o) => (o.spec.template.spec.containers[0].image = "migrate:2.0"), prepare: (o) => (o.spec.suspend = true) },
    { name: "controller revision renumbered", kind: "ControllerRevision", change: (o) => (o.revision = 3) },
    { name: "node podCIDR set for the first time", kind: "Node", change: (o) => (o.spec.podCIDRs = ["10.244.2.0/24"]), prepare: (o) => delete o.spec.podCIDRs },
  ];

  it.each(allowed)("update: $name is allowed", ({ kind, change, prepare }) => {
    expect(updateCauses(kind, change, prepare)).toEqual([]);
  });
});

describe("validateObject: forbidden updates", () => {
  const cases: { name: string; kind: string; change: Mutate; prepare?: Mutate; field: string; reason: string; message: string }[] = [
    { name: "pod container port", kind: "Pod", change: (o) => (o.spec.containers[0].ports[0].containerPort = 81), field: "spec", reason: "FieldValueForbidden", message: POD_UPDATE },
    { name: "pod node name", kind: "Pod", change: (o) => (o.spec.nodeName = "pi-2"), field: "spec", reason: "FieldValueForbidden", message: POD_UPDATE },
    { name: "pod toleration removed", kind: "Pod", change: (o) => (o.spec.tolerations = []), field: "spec", reason: "FieldValueForbidden", message: POD_UPDATE },
    { name: "pod deadline raised", kind: "Pod", change: (o) => (o.spec.activeDeadlineSeconds = 100), prepare: (o) => (o.spec.activeDeadlineSeconds = 50), field: "spec.activeDeadlineSeconds", reason: "FieldValueInvalid", message: "must be less than or equal to previous value" },
    { name: "deployment selector", kind: "Deployment", change: (o) => ((o.spec.selector.matchLabels = { app: "web", v: "2" }), (o.spec.template.metadata.labels.v = "2")), field: "spec.selector", reason: "FieldValueInvalid", message: "field is immutable" },
    { name: "daemon set selector", kind: "DaemonSet", change: (o) => (o.spec.selector = { matchLabels: { app: "web", x: "y" } }), field: "spec.selector", reason: "FieldValueInvalid", message: "field is immutable" },
    { name: "job template while running", kind: "Job", change: (o) => (o.spec.template.spec.containers[0].image = "migrate:2.0"), field: "spec.template", reason: "FieldValueInvalid", message: "field is immutable" },
    { name: "service cluster IP", kind: "Service", change: (o) => (o.spec.clusterIP = "10.96.0.11"), prepare: (o) => (o.spec.clusterIP = "10.96.0.10"), field: "spec.clusterIP", reason: "FieldValueInvalid", message: 'Invalid value: "10.96.0.11": field is immutable' },
    { name: "immutable config map data", kind: "ConfigMap", change: (o) => (o.data.level = "info"), prepare: (o) => (o.immutable = true), field: "data", reason: "FieldValueForbidden", message: "field is immutable when `immutable` is set" },
    { name: "immutable config map made mutable", kind: "ConfigMap", change: (o) => (o.immutable = false), prepare: (o) => (o.immutable = true), field: "immutable", reason: "FieldValueForbidden", message: "field is immutable when `immutable` is set" },
    { name: "immutable secret data", kind: "Secret", change: (o) => (o.data.token = "bmV3"), prepare: (o) => (o.immutable = true), field: "data", reason: "FieldValueForbidden", message: "field is immutable when `immutable` is set" },
    { name: "secret type", kind: "Secret", change: (o) => (o.type = "kubernetes.io/basic-auth"), field: "type", reason: "FieldValueInvalid", message: "field is immutable" },
    { name: "object namespace", kind: "ConfigMap", change: (o) => (o.metadata.namespace = "other"), field: "metadata.namespace", reason: "FieldValueInvalid", message: 'Invalid value: "other": field is immutable' },
    { name: "object name", kind: "ConfigMap", change: (o) => (o.metadata.name = "other"), field: "metadata.name", reason: "FieldValueInvalid", message: "field is immutable" },
    { name: "node pod CIDR", kind: "Node", change: (o) => (o.spec.podCIDRs = ["10.244.9.0/24"]), field: "spec.podCIDRs", reason: "FieldValueForbidden", message: 'node updates may not change podCIDR except from "" to valid' },
    { name: "endpoint slice address type", kind: "EndpointSlice", change: (o) => ((o.addressType = "IPv6"), (o.endpoints[0].addresses = ["fd00::5"])), field: "addressType", reason: "FieldValueInvalid", message: "field is immutable" },
    { name: "controller revision data", kind: "ControllerRevision", change: (o) => (o.data.spec.template.spec.containers[0].image = "nginx:1.28"), field: "data", reason: "FieldValueInvalid", message: "field is immutable" },
    { name: "runtime class handler", kind: "RuntimeClass", change: (o) => (o.handler = "kata"), field: "handler", reason: "FieldValueInvalid", message: "field is immutable" },
  ];

  it.each(cases)("update: $name → $reason on $field", ({ kind, change, prepare, field, reason, message }) => {
    const found = updateCauses(kind, change, prepare);
    const hit = found.find((c) => c.field === field && c.reason === reason);
    expect(hit, JSON.stringify(found)).toBeDefined();
    expect(hit!.message).toContain(message);
  });
});

describe("validateObject: status writes", () => {
  it("a write that keeps the stored spec object itself does not validate that spec again; a copy of it is validated", () => {
    // A spec stored before a validation rule existed (or by a bug) must not make every status write fail, nor cost a full spec check.
    const old = stored("Pod", (o) => (o.spec.containers[0].image = ""));
    const info = infoOf("v1", "Pod");
    const statusWrite = { ...old, status: { phase: "Running" } } as KubeObject;
    expect(validateObject(info, statusWrite, old)).toEqual([]);
    const copied = { ...statusWrite, spec: structuredClone(old["spec"]) } as KubeObject;
    expect(validateObject(info, copied, old).map((c) => c.field)).toContain("spec.containers[0].image");
  });
});
