import { describe, expect, it } from "vitest";
import { resourceInfo, type KubeObject } from "@flotilla/api";
import { nowTimestamp, prepareForCreate, prepareForUpdate, qosClass, sameObject } from "./strategy.ts";
import { parseCidr } from "./allocators.ts";

const deployments = resourceInfo("apps", "deployments")!;
const configmaps = resourceInfo("", "configmaps")!;
const NOW = new Date("2026-11-21T10:00:00.123Z");

const deploy = (replicas: number, status: unknown = undefined): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", uid: "u1", creationTimestamp: "2026-01-01T00:00:00Z", generation: 3, resourceVersion: "9" },
  spec: { replicas },
  ...(status === undefined ? {} : { status }),
});

describe("strategy: create", () => {
  it("sets identity, second-precision time, generation 1 and an empty status; drops client-set server fields", () => {
    const obj = prepareForCreate(deployments, { metadata: { name: "web", uid: "forged", resourceVersion: "5", deletionTimestamp: "x" }, spec: { replicas: 1 }, status: { replicas: 9 } }, "default", NOW);
    expect(obj.metadata).toMatchObject({ name: "web", namespace: "default", creationTimestamp: "2026-11-21T10:00:00Z", generation: 1 });
    expect(obj.metadata.uid).not.toBe("forged");
    expect(obj.metadata.resourceVersion).toBeUndefined();
    expect(obj.metadata.deletionTimestamp).toBeUndefined();
    expect(obj["status"]).toEqual({});
    expect([obj.apiVersion, obj.kind]).toEqual(["apps/v1", "Deployment"]);
  });
  it("fills generateName and refuses a namespace other than the request's", () => {
    const obj = prepareForCreate(configmaps, { metadata: { generateName: "cfg-" } }, "default", NOW);
    expect(obj.metadata.name).toMatch(/^cfg-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(obj.metadata.generation).toBeUndefined();
    expect(() => prepareForCreate(configmaps, { metadata: { name: "x", namespace: "other" } }, "default", NOW)).toThrow(/does not match the namespace/);
  });
  it("gives a new Job the selector and pod labels of its uid, unless it selects manually", () => {
    const jobs = resourceInfo("batch", "jobs")!;
    const job = prepareForCreate(jobs, { metadata: { name: "pi" }, spec: { template: { spec: { containers: [] } } } }, "default", NOW);
    const uid = job.metadata.uid!;
    const spec = job["spec"] as { selector: unknown; template: { metadata: { labels: Record<string, string> } } };
    expect(spec.selector).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
    expect(spec.template.metadata.labels).toMatchObject({ "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi", "controller-uid": uid, "job-name": "pi" });
    const manual = prepareForCreate(jobs, { metadata: { name: "m" }, spec: { manualSelector: true, selector: { matchLabels: { a: "b" } }, template: {} } }, "default", NOW);
    expect((manual["spec"] as { selector: unknown }).selector).toEqual({ matchLabels: { a: "b" } });
  });
});

describe("strategy: update", () => {
  const cases: [string, KubeObject, KubeObject, "status" | undefined, { generation: number; replicas: number; status: unknown }][] = [
    ["a spec change bumps generation, status is kept", deploy(2, { replicas: 2 }), deploy(5, { replicas: 99 }), undefined, { generation: 4, replicas: 5, status: { replicas: 2 } }],
    ["a metadata-only change keeps generation", deploy(2, { replicas: 2 }), { ...deploy(2, { replicas: 2 }), metadata: { ...deploy(2).metadata, labels: { a: "b" } } }, undefined, { generation: 3, replicas: 2, status: { replicas: 2 } }],
    ["a status write takes only status", deploy(2, { replicas: 2 }), deploy(7, { replicas: 3 }), "status", { generation: 3, replicas: 2, status: { replicas: 3 } }],
  ];
  it.each(cases)("%s", (_name, old, next, sub, want) => {
    const out = prepareForUpdate(deployments, old, structuredClone(next), sub);
    expect(out.metadata.generation).toBe(want.generation);
    expect((out["spec"] as { replicas: number }).replicas).toBe(want.replicas);
    expect(out["status"]).toEqual(want.status);
    expect(out.metadata.resourceVersion).toBeUndefined();
  });
  it("keeps identity and deletion state whatever the client sends", () => {
    const old = { ...deploy(1), metadata: { ...deploy(1).metadata, deletionTimestamp: "2026-11-21T10:00:00Z", finalizers: ["f"] } };
    const out = prepareForUpdate(deployments, old, { ...deploy(1), metadata: { name: "web", uid: "forged", creationTimestamp: "2000-01-01T00:00:00Z" } });
    expect(out.metadata).toMatchObject({ uid: "u1", creationTimestamp: "2026-01-01T00:00:00Z", deletionTimestamp: "2026-11-21T10:00:00Z", namespace: "default" });
  });
  it("sees an update that changes only resourceVersion or managedFields as no change", () => {
    expect(sameObject(deploy(1), { ...deploy(1), metadata: { ...deploy(1).metadata, resourceVersion: "10", managedFields: [] } })).toBe(true);
    expect(sameObject(deploy(1), deploy(2))).toBe(false);
  });
  it("a status write shares what it keeps with the stored object and never changes it", () => {
    const old: KubeObject = deepFreeze({ ...deploy(2, { replicas: 2 }), metadata: { ...deploy(2).metadata, labels: { app: "web" }, managedFields: [{ manager: "m", operation: "Update" as const }] } });
    const out = prepareForUpdate(deployments, old, structuredClone({ ...deploy(7, { replicas: 3 }), metadata: { name: "web" } }), "status");
    expect(out["spec"]).toBe(old["spec"]);
    expect(out["status"]).toEqual({ replicas: 3 });
    expect(out.metadata).toEqual({ ...old.metadata, resourceVersion: undefined, labels: { app: "web" } });
  });
});

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

describe("strategy: pod QoS class", () => {
  const pod = (...resources: object[]): KubeObject => ({ metadata: {}, spec: { containers: resources.map((r, i) => ({ name: `c${i}`, image: "i", resources: r })) } });
  it.each([
    ["BestEffort", pod({})],
    ["Guaranteed", pod({ limits: { cpu: "1", memory: "1Gi" } })],
    ["Guaranteed", pod({ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } })],
    ["Burstable", pod({ requests: { cpu: "100m" } })],
    ["Burstable", pod({ limits: { cpu: "1", memory: "1Gi" } }, {})],
  ] as const)("%s", (want, p) => expect(qosClass(p)).toBe(want));
});

describe("service CIDR", () => {
  it("parses IPv4 CIDRs to their network and size, and refuses what cannot hold Services", () => {
    expect(parseCidr("10.43.0.0/16")).toEqual({ base: (10 * 256 + 43) * 65536, size: 65536 });
    expect(parseCidr("10.43.7.9/24").size).toBe(256);
    for (const bad of ["10.43.0.0", "10.43.0.0/31", "300.1.1.1/16", "fd00::/108"]) expect(() => parseCidr(bad)).toThrow(/IPv4 CIDR/);
  });
  it("writes timestamps as Kubernetes does, to the second", () => {
    expect(nowTimestamp(NOW)).toBe("2026-11-21T10:00:00Z");
  });
});
