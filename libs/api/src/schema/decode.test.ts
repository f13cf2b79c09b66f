import { describe, expect, it } from "vitest";
import { BadRequestError } from "../errors.ts";
import { decodeObject } from "./decode.ts";
import { QUANTITY_FORMAT_ERROR } from "./quantity.ts";
import { KINDS, infoOf, manifest } from "./testdata.ts";
import type { Manifest } from "./testdata.ts";

type Mutate = (o: Manifest) => void;

function decodeError(kind: string, mutate: Mutate, strict = true): BadRequestError {
  const m = manifest(kind);
  const info = infoOf(String(m.apiVersion), kind);
  mutate(m);
  try {
    decodeObject(info, m, { strict });
  } catch (err) {
    if (err instanceof BadRequestError) return err;
    throw err;
  }
  throw new Error("expected a BadRequestError");
}

describe("decodeObject: valid manifests", () => {
  it.each(KINDS)("decode: a valid %s decodes under Strict with no warnings and unchanged fields", (kind) => {
    const m = manifest(kind);
    const { object, warnings } = decodeObject(infoOf(String(m.apiVersion), kind), m, { strict: true });
    expect(warnings).toEqual([]);
    expect(object).toEqual(m);
    expect(object).not.toBe(m);
  });

  it("decode: fills in an absent apiVersion, kind and metadata", () => {
    const { object } = decodeObject(infoOf("v1", "ConfigMap"), { data: { a: "b" } }, { strict: true });
    expect(object).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: {}, data: { a: "b" } });
  });

  it("decode: does not change the caller's object, even when it drops fields", () => {
    const m = manifest("Deployment");
    (m.spec as Record<string, unknown>).foo = 1;
    const before = structuredClone(m);
    decodeObject(infoOf("apps/v1", "Deployment"), m, { strict: false });
    expect(m).toEqual(before);
  });

  it("decode: drops nulls the way Go leaves zero values (creationTimestamp: null in templates)", () => {
    const m = manifest("Deployment");
    m.status = null;
    m.spec.template.metadata.creationTimestamp = null;
    m.spec.template.spec.containers[0].resources = { limits: null };
    const { object, warnings } = decodeObject(infoOf("apps/v1", "Deployment"), m, { strict: true });
    expect(warnings).toEqual([]);
    expect(object.status).toBeUndefined();
    const spec = object.spec as Manifest;
    expect(spec.template.metadata).toEqual({ labels: { app: "web" } });
    expect(spec.template.spec.containers[0].resources).toEqual({});
  });

  it("decode: numeric quantities come back as strings, as the apiserver writes them", () => {
    const m = manifest("Pod");
    m.spec.containers[0].resources = { requests: { cpu: 0.5, memory: 1024 }, limits: { cpu: 2 } };
    const { object } = decodeObject(infoOf("v1", "Pod"), m, { strict: true });
    expect((object.spec as Manifest).containers[0].resources).toEqual({ requests: { cpu: "500m", memory: "1024" }, limits: { cpu: "2" } });
  });
});

describe("decodeObject: wrong JSON types are a 400 naming the field", () => {
  const cases: { name: string; kind: string; mutate: Mutate; field: string; message: string }[] = [
    { name: "string replicas", kind: "Deployment", mutate: (o) => (o.spec.replicas = "3"), field: "spec.replicas", message: "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32" },
    { name: "fractional replicas", kind: "Deployment", mutate: (o) => (o.spec.replicas = 1.5), field: "spec.replicas", message: "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32" },
    { name: "int32 overflow", kind: "Deployment", mutate: (o) => (o.spec.replicas = 3000000000), field: "spec.replicas", message: "json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32" },
    { name: "numeric image", kind: "Deployment", mutate: (o) => (o.spec.template.spec.containers[0].image = 5), field: "spec.template.spec.containers[0].image", message: "json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image of type string" },
    { name: "containers as object", kind: "Pod", mutate: (o) => (o.spec.containers = { name: "x" }), field: "spec.containers", message: "json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container" },
    { name: "numeric label value", kind: "Pod", mutate: (o) => (o.metadata.labels = { app: 1 }), field: "metadata.labels[app]", message: "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string" },
    { name: "string boolean", kind: "Pod", mutate: (o) => (o.spec.hostNetwork = "true"), field: "spec.hostNetwork", message: "json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool" },
    { name: "metadata as string", kind: "Pod", mutate: (o) => (o.metadata = "web"), field: "metadata", message: "json: cannot unmarshal string into Go struct field Pod.metadata of type v1.ObjectMeta" },
    { name: "boolean targetPort", kind: "Service", mutate: (o) => (o.spec.ports[0].targetPort = true), field: "spec.ports[0].targetPort", message: "json: cannot unmarshal bool into Go value of type int32" },
    { name: "unparseable quantity", kind: "Pod", mutate: (o) => (o.spec.containers[0].resources.limits.cpu = "lots"), field: "spec.containers[0].resources.limits[cpu]", message: QUANTITY_FORMAT_ERROR },
    { name: "bad timestamp", kind: "Event", mutate: (o) => (o.lastTimestamp = "yesterday"), field: "lastTimestamp", message: 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as an RFC 3339 time' },
    { name: "bad base64", kind: "Secret", mutate: (o) => (o.data.token = "not base64!"), field: "data[token]", message: "illegal base64 data at input byte 3" },
    { name: "numeric apiVersion", kind: "ConfigMap", mutate: (o) => (o.apiVersion = 1), field: "apiVersion", message: "json: cannot unmarshal number into Go struct field ConfigMap.apiVersion of type string" },
  ];

  it.each(cases)("decode: $name → 400 on $field", ({ kind, mutate, field, message }) => {
    const err = decodeError(kind, mutate);
    expect(err.code).toBe(400);
    expect(err.message).toBe(`${kind} in version "v1" cannot be handled as a ${kind}: ${message}`);
    expect(err.details?.causes?.[0]).toEqual({ reason: "FieldValueTypeInvalid", field, message });
  });

  it("decode: type errors win over unknown fields, even without Strict", () => {
    const err = decodeError("Deployment", (o) => ((o.spec.replicas = "x"), (o.spec.foo = 1)), false);
    expect(err.message).toContain("DeploymentSpec.spec.replicas of type int32");
  });

  it("decode: a body that is not an object is a 400", () => {
    expect(() => decodeObject(infoOf("v1", "Pod"), [], { strict: false })).toThrow('Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal array into Go value of type v1.Pod');
  });
});

describe("decodeObject: unknown fields", () => {
  // Added in document order: spec.foo before the template.
  const addUnknown: Mutate = (o) => {
    const { template, ...rest } = o.spec;
    o.spec = { ...rest, foo: "bar", template };
    const c = o.spec.template.spec.containers[0];
    c.imag = c.image;
    delete c.image;
  };

  it("decode: Strict rejects the body and lists every unknown field", () => {
    const err = decodeError("Deployment", addUnknown);
    expect(err.code).toBe(400);
    expect(err.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", unknown field "spec.template.spec.containers[0].imag"');
  });

  it("decode: without Strict unknown fields are dropped and returned as warnings", () => {
    const m = manifest("Deployment");
    addUnknown(m);
    m.spc = {};
    const { object, warnings } = decodeObject(infoOf("apps/v1", "Deployment"), m, { strict: false });
    expect(warnings).toEqual(['unknown field "spec.foo"', 'unknown field "spec.template.spec.containers[0].imag"', 'unknown field "spc"']);
    expect((object.spec as Record<string, unknown>).foo).toBeUndefined();
    expect(object.spc).toBeUndefined();
    expect((object.spec as Manifest).template.spec.containers[0]).not.toHaveProperty("imag");
  });
});

describe("decodeObject: apiVersion and kind must match the endpoint", () => {
  it.each([
    { apiVersion: "apps/v1beta1", kind: "Deployment", message: "the API version in the data (apps/v1beta1) does not match the expected API version (apps/v1)" },
    { apiVersion: "apps/v1", kind: "ReplicaSet", message: "the kind in the data (ReplicaSet) does not match the expected kind (Deployment)" },
  ])("decode: $apiVersion $kind sent to deployments → 400", ({ apiVersion, kind, message }) => {
    const m = { ...manifest("Deployment"), apiVersion, kind };
    expect(() => decodeObject(infoOf("apps/v1", "Deployment"), m, { strict: true })).toThrow(message);
  });
});

describe("decodeObject: the careful walk keeps what needs no change", () => {
  it("decode: a null in one part drops that null and leaves every untouched part the body's own", () => {
    const m = manifest("Pod") as Manifest & { spec: object; metadata: { labels?: object } };
    m.metadata.labels = { app: "web" };
    const body = { ...m, status: { phase: "Running", conditions: [{ type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: "2026-11-22T10:00:00Z" }] } };
    const { object, warnings } = decodeObject(infoOf("v1", "Pod"), body, { strict: true });
    expect(warnings).toEqual([]);
    expect(object["status"]).toEqual({ phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-11-22T10:00:00Z" }] });
    expect(body.status.conditions[0]).toHaveProperty("lastProbeTime", null);
    expect(object["spec"]).toBe(body.spec);
    expect(object.metadata.labels).toBe(body.metadata.labels);
  });
});
