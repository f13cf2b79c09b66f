import { describe, expect, it } from "vitest";
import { applyMergePatch, applyMergePatchSharing } from "./merge-patch.ts";

describe("applyMergePatch", () => {
  // RFC 7386 appendix A, row by row.
  it.each([
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])("RFC 7386: %j + %j = %j", (target, patch, want) => {
    expect(applyMergePatch(target, patch)).toEqual(want);
    expect(applyMergePatchSharing(target, patch)).toEqual(want);
  });

  it("merge-patch: kubectl scale changes replicas and nothing else", () => {
    const scale = { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web" }, spec: { replicas: 2 }, status: { replicas: 2 } };
    expect(applyMergePatch(scale, { spec: { replicas: 5 } })).toEqual({ ...scale, spec: { replicas: 5 } });
  });

  it("merge-patch: arrays are replaced, never merged", () => {
    const pod = { spec: { containers: [{ name: "a" }, { name: "b" }] } };
    expect(applyMergePatch(pod, { spec: { containers: [{ name: "c" }] } })).toEqual({ spec: { containers: [{ name: "c" }] } });
  });

  it("merge-patch: leaves both inputs untouched and shares nothing with them", () => {
    const target = { metadata: { labels: { a: "1" } }, spec: { list: [1] } };
    const patch = { metadata: { labels: { b: "2", a: null } }, spec: { more: { x: [1] } } };
    const before = structuredClone({ target, patch });
    const out = applyMergePatch(target, patch) as { spec: { more: { x: number[] }; list: number[] } };
    expect({ target, patch }).toEqual(before);
    out.spec.more.x.push(2);
    out.spec.list.push(2);
    expect({ target, patch }).toEqual(before);
  });

  it("merge-patch: a __proto__ key is data, never a way into Object.prototype", () => {
    const out = applyMergePatch({}, JSON.parse('{"__proto__":{"polluted":1},"a":{"__proto__":{"polluted":2}}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":1},"a":{"__proto__":{"polluted":2}}}');
  });

  it("merge-patch, sharing: untouched subtrees are the target's own, patched paths and patch values are copies", () => {
    const target = { metadata: { uid: "u", labels: { a: "1" } }, spec: { containers: [{ name: "c" }] }, status: { phase: "Pending", hostIP: "10.0.0.1" } };
    const patch = { metadata: { uid: "u" }, status: { phase: "Running", conditions: [{ type: "Ready", lastProbeTime: null }] } };
    const before = structuredClone({ target, patch });
    const out = applyMergePatchSharing(target, patch) as typeof target & { status: { conditions: unknown[] } };
    expect(out).toEqual({ ...target, status: { phase: "Running", hostIP: "10.0.0.1", conditions: [{ type: "Ready", lastProbeTime: null }] } });
    expect(out.spec).toBe(target.spec);
    expect(out.metadata.labels).toBe(target.metadata.labels);
    expect(out.metadata).not.toBe(target.metadata);
    expect(out.status).not.toBe(target.status);
    expect(out.status.conditions).not.toBe(patch.status.conditions);
    out.status.conditions.push({});
    out.status.phase = "Failed";
    expect({ target, patch }).toEqual(before);
  });
});
