/**
 * Kubernetes watch semantics from the watch cache: selector transitions, resumption
 * from a resourceVersion, 410 past the history kept, and reads that see every
 * acknowledged write whichever replica serves them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { GoneError, type KubeObject, type WatchEvent } from "@flotilla/api";
import { ApiClient, type BusWatch } from "@flotilla/bus";
import { startNatsServer, type NatsServerHandle } from "../support/nats.ts";
import { startReplica, type Replica } from "../support/apiserver.ts";

let nats: NatsServerHandle;
let replicas: Replica[];
let nc: NatsConnection;
let client: ApiClient;

const cm = (name: string, labels: Record<string, string>, data: Record<string, string> = {}): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data });

async function next(it: AsyncIterator<WatchEvent>, timeoutMs = 5000): Promise<WatchEvent> {
  const r = await Promise.race([it.next(), new Promise<never>((_, rej) => setTimeout(() => rej(new Error("no event in time")), timeoutMs))]);
  if (r.done) throw new Error("watch ended");
  return r.value;
}

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  // A short history makes "older than the history kept" reachable in a test.
  replicas = [await startReplica(nats.url, "apiserver-a", { watchHistoryPerResource: 20 }), await startReplica(nats.url, "apiserver-b", { watchHistoryPerResource: 20 })];
  nc = await connect({ servers: nats.url });
  client = new ApiClient(nc);
});
afterAll(async () => {
  await nc?.close();
  for (const r of replicas ?? []) await r.stop();
  await nats?.stop();
});

describe("watch semantics", () => {
  it("an object whose labels stop matching leaves a selective watch as DELETED and comes back as ADDED", async () => {
    const w: BusWatch = client.watch("configmaps", "default", { labelSelector: "tier=web" });
    const it = w[Symbol.asyncIterator]();
    try {
      await client.create("configmaps", "default", cm("moving", { tier: "web" }));
      expect(await next(it)).toMatchObject({ type: "ADDED", object: { metadata: { name: "moving" } } });
      await client.patch("configmaps", "default", "moving", "application/merge-patch+json", { metadata: { labels: { tier: "db" } } });
      expect(await next(it)).toMatchObject({ type: "DELETED", object: { metadata: { name: "moving" } } });
      await client.patch("configmaps", "default", "moving", "application/merge-patch+json", { data: { x: "1" } });
      await client.patch("configmaps", "default", "moving", "application/merge-patch+json", { metadata: { labels: { tier: "web" } } });
      const back = await next(it);
      expect(back).toMatchObject({ type: "ADDED", object: { data: { x: "1" } } });
    } finally {
      w.stop();
    }
  });

  it("a watch from a resourceVersion replays exactly the changes after it", async () => {
    const a = await client.create("configmaps", "default", cm("replay-a", {}));
    const b = await client.create("configmaps", "default", cm("replay-b", {}));
    await client.delete("configmaps", "default", "replay-a");
    const w = client.watch("configmaps", "default", { resourceVersion: a.metadata.resourceVersion! });
    const it = w[Symbol.asyncIterator]();
    try {
      expect(await next(it)).toMatchObject({ type: "ADDED", object: { metadata: { name: "replay-b", resourceVersion: b.metadata.resourceVersion } } });
      const del = await next(it);
      expect(del.type).toBe("DELETED");
      expect(del.object.metadata.name).toBe("replay-a");
      expect(Number(del.object.metadata.resourceVersion)).toBeGreaterThan(Number(b.metadata.resourceVersion));
    } finally {
      w.stop();
    }
  });

  it("a watch from before the history kept gets 410 Gone", async () => {
    const first = await client.create("configmaps", "default", cm("old-0", {}));
    for (let i = 1; i <= 30; i++) await client.create("configmaps", "default", cm(`old-${i}`, {}));
    const w = client.watch("configmaps", "default", { resourceVersion: first.metadata.resourceVersion! });
    const err = await (async () => {
      for await (const _ of w) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GoneError);
  });

  it("nothing can be created in a namespace that does not exist", async () => {
    await expect(client.create("configmaps", "nowhere", cm("x", {}))).rejects.toThrow('namespaces "nowhere" not found');
  });

  it("a list right after an acknowledged write sees it, whichever replica answers", async () => {
    await client.create("namespaces", undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "rw" } });
    for (let i = 0; i < 40; i++) {
      const made = await client.create("configmaps", "rw", cm(`rw-${i}`, {}));
      const list = await client.list("configmaps", "rw");
      expect(list.items.map((o) => o.metadata.name)).toContain(`rw-${i}`);
      expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(made.metadata.resourceVersion));
    }
  });
});
