import { describe, expect, it } from "vitest";
import { deepFreeze, template } from "./fixtures.ts";
import { canonicalJson, fnv1a32, normalizeTemplate, safeEncodeString, templateHash, templatesEqual } from "./template.ts";
import type { PodTemplateLike } from "./types.ts";

/** What `kubectl rollout undo` sends back: the ReplicaSet's template through Go's encoder. */
function asUndoSends(t: PodTemplateLike): PodTemplateLike {
  const labels = { ...(t.metadata?.labels ?? {}), "pod-template-hash": "5d8f7c9b4" };
  const containers = (t.spec?.containers ?? []).map((c) => ({ ...c, resources: {} }));
  return JSON.parse(JSON.stringify({ spec: { ...t.spec, containers }, metadata: { creationTimestamp: null, labels } })) as PodTemplateLike;
}

function reordered(t: PodTemplateLike): PodTemplateLike {
  const c = t.spec?.containers?.[0];
  return JSON.parse(JSON.stringify({ spec: { dnsPolicy: t.spec?.dnsPolicy, containers: [{ imagePullPolicy: c?.imagePullPolicy, image: c?.image, name: c?.name }], restartPolicy: t.spec?.restartPolicy }, metadata: t.metadata })) as PodTemplateLike;
}

function withImage(t: PodTemplateLike, image: string): PodTemplateLike {
  const copy = structuredClone(t);
  copy.spec!.containers[0]!.image = image;
  return copy;
}

describe("deployment templates: normalising", () => {
  it("deployment: normalising drops the hash label, creationTimestamp and every null, empty object and empty array", () => {
    const input = deepFreeze(
      JSON.parse(
        JSON.stringify({
          metadata: { creationTimestamp: null, labels: { app: "web", "pod-template-hash": "abc" }, annotations: {} },
          spec: { containers: [{ name: "web", image: "nginx", resources: {}, env: [], args: null, securityContext: { capabilities: {} } }], volumes: [] },
        }),
      ) as PodTemplateLike,
    );
    expect(normalizeTemplate(input)).toEqual({ metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } });
  });

  it("deployment: normalising keeps false, 0, empty strings and the positions of array elements", () => {
    const input = JSON.parse('{"spec":{"hostNetwork":false,"containers":[{},{"name":"b","ports":[{"containerPort":0}],"command":[""]}]}}') as PodTemplateLike;
    expect(normalizeTemplate(input)).toEqual({ spec: { hostNetwork: false, containers: [{}, { name: "b", ports: [{ containerPort: 0 }], command: [""] }] } });
  });

  it("deployment: a template whose only label is the hash normalises to no metadata at all", () => {
    expect(normalizeTemplate({ metadata: { labels: { "pod-template-hash": "x" } } })).toEqual({});
    expect(normalizeTemplate(undefined)).toEqual({});
  });

  it("deployment: normalising returns a copy and leaves a frozen input alone", () => {
    const input = deepFreeze(template("v1"));
    const out = normalizeTemplate(input);
    out.spec!.containers[0]!.image = "changed";
    expect(input.spec?.containers[0]?.image).toBe("nginx:v1");
  });

  it("deployment: canonical JSON sorts keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});

describe("deployment templates: equality", () => {
  const v1 = template("v1");
  it.each([
    { name: "the same template in another key order", other: reordered(v1), equal: true },
    { name: "what kubectl rollout undo sends back (creationTimestamp null, resources {}, the hash label)", other: asUndoSends(v1), equal: true },
    { name: "a template with another image", other: withImage(v1, "nginx:v2"), equal: false },
    { name: "a template with another label", other: { ...v1, metadata: { labels: { app: "web", tier: "front" } } }, equal: false },
  ])("deployment: a template equals $name: $equal", ({ other, equal }) => {
    expect(templatesEqual(v1, other)).toBe(equal);
    expect(templatesEqual(other, v1)).toBe(equal);
  });

  it("deployment: container order matters (it is a list, not a set)", () => {
    const two: PodTemplateLike = { spec: { containers: [{ name: "a" }, { name: "b" }] } };
    const swapped: PodTemplateLike = { spec: { containers: [{ name: "b" }, { name: "a" }] } };
    expect(templatesEqual(two, swapped)).toBe(false);
  });
});

describe("deployment templates: hashing", () => {
  const v1 = template("v1");

  it("deployment: FNV-1a 32 matches the published test vectors", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(fnv1a32(enc(""))).toBe(0x811c9dc5);
    expect(fnv1a32(enc("a"))).toBe(0xe40c292c);
    expect(fnv1a32(enc("foobar"))).toBe(0xbf9cf968);
  });

  it("deployment: safe encoding maps the decimal digits as Kubernetes' SafeEncodeString does", () => {
    expect(safeEncodeString("0123456789")).toBe("456789bcdf");
  });

  it.each([
    { name: "key order", other: reordered(v1) },
    { name: "creationTimestamp: null, resources: {} and the hash label", other: asUndoSends(v1) },
  ])("deployment: the template hash ignores $name", ({ other }) => {
    expect(templateHash(other)).toBe(templateHash(v1));
  });

  it.each([
    { name: "another image", hash: () => templateHash(withImage(v1, "nginx:v2")) },
    { name: "a collision count of 0", hash: () => templateHash(v1, 0) },
    { name: "a collision count of 1", hash: () => templateHash(v1, 1) },
  ])("deployment: the template hash changes with $name", ({ hash }) => {
    expect(hash()).not.toBe(templateHash(v1));
  });

  it("deployment: consecutive collision counts give different hashes", () => {
    expect(templateHash(v1, 1)).not.toBe(templateHash(v1, 2));
  });

  it("deployment: the hash is stable across runs and uses only the safe alphabet", () => {
    // Pinned: a change here renames every ReplicaSet on upgrade (they are found by template, so
    // nothing breaks, but each Deployment would start a needless rollout).
    expect(templateHash(v1)).toBe(templateHash(structuredClone(v1)));
    // FNV-1a of "{}" is 1415952421; with collision count 1 appended, 648d6bd896 (checked by hand).
    expect(templateHash({})).toBe("5859f96865");
    expect(templateHash({}, 1)).toBe("648d6bd896");
    expect(templateHash(v1)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });
});
