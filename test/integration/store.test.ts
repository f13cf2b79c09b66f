/**
 * libs/store against a real nats-server: compare-and-set, list, watch (replay, initial
 * state, 410 Gone, server restarts), plain-KV readability, and a 3-node R3 cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { KeyExistsError, KeyNotFoundError, KvStore, objectKey, parseKey, prefixFor, RevisionMismatchError, StoreGoneError, type KvStoreOptions, type StoreEvent } from "@flotilla/store";
import { startNatsServer, type NatsServerHandle } from "../support/nats.ts";

import { connectTo, expectQuiet, freshBucket, take } from "../support/store-helpers.ts";

describe("store: single nats-server", () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;
  const stores: KvStore[] = [];
  async function openStore(options: KvStoreOptions = {}): Promise<KvStore> {
    const s = await KvStore.create(nc, { bucket: freshBucket(), ...options });
    stores.push(s);
    return s;
  }

  beforeAll(async () => {
    server = await startNatsServer({ jetstream: true });
    nc = await connectTo(server.url);
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await nc?.close();
    await server?.stop();
  });

  it("store: a second create of the same key fails with KeyExistsError", async () => {
    const store = await openStore();
    const key = objectKey("pods", "default", "web-1");
    const rev = await store.create(key, { n: 1 });
    await expect(store.create(key, { n: 2 })).rejects.toBeInstanceOf(KeyExistsError);
    expect(await store.get(key)).toEqual({ key, revision: rev, value: { n: 1 } });
  });

  it("store: of 50 concurrent updates from one revision exactly one wins", async () => {
    const store = await openStore();
    const key = objectKey("pods", "default", "contended");
    const rev = await store.create(key, { writer: -1 });
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => store.update(key, { writer: i }, rev)));
    const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [{ i, revision: r.value }] : []));
    const lost = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    for (const err of lost) {
      expect(err).toBeInstanceOf(RevisionMismatchError);
      expect((err as RevisionMismatchError).expectedRevision).toBe(rev);
    }
    const winner = won[0] as { i: number; revision: number };
    expect(await store.get(key)).toEqual({ key, revision: winner.revision, value: { writer: winner.i } });
  });

  it("store: delete-if-revision refuses a stale revision and deletes at the current one", async () => {
    const store = await openStore();
    const key = objectKey("configmaps", "default", "cm");
    const r1 = await store.create(key, { v: 1 });
    const r2 = await store.update(key, { v: 2 }, r1);
    const stale = await store.delete(key, r1).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(RevisionMismatchError);
    expect((stale as RevisionMismatchError).currentRevision).toBe(r2);
    const r3 = await store.delete(key, r2);
    expect(r3).toBeGreaterThan(r2);
    expect(await store.get(key)).toBeUndefined();
    await expect(store.delete(key)).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(store.update(key, { v: 3 }, r2)).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(store.update(objectKey("configmaps", "default", "never"), {}, 1)).rejects.toBeInstanceOf(KeyNotFoundError);
    // A deleted key can be created again.
    const r4 = await store.create(key, { v: 4 });
    expect(await store.get(key)).toEqual({ key, revision: r4, value: { v: 4 } });
    expect(await store.currentRevision()).toBe(r4);
  });

  it("store: list returns one namespace or a whole resource, names round-trip, revision is the store's", async () => {
    const store = await openStore();
    const names = ["web.v1", "a:b", "under_score", "eq=sign", "ünï", "🚀"];
    for (const n of names) await store.create(objectKey("pods", "default", n), { name: n });
    await store.create(objectKey("pods", "default2", "other"), { name: "other" });
    await store.create(objectKey("pods", "kube-system", "dns"), { name: "dns" });
    await store.create(objectKey("nodes", undefined, "pi-1"), { name: "pi-1" });
    const deleted = await store.create(objectKey("pods", "default", "gone"), {});
    await store.delete(objectKey("pods", "default", "gone"), deleted);
    // A later write elsewhere: the list's revision must cover it, not stop at its items.
    const last = await store.create(objectKey("secrets", "default", "s"), {});

    const ns = await store.list(prefixFor("pods", "default"));
    expect(ns.items.map((i) => parseKey(i.key).name).sort()).toEqual([...names].sort());
    for (const item of ns.items) expect(item.value).toEqual({ name: parseKey(item.key).name });
    expect(ns.revision).toBe(last);

    const all = await store.list(prefixFor("pods"));
    expect(all.items.map((i) => parseKey(i.key).namespace).sort()).toEqual([...names.map(() => "default"), "default2", "kube-system"].sort());
    const nodes = await store.list(prefixFor("nodes"));
    expect(nodes.items.map((i) => parseKey(i.key))).toEqual([{ resource: "nodes", namespace: undefined, name: "pi-1" }]);
    expect((await store.list(prefixFor("deployments"))).items).toEqual([]);
    expect((await store.list(prefixFor("deployments"))).revision).toBe(last);
    expect((await store.list("")).items).toHaveLength(names.length + 4);
  });

  it("store: a value written with a TTL expires on its own and watchers see it deleted; an update renews the TTL", async () => {
    // History 1 (the default): any TTL of 1 s or more is honoured as written. With more
    // revisions per key, see the next tests.
    const s = await openStore();
    const key = objectKey("events", "default", "web.1");
    const other = objectKey("events", "default", "web.2");
    await s.create(key, { n: 1 }, { ttlMs: 1000 });
    // The second key is updated before its first TTL runs out, with a new TTL of 3 s.
    const r2 = await s.create(other, { n: 1 }, { ttlMs: 1000 });
    const r3 = await s.update(other, { n: 2 }, r2, { ttlMs: 3000 });
    const w = await s.watch({ prefix: prefixFor("events"), fromRevision: r3 });
    const it = w[Symbol.asyncIterator]();
    const t0 = Date.now();
    const [first] = await take(it, 1, 10_000);
    expect([first?.type, first?.key]).toEqual(["delete", key]);
    expect(await s.get(key)).toBeUndefined();
    expect((await s.get(other))?.value).toEqual({ n: 2 });
    const [second] = await take(it, 1, 10_000);
    expect([second?.type, second?.key]).toEqual(["delete", other]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    w.stop();
  });

  it("store: with 5 revisions per key a TTL'd value expires into a delete, each TTL'd write renews it, and no older revision resurfaces", async () => {
    // nats-server raises a TTL below the marker TTL to it when a key keeps several
    // revisions (1 s here), and marks an expiry only when the expiring message is its
    // key's last: the store's roll-up on TTL'd writes keeps v1 and v2 from coming back.
    const s = await openStore({ historyPerKey: 5, markerTtlMs: 1000 });
    expect(s.ttl).toEqual({ markerTtlMs: 1000, minTtlMs: 1000 });
    const hadHistory = objectKey("events", "default", "had-history");
    const renewed = objectKey("events", "default", "renewed");
    const r1 = await s.create(hadHistory, { v: 1 });
    const r2 = await s.update(hadHistory, { v: 2 }, r1);
    await s.update(hadHistory, { v: 3 }, r2, { ttlMs: 2000 });
    const t0 = Date.now();
    const rb1 = await s.create(renewed, { n: 1 }, { ttlMs: 2000 });
    const w = await s.watch({ prefix: prefixFor("events"), fromRevision: rb1 });
    const it = w[Symbol.asyncIterator]();
    await new Promise((r) => setTimeout(r, 1000));
    const rb2 = await s.update(renewed, { n: 2 }, rb1, { ttlMs: 2000 });
    const [bump, expired] = await take(it, 2, 10_000);
    expect(bump).toEqual({ type: "put", key: renewed, revision: rb2, value: { n: 2 } });
    expect([expired?.type, expired?.key]).toEqual(["delete", hadHistory]);
    expect(await s.get(hadHistory)).toBeUndefined();
    expect((await s.list(prefixFor("events"))).items.map((e) => e.key)).toEqual([renewed]);
    const [second] = await take(it, 1, 10_000);
    expect([second?.type, second?.key]).toEqual(["delete", renewed]);
    // Past the first write's deadline (2 s), at the renewed one (~3 s).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2500);
    expect((await s.list(prefixFor("events"))).items).toEqual([]);
    w.stop();
  });

  it("store: keys under a ttlMsByPrefix prefix expire without a per-write TTL, other keys stay, and a TTL the server would lengthen is refused", async () => {
    const s = await openStore({ historyPerKey: 5, markerTtlMs: 1000, ttlMsByPrefix: { [prefixFor("events")]: 1000 } });
    const ev = objectKey("events", "default", "e");
    const cm = objectKey("configmaps", "default", "c");
    const w = await s.watch({ prefix: "", fromRevision: await s.currentRevision() });
    const it = w[Symbol.asyncIterator]();
    const re = await s.create(ev, { n: 1 });
    const rc = await s.create(cm, { n: 1 });
    const events = await take(it, 3, 10_000);
    expect(events.map((e) => [e.type, e.key])).toEqual([["put", ev], ["put", cm], ["delete", ev]]);
    expect(events[2]!.revision).toBeGreaterThan(rc);
    expect(await s.get(ev)).toBeUndefined();
    expect(await s.get(cm)).toEqual({ key: cm, revision: rc, value: { n: 1 } });
    expect(re).toBeLessThan(rc);
    w.stop();
    // A marker TTL of 1 h (the default) with history 5: a 1 s TTL would live an hour.
    const hourly = await openStore({ historyPerKey: 5 });
    await expect(hourly.create(ev, {}, { ttlMs: 1000 })).rejects.toBeInstanceOf(RangeError);
    await expect(openStore({ bucket: hourly.config.bucket, historyPerKey: 1, markerTtlMs: 3_600_000, ttlMsByPrefix: { "events.": 1000 } })).rejects.toThrow(/marker TTL/);
  });

  it("store: opening a bucket made without TTL support enables it, and a TTL'd write rolls up what was written before", async () => {
    // The upgrade of an existing bucket: a stream config update of allow_msg_ttl and
    // subject_delete_marker_ttl, which nats-server accepts on a live stream.
    const bucket = freshBucket();
    const before = await openStore({ bucket, historyPerKey: 5, markerTtlMs: 0 });
    expect(before.ttl).toBeUndefined();
    const k = objectKey("events", "default", "from-before");
    await expect(before.create(k, {}, { ttlMs: 1000 })).rejects.toBeInstanceOf(RangeError);
    const r1 = await before.create(k, { v: 1 });
    const after = await openStore({ bucket, historyPerKey: 5, markerTtlMs: 1000 });
    expect(after.ttl).toEqual({ markerTtlMs: 1000, minTtlMs: 1000 });
    const w = await after.watch({ prefix: "events.", fromRevision: r1 });
    const it = w[Symbol.asyncIterator]();
    const r2 = await after.update(k, { v: 2 }, r1, { ttlMs: 1000 });
    const [put, expired] = await take(it, 2, 10_000);
    expect(put).toEqual({ type: "put", key: k, revision: r2, value: { v: 2 } });
    expect([expired?.type, expired?.key]).toEqual(["delete", k]);
    expect(await after.get(k)).toBeUndefined();
    w.stop();
  });

  it("store: watch from a revision replays exactly the later changes, in order", async () => {
    // History 10 keeps every change of a key, so the replay can be compared one for one.
    const store = await openStore({ historyPerKey: 10 });
    await store.create(objectKey("pods", "default", "before"), {});
    const from = await store.currentRevision();
    const expected: StoreEvent[] = [];
    const a = objectKey("pods", "default", "a");
    const ra1 = await store.create(a, { v: 1 });
    expected.push({ type: "put", key: a, revision: ra1, value: { v: 1 } });
    await store.create(objectKey("services", "default", "not-pods"), {});
    const ra2 = await store.update(a, { v: 2 }, ra1);
    expected.push({ type: "put", key: a, revision: ra2, value: { v: 2 } });
    const b = objectKey("pods", "kube-system", "b");
    const rb = await store.create(b, { v: 1 });
    expected.push({ type: "put", key: b, revision: rb, value: { v: 1 } });
    const ra3 = await store.delete(a, ra2);
    expected.push({ type: "delete", key: a, revision: ra3 });

    const w = await store.watch({ prefix: "pods.", fromRevision: from });
    const it = w[Symbol.asyncIterator]();
    expect(await take(it, expected.length)).toEqual(expected);
    await expectQuiet(it, 200);
    w.stop();
    expect((await it.next()).done).toBe(true);
  });

  it("store: with shareWrittenValues a live watch gets this process's written objects, equal to what the stream holds", async () => {
    const store = await openStore({ shareWrittenValues: true, historyPerKey: 5 });
    const w = await store.watch({ prefix: "pods.", fromRevision: await store.currentRevision() });
    const it = w[Symbol.asyncIterator]();
    const key = objectKey("pods", "default", "shared");
    const first = { spec: { containers: [{ name: "a" }] } };
    const second = { spec: { containers: [{ name: "b" }] } };
    const r1 = await store.create(key, first);
    const r2 = await store.update(key, second, r1);
    // Written elsewhere (a plain KV client): parsed from the stream as usual.
    const other = objectKey("pods", "default", "other");
    const kv = await new Kvm(nc).open(store.config.bucket);
    await kv.put(other, JSON.stringify({ from: "elsewhere" }));
    const events = await take(it, 3);
    expect(events.map((e) => [e.key, e.revision])).toEqual([[key, r1], [key, r2], [other, r2 + 1]]);
    expect(events[0]!.value).toBe(first);
    expect(events[1]!.value).toBe(second);
    expect(events[2]!.value).toEqual({ from: "elsewhere" });
    expect(events[1]!.value).toEqual((await store.get(key))!.value);
    w.stop();
  });

  it("store: watch without a revision delivers current values, then onInitialized, then live changes", async () => {
    // History 10: with 1, the delete below may replace the update before the consumer
    // reads it (see the next test).
    const store = await openStore({ historyPerKey: 10 });
    const x = objectKey("pods", "default", "x");
    const y = objectKey("pods", "default", "y");
    const rx = await store.create(x, { v: 1 });
    const ry = await store.create(y, { v: 1 });
    await store.delete(y, ry);
    await store.create(objectKey("pods", "other", "z"), {});

    const log: string[] = [];
    let initializedAt = -1;
    const w = await store.watch({
      prefix: prefixFor("pods", "default"),
      onInitialized: (rev) => {
        initializedAt = rev;
        log.push(`initialized@${rev}`);
      },
    });
    const it = w[Symbol.asyncIterator]();
    const initial = await take(it, 1);
    log.push(...initial.map((e) => `${e.type}:${e.key}`));
    expect(initial).toEqual([{ type: "put", key: x, revision: rx, value: { v: 1 } }]);

    const rx2 = await store.update(x, { v: 2 }, rx);
    const rx3 = await store.delete(x);
    const live = await take(it, 2);
    expect(log).toEqual([`put:${x}`, `initialized@${initializedAt}`]);
    expect(initializedAt).toBe(rx2 - 1);
    expect(live).toEqual([
      { type: "put", key: x, revision: rx2, value: { v: 2 } },
      { type: "delete", key: x, revision: rx3 },
    ]);
    w.stop();
  });

  it("store: with history 1 a watch may skip a key's superseded values but ends at its latest", async () => {
    const store = await openStore({ historyPerKey: 1 });
    const w = await store.watch({ prefix: "pods." });
    const it = w[Symbol.asyncIterator]();
    const x = objectKey("pods", "default", "x");
    let rev = await store.create(x, { v: 0 });
    for (let v = 1; v <= 20; v++) rev = await store.update(x, { v }, rev);
    const gone = await store.delete(x, rev);
    const events: StoreEvent[] = [];
    while (events.at(-1)?.type !== "delete") events.push(...(await take(it, 1)));
    expect(events.at(-1)).toEqual({ type: "delete", key: x, revision: gone });
    const revisions = events.map((e) => e.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(revisions.length);
    w.stop();
  });

  it("store: watch from a revision older than the kept history fails with StoreGoneError", async () => {
    const store = await openStore();
    const k = objectKey("pods", "default", "k");
    const r1 = await store.create(k, { v: 1 });
    await store.update(k, { v: 2 }, r1); // history 1: revision r1 is dropped
    const err = await store.watch({ prefix: "pods.", fromRevision: r1 - 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreGoneError);
    expect((err as StoreGoneError).oldestRevision).toBe(r1 + 1);
    // From the oldest kept revision on, watching works.
    const w = await store.watch({ prefix: "pods.", fromRevision: r1 });
    expect(await take(w[Symbol.asyncIterator](), 1)).toEqual([{ type: "put", key: k, revision: r1 + 1, value: { v: 2 } }]);
    w.stop();
  });

  it("store: values are plain JSON to a plain @nats-io/kv client", async () => {
    const bucket = freshBucket();
    const store = await openStore({ bucket });
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "x", namespace: "default" } };
    const rev = await store.create("pods.default.x", pod);
    const kv = await new Kvm(nc).open(bucket);
    const entry = await kv.get("pods.default.x");
    expect(entry?.revision).toBe(rev);
    expect(entry?.json()).toEqual(pod);
    expect(entry?.string()).toBe(JSON.stringify(pod));
  });

  it("store: a key written with a per-key TTL expires into a delete event", async () => {
    // The Store contract has no TTL yet; a plain KV client writes one the way leases will.
    const bucket = freshBucket();
    const store = await openStore({ bucket });
    const kv = await new Kvm(nc).open(bucket);
    const key = objectKey("leases", "kube-system", "scheduler");
    const w = await store.watch({ prefix: "leases." });
    const it = w[Symbol.asyncIterator]();
    const rev = await kv.create(key, JSON.stringify({ holder: "a" }), "1s");
    const [put, expired] = await take(it, 2, 10_000);
    expect(put).toEqual({ type: "put", key, revision: rev, value: { holder: "a" } });
    expect(expired).toMatchObject({ type: "delete", key });
    expect(expired?.revision).toBeGreaterThan(rev);
    expect(await store.get(key)).toBeUndefined();
    w.stop();
  });

  it("store: close() ends open watches", async () => {
    const store = await KvStore.create(nc, { bucket: freshBucket() });
    const w = await store.watch({ prefix: "" });
    const it = w[Symbol.asyncIterator]();
    const pending = it.next();
    await store.close();
    expect((await pending).done).toBe(true);
  });
});
