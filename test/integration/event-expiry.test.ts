/**
 * Events expire on their own eventTtlMs after their last write, as Kubernetes' events do
 * with etcd leases: the apiserver's store puts a TTL on every event write, nats-server
 * removes the value at its deadline and leaves a marker, and the watch cache turns the
 * marker into a DELETED for watchers and drops the event from lists.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { NotFoundError, type KubeList, type KubeObject, type WatchEvent } from "@flotilla/api";
import { ApiClient } from "@flotilla/bus";
import { startNatsServer, type NatsServerHandle } from "../support/nats.ts";
import { startReplica, type Replica } from "../support/apiserver.ts";
import { api, type ApiTarget } from "../support/https.ts";

const EVENT_TTL_MS = 2000;

let nats: NatsServerHandle;
let replica: Replica;
let nc: NatsConnection;
let client: ApiClient;
let https: ApiTarget;

function event(name: string): KubeObject {
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name, namespace: "default" },
    involvedObject: { kind: "Pod", name: "web", namespace: "default", apiVersion: "v1" },
    reason: "Testing",
    message: `event ${name}`,
    type: "Normal",
    source: { component: "event-expiry-test" },
    firstTimestamp: stamp,
    lastTimestamp: stamp,
    count: 1,
  } as KubeObject;
}

/** Names in `kubectl get events -n default`: the HTTP list kubectl sends. */
async function listedEvents(): Promise<string[]> {
  const res = await api(https, "GET", "/api/v1/namespaces/default/events");
  expect(res.status).toBe(200);
  return res.json<KubeList>().items.map((e) => e.metadata.name!).sort();
}

/** Watch events until `n` have arrived or `timeoutMs` passes; each with its arrival time. */
async function collect(it: AsyncIterator<WatchEvent>, n: number, timeoutMs: number): Promise<{ ev: WatchEvent; atMs: number }[]> {
  const out: { ev: WatchEvent; atMs: number }[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${out.length}/${n} watch events in ${timeoutMs} ms: ${JSON.stringify(out.map((o) => [o.ev.type, o.ev.object.metadata.name]))}`)), Math.max(deadline - Date.now(), 1));
    });
    try {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done) throw new Error("watch ended");
      out.push({ ev: r.value, atMs: Date.now() });
    } finally {
      clearTimeout(timer);
    }
  }
  return out;
}

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  replica = await startReplica(nats.url, "apiserver-events", { eventTtlMs: EVENT_TTL_MS });
  nc = await connect({ servers: nats.url });
  client = new ApiClient(nc);
  https = { port: replica.api.port, ca: replica.api.caCertPem, token: replica.api.adminToken };
});
afterAll(async () => {
  await nc?.close();
  await replica?.stop();
  await nats?.stop();
});

describe("event expiry", () => {
  it("events: an event expires eventTtlMs after its last write (gone from get and list, DELETED to watchers), a patched one lives past its first deadline, a ConfigMap stays", async () => {
    const w = client.watch("events", "default", {});
    const it = w[Symbol.asyncIterator]();
    try {
      const t0 = Date.now();
      const short = await client.create("events", "default", event("short"));
      const patched = await client.create("events", "default", event("patched"));
      await client.create("configmaps", "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "written-with-the-events" }, data: { a: "1" } });
      const added = await collect(it, 2, 5000);
      expect(added.map((a) => [a.ev.type, a.ev.object.metadata.name])).toEqual([["ADDED", "short"], ["ADDED", "patched"]]);

      // Halfway through its TTL, the recorder's kind of write: a merge patch of the count.
      await new Promise((r) => setTimeout(r, EVENT_TTL_MS / 2));
      const bumped = await client.patch("events", "default", "patched", "application/merge-patch+json", { count: 2 });
      const [modified, shortGone] = await collect(it, 2, 10_000);
      expect([modified!.ev.type, modified!.ev.object.metadata.name]).toEqual(["MODIFIED", "patched"]);
      expect([shortGone!.ev.type, shortGone!.ev.object.metadata.name]).toEqual(["DELETED", "short"]);
      expect(shortGone!.atMs - t0).toBeGreaterThanOrEqual(EVENT_TTL_MS - 100);
      expect(Number(shortGone!.ev.object.metadata.resourceVersion)).toBeGreaterThan(Number(bumped.metadata.resourceVersion));
      await expect(client.get("events", "default", "short")).rejects.toBeInstanceOf(NotFoundError);
      expect(await listedEvents()).toEqual(["patched"]);

      // A watch resumed from before the expiry replays it, as an informer's re-watch would.
      const resumed = client.watch("events", "default", { resourceVersion: short.metadata.resourceVersion! });
      const replay = await collect(resumed[Symbol.asyncIterator](), 3, 5000).finally(() => resumed.stop());
      expect(replay.map((r) => [r.ev.type, r.ev.object.metadata.name])).toEqual([["ADDED", "patched"], ["MODIFIED", "patched"], ["DELETED", "short"]]);

      // The patch renewed the TTL: "patched" outlives its first deadline (t0 + TTL).
      const [patchedGone] = await collect(it, 1, 10_000);
      expect([patchedGone!.ev.type, patchedGone!.ev.object.metadata.name]).toEqual(["DELETED", "patched"]);
      expect(patchedGone!.atMs - t0).toBeGreaterThanOrEqual(EVENT_TTL_MS * 1.5 - 100);
      expect(patched.metadata.resourceVersion).not.toBe(bumped.metadata.resourceVersion);
      await expect(client.get("events", "default", "patched")).rejects.toBeInstanceOf(NotFoundError);
      expect(await listedEvents()).toEqual([]);

      // Not an event: written at the same moment, never expires.
      expect((await client.get("configmaps", "default", "written-with-the-events")).data).toEqual({ a: "1" });

      // An expired event's name is free again, and the new event expires in its turn.
      await client.create("events", "default", event("short"));
      const again = await collect(it, 2, 10_000);
      expect(again.map((a) => [a.ev.type, a.ev.object.metadata.name])).toEqual([["ADDED", "short"], ["DELETED", "short"]]);
      expect((await client.get("configmaps", "default", "written-with-the-events")).data).toEqual({ a: "1" });
    } finally {
      w.stop();
    }
  });

  it("events: patching an expired event is NotFound, so the recorder starts a new one", async () => {
    await client.create("events", "default", event("stale"));
    await new Promise((r) => setTimeout(r, EVENT_TTL_MS + 1500));
    await expect(client.patch("events", "default", "stale", "application/merge-patch+json", { count: 2 })).rejects.toBeInstanceOf(NotFoundError);
  });
});
