/**
 * Patches and updates hand tryUpdate the cached object itself (no copy): every write
 * flavour must leave it as it was. The cached objects here are deep-frozen, so any
 * write into one throws.
 */
import { describe, expect, it } from "vitest";
import { resourceInfo, type KubeObject } from "@flotilla/api";
import { objectKey } from "@flotilla/store";
import { ApiService } from "./service.ts";
import { PatchType, patchObject } from "./patching.ts";
import { bindPod } from "./binding.ts";

const pods = resourceInfo("", "pods")!;

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** A store and watch cache in memory; the cache holds each written object, frozen, as the apiserver's shares it. */
function service(): { svc: ApiService; cached: (name: string) => KubeObject; put: (key: string, value: unknown) => number; cache: Map<string, KubeObject> } {
  const values = new Map<string, { value: KubeObject; revision: number }>();
  const cache = new Map<string, KubeObject>();
  let revision = 1;
  const put = (key: string, value: unknown) => {
    const obj = value as KubeObject;
    values.set(key, { value: obj, revision: ++revision });
    cache.set(key, deepFreeze({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } }));
    return revision;
  };
  cache.set(objectKey("namespaces", undefined, "default"), deepFreeze({ apiVersion: "v1", kind: "Namespace", metadata: { name: "default", resourceVersion: "1" }, spec: {}, status: { phase: "Active" } }));
  const store = {
    create: async (key: string, value: unknown) => put(key, value),
    update: async (key: string, value: unknown, rev: number) => {
      if (values.get(key)?.revision !== rev) throw new Error("revision mismatch");
      return put(key, value);
    },
    get: async (key: string) => {
      const e = values.get(key);
      return e && { key, revision: e.revision, value: structuredClone(e.value) };
    },
  };
  const svc = new ApiService(store as never, { get: (_r: string, key: string) => cache.get(key) } as never, {} as never);
  return { svc, cached: (name) => cache.get(objectKey("pods", "default", name))!, put, cache };
}

async function created(): Promise<ReturnType<typeof service>> {
  const s = service();
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "web", labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1" }] } };
  await s.svc.create(pods, "default", pod, { fieldManager: "creator" });
  await bindPod(s.svc, pods, "default", "web", { target: { name: "node-1" } }, { fieldManager: "scheduler" });
  return s;
}

const status = { phase: "Running", conditions: [{ type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: "2026-11-22T10:00:00Z" }] };

describe("patches and updates leave the cached object alone", () => {
  it.each([
    ["a merge patch of status", PatchType.Merge, { metadata: { uid: "x" }, status }, "status"],
    ["a strategic merge patch", PatchType.Strategic, { metadata: { labels: { tier: "front" } }, spec: { containers: [{ name: "web", image: "nginx:2" }] } }, undefined],
    ["a JSON patch", PatchType.Json, [{ op: "add", path: "/metadata/annotations", value: { a: "b" } }], undefined],
    ["a server-side apply", PatchType.Apply, { apiVersion: "v1", kind: "Pod", metadata: { name: "web", labels: { owner: "ops" } } }, undefined],
    ["a server-side apply of status", PatchType.Apply, { apiVersion: "v1", kind: "Pod", metadata: { name: "web" }, status: { phase: "Running" } }, "status"],
  ] as const)("patching: %s", async (_name, type, patch, subresource) => {
    const { svc, cached } = await created();
    const before = cached("web");
    const snapshot = structuredClone(before);
    const body = structuredClone(patch) as Record<string, unknown>;
    if (type === PatchType.Merge) (body.metadata as { uid: unknown }).uid = before.metadata.uid;
    const { object } = await patchObject(svc, pods, "default", "web", type, body, { fieldManager: "ops", ...(subresource ? { subresource } : {}) });
    expect(before).toEqual(snapshot);
    expect(object.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
    expect(cached("web")).toEqual(object);
  });

  it("patching: a status patch keeps the spec and records the writer's status fields", async () => {
    const { svc, cached } = await created();
    const before = cached("web");
    const { object } = await patchObject(svc, pods, "default", "web", PatchType.Merge, { metadata: { uid: before.metadata.uid }, status }, { fieldManager: "kubelet", subresource: "status" });
    expect(object["spec"]).toEqual(before["spec"]);
    expect((object["status"] as { phase: string }).phase).toBe("Running");
    const entry = object.metadata.managedFields?.find((e) => e.manager === "kubelet");
    expect(entry).toMatchObject({ operation: "Update", subresource: "status" });
    expect(Object.keys(entry?.fieldsV1 ?? {})).toEqual(["f:status"]);
  });

  it.each([
    ["an update", undefined],
    ["an update of status", "status"],
  ] as const)("patching: %s", async (_name, subresource) => {
    const { svc, cached } = await created();
    const before = cached("web");
    const snapshot = structuredClone(before);
    const next = structuredClone(before) as KubeObject & { status: { phase: string } };
    next.metadata.labels = { app: "web", tier: "front" };
    next.status.phase = "Running";
    const { object } = await svc.update(pods, "default", "web", next, { fieldManager: "editor", ...(subresource ? { subresource } : {}) });
    expect(before).toEqual(snapshot);
    expect(object.metadata.labels).toEqual({ app: "web", tier: "front" });
    expect((object["status"] as { phase: string }).phase).toBe(subresource ? "Running" : "Pending");
  });

  it.each([
    ["that changes status", { status: { conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: "2026-11-22T10:00:01Z" }] } }],
    ["that leaves status alone", { metadata: { labels: { zone: "a" } } }],
  ])("patching: a status patch %s, of an object stored before one of its status defaults existed, defaults the copy it writes", async (_name, patch) => {
    const { svc, put, cache } = service();
    const nodes = resourceInfo("", "nodes")!;
    const key = objectKey("nodes", undefined, "n1");
    // Stored without status.allocatable, which defaulting now derives from capacity.
    put(key, { apiVersion: "v1", kind: "Node", metadata: { name: "n1", uid: "u1", creationTimestamp: "2026-11-22T10:00:00Z" }, spec: {}, status: { capacity: { cpu: "2" } } });
    const before = cache.get(key)!;
    const snapshot = structuredClone(before);
    const { object } = await patchObject(svc, nodes, undefined, "n1", PatchType.Merge, structuredClone(patch), { fieldManager: "kubelet", subresource: "status" });
    expect(before).toEqual(snapshot);
    expect(object["status"]).toMatchObject({ capacity: { cpu: "2" }, allocatable: { cpu: "2" } });
    expect(object["spec"]).toBe(before["spec"]);
  });

  it("patching: a status a kubelet builds from the bound pod reads back unchanged once stored, so its next report is not another write", async () => {
    const { svc, cached } = await created();
    type Condition = { type: string; lastProbeTime?: null };
    // As the kubelet builds it: the pod's PodScheduled condition as read, its own with lastProbeTime null.
    const build = (pod: KubeObject) => ({
      phase: "Running",
      conditions: [...((pod["status"] as { conditions: Condition[] }).conditions.filter((c) => c.type === "PodScheduled")), { type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: "2026-11-22T10:00:00Z" }],
    });
    const first = build(cached("web"));
    await patchObject(svc, pods, "default", "web", PatchType.Merge, { metadata: { uid: cached("web").metadata.uid }, status: structuredClone(first) }, { fieldManager: "kubelet", subresource: "status" });
    expect(JSON.stringify(build(cached("web")))).toBe(JSON.stringify(first));
  });
});
