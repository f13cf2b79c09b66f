import { describe, expect, it } from "vitest";
import { contentCondition, remainingMessage } from "./logic.ts";

describe("namespace controller wording", () => {
  it("namespace: says what remains, by resource, as Kubernetes does", () => {
    expect(remainingMessage(new Map([["services", 1], ["pods", 2]]))).toBe("pods has 2 resource instances, services has 1 resource instances");
    const c = contentCondition("pods has 2 resource instances", Date.parse("2026-11-22T10:00:00Z"));
    expect(c).toEqual({ type: "NamespaceContentRemaining", status: "True", reason: "SomeResourcesRemain", message: "Some resources are remaining: pods has 2 resource instances", lastTransitionTime: "2026-11-22T10:00:00Z" });
  });
});
