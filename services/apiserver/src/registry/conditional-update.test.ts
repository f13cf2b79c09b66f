/**
 * A PUT carrying a resourceVersion is a compare-and-set against the store, not against
 * the watch cache, which may trail it (for a moment after every write; for seconds after
 * a partition healed): the client read that revision from the store.
 */
import { describe, expect, it } from "vitest";
import { ConflictError, resourceInfo, type KubeObject } from "@flotilla/api";
import { objectKey } from "@flotilla/store";
import { ApiService } from "./service.ts";

const configmaps = resourceInfo("", "configmaps")!;

/** A store in memory, and a cache that stops following it while `lagging` is set. */
function service() {
  const values = new Map<string, { value: KubeObject; revision: number }>();
  const cache = new Map<string, KubeObject>();
  let revision = 1;
  const state = { lagging: false, storeReads: 0 };
  const put = (key: string, value: unknown) => {
    const obj = value as KubeObject;
    values.set(key, { value: obj, revision: ++revision });
    if (!state.lagging) cache.set(key, { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } });
    return revision;
  };
  cache.set(objectKey("namespaces", undefined, "default"), { apiVersion: "v1", kind: "Namespace", metadata: { name: "default", resourceVersion: "1" }, spec: {}, status: { phase: "Active" } });
  const store = {
    create: async (key: string, value: unknown) => put(key, value),
    update: async (key: string, value: unknown, rev: number) => {
      if (values.get(key)?.revision !== rev) throw Object.assign(new Error("revision mismatch"), { name: "RevisionMismatchError" });
      return put(key, value);
    },
    get: async (key: string) => {
      state.storeReads++;
      const e = values.get(key);
      return e && { key, revision: e.revision, value: structuredClone(e.value) };
    },
  };
  const svc = new ApiService(store as never, { get: (_r: string, key: string) => cache.get(key) } as never, {} as never);
  return { svc, state };
}

const cm = (data: Record<string, string>, resourceVersion?: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", ...(resourceVersion ? { resourceVersion } : {}) }, data });
const rv = (o: KubeObject) => o.metadata.resourceVersion!;

describe("update with a resourceVersion while the cache trails the store", () => {
  it("succeeds when the client's revision is the store's, though the cache holds an older one", async () => {
    const { svc, state } = service();
    const first = await svc.create(configmaps, "default", cm({ n: "1" }), {});
    state.lagging = true;
    const second = await svc.update(configmaps, "default", "c", cm({ n: "2" }, rv(first.object)), {});
    // The client read the new revision from the store; the cache still has the first.
    const third = await svc.update(configmaps, "default", "c", cm({ n: "3" }, rv(second.object)), {});
    expect(Number(rv(third.object))).toBeGreaterThan(Number(rv(second.object)));
    expect(third.object["data"]).toEqual({ n: "3" });
  });

  it("is still a conflict when the client's revision is older than the store's", async () => {
    const { svc, state } = service();
    const first = await svc.create(configmaps, "default", cm({ n: "1" }), {});
    await svc.update(configmaps, "default", "c", cm({ n: "2" }, rv(first.object)), {});
    state.lagging = true;
    await svc.update(configmaps, "default", "c", cm({ n: "3" }), {});
    const reads = state.storeReads;
    // Older than what the cache holds: a conflict without asking the store.
    await expect(svc.update(configmaps, "default", "c", cm({ n: "4" }, rv(first.object)), {})).rejects.toBeInstanceOf(ConflictError);
    expect(state.storeReads).toBe(reads);
  });

  it("asks the store only when the client is ahead of the cache", async () => {
    const { svc, state } = service();
    const first = await svc.create(configmaps, "default", cm({ n: "1" }), {});
    const reads = state.storeReads;
    await svc.update(configmaps, "default", "c", cm({ n: "2" }, rv(first.object)), {});
    expect(state.storeReads).toBe(reads);
  });
});
