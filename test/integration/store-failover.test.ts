/**
 * libs/store against a real nats-server: compare-and-set, list, watch (replay, initial
 * state, 410 Gone, server restarts), plain-KV readability, and a 3-node R3 cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NatsConnection } from "@nats-io/transport-node";

import { KvStore, objectKey, prefixFor, type StoreWatch } from "@flotilla/store";
import { startNatsCluster, startNatsServer, type NatsClusterHandle, type NatsServerHandle } from "../support/nats.ts";

import { connectTo, createEventually, expectQuiet, freshBucket, take } from "../support/store-helpers.ts";

describe("store: watch across nats-server restarts", () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer({ jetstream: true });
    nc = await connectTo(server.url);
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  for (const how of ["restart", "kill -9"] as const) {
    it(`store: a watch continues across a nats-server ${how} without losing or repeating events`, async () => {
      const store = await KvStore.create(nc, { bucket: freshBucket() });
      const from = await store.currentRevision();
      const w: StoreWatch = await store.watch({ prefix: "pods.", fromRevision: from });
      const it = w[Symbol.asyncIterator]();
      const revisions: number[] = [];
      for (let i = 0; i < 20; i++) revisions.push(await store.create(objectKey("pods", "default", `before-${i}`), { i }));
      const first = await take(it, 10);

      const t0 = Date.now();
      if (how === "kill -9") await server.kill9();
      await server.restart();
      for (let i = 0; i < 20; i++) revisions.push(await createEventually(store, objectKey("pods", "default", `after-${i}`), { i }));
      const rest = await take(it, 30, 15_000);
      console.log(`watch resumed ${how}: all events ${Date.now() - t0} ms after the stop began`);

      const seen = [...first, ...rest].map((e) => e.revision);
      expect(seen).toEqual(revisions);
      await expectQuiet(it, 300);
      await store.close();
    });
  }
});

describe("store: 3-node cluster, replicas 3", () => {
  let cluster: NatsClusterHandle;
  const conns: NatsConnection[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
  });
  afterAll(async () => {
    for (const c of conns) await c.close();
    await cluster?.stop();
  });

  // Retried: a list through a 3-node R3 cluster on 2 cores stalled past the 4 s
  // snapshot limit in 2 of ~10 full runs (known since 2026-11-22, see bench/RESULTS.md).
  it("store: writes on one connection are read back through another server", { retry: 2 }, async () => {
    const [u1, , u3] = cluster.urls as [string, string, string];
    const a = await connectTo(u1);
    const b = await connectTo(u3);
    conns.push(a, b);
    const bucket = freshBucket();
    const writer = await KvStore.create(a, { bucket, replicas: 3 });
    const reader = await KvStore.create(b, { bucket, replicas: 3 });
    const jsm = await import("@nats-io/jetstream").then((m) => m.jetstreamManager(b));
    expect((await jsm.streams.info(`KV_${bucket}`)).config.num_replicas).toBe(3);

    const key = objectKey("leases", "kube-system", "scheduler");
    let rev = await writer.create(key, { n: 0 });
    for (let n = 1; n <= 100; n++) {
      rev = await writer.update(key, { n }, rev);
      const got = await reader.get(key);
      expect(got).toEqual({ key, revision: rev, value: { n } });
      if (n % 5 === 0) {
        const listed = await reader.list(prefixFor("leases"));
        expect(listed.items).toEqual([{ key, revision: rev, value: { n } }]);
        expect(listed.revision).toBeGreaterThanOrEqual(rev);
        expect(await reader.currentRevision()).toBeGreaterThanOrEqual(rev);
      }
    }
    const w = await reader.watch({ prefix: "leases.", fromRevision: rev });
    const next = await writer.update(key, { n: 101 }, rev);
    expect(await take(w[Symbol.asyncIterator](), 1)).toEqual([{ type: "put", key, revision: next, value: { n: 101 } }]);
    await writer.close();
    await reader.close();
  });

  it("store: a watch survives kill -9 of the server hosting its consumer, without loss or repeats", async () => {
    const bucket = freshBucket();
    const conns3 = await Promise.all(cluster.urls.map((u) => connectTo(u)));
    conns.push(...conns3);
    const stores = await Promise.all(conns3.map((c) => KvStore.create(c, { bucket, replicas: 3 })));
    const w = await (stores[0] as KvStore).watch({ prefix: "pods.", fromRevision: 0 });
    const jsm = await import("@nats-io/jetstream").then((m) => m.jetstreamManager(conns3[0] as NatsConnection));
    let host = "";
    for await (const ci of jsm.consumers.list(`KV_${bucket}`)) host = ci.cluster?.leader ?? "";
    const victim = cluster.servers.findIndex((s) => s.name === host);
    expect(victim).toBeGreaterThanOrEqual(0);
    const writer = stores[(victim + 1) % 3] as KvStore;

    const revisions: number[] = [];
    for (let i = 0; i < 10; i++) revisions.push(await writer.create(objectKey("pods", "default", `before-${i}`), { i }));
    await cluster.servers[victim]?.kill9();
    // Writes stall for the leader election when the victim led the stream (4-9 s measured).
    for (let i = 0; i < 10; i++) revisions.push(await createEventually(writer, objectKey("pods", "default", `after-${i}`), { i }));
    const seen = await take(w[Symbol.asyncIterator](), 20, 30_000);
    expect(seen.map((e) => e.revision)).toEqual(revisions);
    w.stop();
    for (const s of stores) await s.close();
  });
});
