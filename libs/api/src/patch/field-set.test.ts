import { describe, expect, it } from "vitest";
import { FieldSet, formatPath, keyElement } from "./field-set.ts";

describe("FieldSet", () => {
  it("field-set: fieldsV1 round-trips, with '.' only on members that have children", () => {
    const fieldsV1 = {
      "f:metadata": { "f:labels": { "f:app": {} } },
      "f:spec": {
        "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } },
        "f:finalizers": { 'v:"a"': {} },
      },
    };
    const set = FieldSet.fromFieldsV1(fieldsV1);
    expect(set?.toFieldsV1()).toEqual(fieldsV1);
    expect(set?.paths().map(formatPath)).toEqual([".metadata.labels.app", '.spec.containers[name="web"]', '.spec.containers[name="web"].image', '.spec.containers[name="web"].name', '.spec.finalizers[="a"]']);
  });

  it.each([[[]], ["f:x"], [{ "x:bad": {} }], [{ "f:a": 1 }]])("field-set: %j is not fieldsV1", (v) => {
    expect(FieldSet.fromFieldsV1(v)).toBeUndefined();
  });

  it("field-set: union, subtract and intersect work on paths", () => {
    const a = new FieldSet();
    a.insert(["f:spec", "f:replicas"]);
    a.insert(["f:spec", "f:paused"]);
    const b = new FieldSet();
    b.insert(["f:spec", "f:replicas"]);
    b.insert(["f:metadata", "f:labels", "f:app"]);
    expect(a.intersect(b).paths()).toEqual([["f:spec", "f:replicas"]]);
    expect(a.clone().union(b).paths()).toHaveLength(3);
    expect(a.subtract(b).toFieldsV1()).toEqual({ "f:spec": { "f:paused": {} } });
  });

  it("field-set: keyed elements encode their keys sorted, so equal keys are equal elements", () => {
    expect(keyElement({ protocol: "TCP", containerPort: 80 })).toBe('k:{"containerPort":80,"protocol":"TCP"}');
    expect(formatPath(["f:spec", "f:ports", keyElement({ protocol: "TCP", port: 80 })])).toBe('.spec.ports[port=80,protocol="TCP"]');
  });
});
