import { describe, expect, it } from "vitest";
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import type { KubeObject } from "@flotilla/api";

describe("label selectors", () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ["app=web", { app: "web" }, true],
    ["app==web", { app: "web" }, true],
    ["app=web", { app: "db" }, false],
    ["app!=web", {}, true],
    ["app!=web", { app: "web" }, false],
    ["env in (prod, staging)", { env: "staging" }, true],
    ["env in (prod,staging)", {}, false],
    ["env notin (prod)", {}, true],
    ["env notin (prod)", { env: "prod" }, false],
    ["canary", { canary: "" }, true],
    ["!canary", { canary: "x" }, false],
    ["app=web,env in (a,b),!canary", { app: "web", env: "b" }, true],
    ["example.com/tier=front", { "example.com/tier": "front" }, true],
    ["", { a: "b" }, true],
  ];
  it.each(cases)("selector %j against %j → %s", (sel, labels, want) => {
    expect(matchLabels(parseLabelSelector(sel), labels)).toBe(want);
  });

  it("rejects a malformed key with a 400 naming it", () => {
    expect(() => parseLabelSelector("-bad=x")).toThrow(/invalid label key "-bad"/);
    expect(() => parseLabelSelector("a=b c")).toThrow(/invalid label value/);
  });
});

describe("field selectors", () => {
  const pod = { metadata: { name: "p", namespace: "default" }, spec: { nodeName: "n1" }, status: { phase: "Running" } } as KubeObject;
  it("matches the fields kubectl describe node uses", () => {
    const sel = parseFieldSelector("spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed", "pods");
    expect(matchFields(sel, pod)).toBe(true);
    expect(matchFields(parseFieldSelector("spec.nodeName=n2", "pods"), pod)).toBe(false);
    expect(matchFields(parseFieldSelector("metadata.name=p", "pods"), pod)).toBe(true);
  });
  it("rejects fields the resource does not index", () => {
    expect(() => parseFieldSelector("spec.nodeName=n1", "configmaps")).toThrow(/field label not supported: spec.nodeName/);
  });
});
