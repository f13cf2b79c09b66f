import { describe, expect, it } from "vitest";
import { stripManagedFields } from "./informer.ts";

describe("informer transform", () => {
  it("stripManagedFields drops managedFields only, without touching the input", () => {
    const obj = { kind: "Pod", metadata: { name: "p", resourceVersion: "5", managedFields: [{ manager: "kubectl" }] }, spec: { a: 1 } };
    const out = stripManagedFields(obj);
    expect(out).toEqual({ kind: "Pod", metadata: { name: "p", resourceVersion: "5" }, spec: { a: 1 } });
    expect(obj.metadata.managedFields).toHaveLength(1);
    const bare = { metadata: { name: "q" } };
    expect(stripManagedFields(bare)).toBe(bare);
  });
});
