/**
 * The actors' API over NATS: request/reply with typed errors, and watches that survive
 * the death of the apiserver serving them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { AlreadyExistsError, ConflictError, InvalidError, NotFoundError, type KubeObject, type WatchEvent } from "@flotilla/api";
import { ApiClient } from "@flotilla/bus";
import { startNatsServer, type NatsServerHandle } from "../support/nats.ts";
import { startReplica, type Replica } from "../support/apiserver.ts";

let nats: NatsServerHandle;
let a: Replica;
let b: Replica;
let nc: NatsConnection;
let client: ApiClient;

const cm = (name: string, data: Record<string, string> = {}): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  a = await startReplica(nats.url, "apiserver-a");
  b = await startReplica(nats.url, "apiserver-b");
  nc = await connect({ servers: nats.url });
  client = new ApiClient(nc);
});
afterAll(async () => {
  await nc?.close();
  await a?.stop();
  await b?.stop();
  await nats?.stop();
});

describe("bus api", () => {
  it("creates, reads, updates and deletes with typed errors", async () => {
    const created = await client.create("configmaps", "default", cm("bus-1", { a: "1" }));
    expect(created.metadata.uid).toBeTruthy();
    await expect(client.create("configmaps", "default", cm("bus-1"))).rejects.toBeInstanceOf(AlreadyExistsError);
    const got = await client.get("configmaps", "default", "bus-1");
    expect(got.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const updated = await client.update("configmaps", { ...got, data: { a: "2" } });
    await expect(client.update("configmaps", { ...got, data: { a: "3" } })).rejects.toBeInstanceOf(ConflictError);
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(got.metadata.resourceVersion));
    const patched = await client.patch("configmaps", "default", "bus-1", "application/merge-patch+json", { data: { b: "x" } });
    expect(patched["data"]).toEqual({ a: "2", b: "x" });
    await expect(client.create("configmaps", "default", cm("Bad_Name"))).rejects.toBeInstanceOf(InvalidError);
    await client.delete("configmaps", "default", "bus-1");
    await expect(client.get("configmaps", "default", "bus-1")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lists with label selectors, served by any replica", async () => {
    await client.create("configmaps", "default", { ...cm("sel-a"), metadata: { name: "sel-a", labels: { team: "a" } } });
    await client.create("configmaps", "default", { ...cm("sel-b"), metadata: { name: "sel-b", labels: { team: "b" } } });
    const list = await client.list("configmaps", "default", { labelSelector: "team=a" });
    expect(list.items.map((i) => i.metadata.name)).toEqual(["sel-a"]);
  });

  it("a client that does not want managedFields gets none, in replies, lists and watch events; others still do", async () => {
    const lean = new ApiClient(nc, { managedFields: false });
    await client.create("namespaces", undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "lean" } });
    const fields = (o: KubeObject) => o.metadata.managedFields;
    const start = await lean.list("configmaps", "lean");
    const w = lean.watch("configmaps", "lean", { resourceVersion: start.metadata.resourceVersion! });
    const full = await client.create("configmaps", "lean", cm("mf-1", { a: "1" }));
    expect(fields(full)).toHaveLength(1);
    expect(fields(await lean.get("configmaps", "lean", "mf-1"))).toBeUndefined();
    expect(fields(await client.get("configmaps", "lean", "mf-1"))).toEqual(fields(full));
    const patched = await lean.patch("configmaps", "lean", "mf-1", "application/merge-patch+json", { data: { b: "2" } }, { fieldManager: "lean-writer" });
    expect(fields(patched)).toBeUndefined();
    // Left out of what this client reads, not out of the object: the write was recorded.
    expect(fields(await client.get("configmaps", "lean", "mf-1"))?.map((e) => e.manager)).toContain("lean-writer");
    expect((await lean.list("configmaps", "lean")).items.map(fields)).toEqual([undefined]);
    const seen: WatchEvent[] = [];
    for await (const ev of w) {
      seen.push(ev);
      if (seen.length === 2) break;
    }
    w.stop();
    expect(seen.map((e) => [e.type, fields(e.object)])).toEqual([
      ["ADDED", undefined],
      ["MODIFIED", undefined],
    ]);
  });

  it("a watch resumes on another apiserver when its own dies, losing and repeating nothing", async () => {
    const start = await client.list("configmaps", "watched");
    const w = client.watch("configmaps", "watched", { resourceVersion: start.metadata.resourceVersion!, heartbeatMs: 200 });
    const seen: WatchEvent[] = [];
    const done = (async () => {
      for await (const e of w) {
        seen.push(e);
        if (seen.length === 20) break;
      }
    })();
    await client.create("namespaces", undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "watched" } });
    for (let i = 0; i < 10; i++) await client.create("configmaps", "watched", cm(`w-${i}`));
    // Kill whichever replica serves the watch: stop both in turn around a restart of one.
    await a.stop();
    a = await startReplica(nats.url, "apiserver-a2");
    await b.stop();
    for (let i = 10; i < 20; i++) await client.create("configmaps", "watched", cm(`w-${i}`));
    await done;
    expect(seen.map((e) => e.type)).toEqual(Array(20).fill("ADDED"));
    expect(seen.map((e) => e.object.metadata.name)).toEqual(Array.from({ length: 20 }, (_, i) => `w-${i}`));
    const rvs = seen.map((e) => Number(e.object.metadata.resourceVersion));
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
    b = await startReplica(nats.url, "apiserver-b2");
  });
});
