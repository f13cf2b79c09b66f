/**
 * A second server that believes it leads the stream (a cut-off old leader, before it
 * steps down — see libs/store/src/leader-guard.ts) answers every request next to the
 * real one, usually first. Impersonated here by plain NATS clients on a real
 * nats-server: first both leaders are fakes (the stale one answers at once, the real one
 * 30 ms later), so the order is certain; then the fake stale leader answers beside the
 * real JetStream, and the store must report what JetStream says.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { KvStore, objectKey, prefixFor, type KvStoreOptions } from "@flotilla/store";
import { headers } from "@nats-io/transport-node";
import { casPublish, freshestLastMessage, WRITE_ID_HEADER, type CasPublishOptions, type LastMessage } from "../../libs/store/src/answers.ts";
import { ReplyMux } from "../../libs/store/src/reply-mux.ts";
import { startNatsServer, type NatsServerHandle } from "../support/nats.ts";
import { connectTo, freshBucket } from "../support/store-helpers.ts";

const encode = (v: unknown): string => JSON.stringify(v);

describe("store: a stale leader answering beside the real one", () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;
  let impostor: NatsConnection;
  let mux: ReplyMux;
  const stores: KvStore[] = [];
  const subs: Subscription[] = [];

  beforeAll(async () => {
    server = await startNatsServer({ jetstream: true });
    nc = await connectTo(server.url);
    impostor = await connectTo(server.url);
    mux = new ReplyMux(nc);
  });
  afterAll(async () => {
    for (const s of subs) s.unsubscribe();
    mux?.close();
    for (const s of stores) await s.close();
    await impostor?.close();
    await nc?.close();
    await server?.stop();
  });

  /** Two fake leaders on `subject`: the stale one answers at once, the real one 30 ms later. */
  function twoLeaders(subject: string, stale: unknown, real: unknown | undefined): void {
    subs.push(impostor.subscribe(subject, { callback: (_err, msg) => void msg.respond(encode(stale)) }));
    if (real !== undefined) subs.push(impostor.subscribe(subject, { callback: (_err, msg) => void setTimeout(() => msg.respond(encode(real)), 30) }));
  }
  /** A stale leader answering `subject`, always with `refusal`: the last refused write's id, and how many it refused. */
  async function staleRefuser(subject: string, refusal: unknown): Promise<{ lastWriteId: () => string; refusals: () => number }> {
    let lastWriteId = "";
    let refusals = 0;
    subs.push(
      impostor.subscribe(subject, {
        callback: (_err, msg) => {
          refusals++;
          lastWriteId = msg.headers?.get(WRITE_ID_HEADER) ?? "";
          msg.respond(encode(refusal));
        },
      }),
    );
    await impostor.flush();
    return { lastWriteId: () => lastWriteId, refusals: () => refusals };
  }
  /** A store on a bucket of its own, closed after the suite. */
  async function freshStore(options: Omit<KvStoreOptions, "bucket"> = {}): Promise<{ store: KvStore; bucket: string }> {
    const bucket = freshBucket();
    const store = await KvStore.create(nc, { bucket, ...options });
    stores.push(store);
    return { store, bucket };
  }
  const wrongLast = (n: number) => ({ error: { code: 400, err_code: 10071, description: `wrong last sequence: ${n}` } });
  const opts = (readFreshest: CasPublishOptions["readFreshest"] = () => Promise.reject(new Error("not expected to read"))): CasPublishOptions => ({ timeoutMs: 300, readFreshest });
  /** The stream's newest message on the key: `seq`, written by `writeId`. */
  const newest = (seq: number, writeId = "someone-else"): LastMessage => {
    const header = headers();
    header.set(WRITE_ID_HEADER, writeId);
    return { subject: "fake", seq, header, data: new Uint8Array(0) };
  };

  it("casPublish: the real leader's ack wins over an earlier refusal from a copy older than the expected revision", async () => {
    twoLeaders("fake.cas.ack", wrongLast(7), { stream: "KV_fake", seq: 12 });
    await impostor.flush();
    await expect(casPublish(nc, mux, "fake.cas.ack", new Uint8Array(1), 11, opts())).resolves.toBe(12);
  });

  it("casPublish: a refusal reporting a newer revision is a lost race at once", async () => {
    twoLeaders("fake.cas.newer", wrongLast(15), undefined);
    await impostor.flush();
    await expect(casPublish(nc, mux, "fake.cas.newer", new Uint8Array(1), 11, opts())).rejects.toMatchObject({ name: "JetStreamApiError", code: 10071 });
  });

  it("casPublish: a lone refusal quoting an older revision is checked against the stream: this write stored, another's, or nothing yet", async () => {
    // The real leader's answer never comes; only the stale one refuses.
    const { lastWriteId } = await staleRefuser("fake.cas.lower", wrongLast(7));
    const publish = (read: CasPublishOptions["readFreshest"]) => casPublish(nc, mux, "fake.cas.lower", new Uint8Array(1), 11, opts(read));
    await expect(publish(async () => newest(12, lastWriteId()))).resolves.toBe(12);
    await expect(publish(async () => newest(13))).rejects.toMatchObject({ name: "JetStreamApiError", code: 10071, message: "wrong last sequence: 13" });
    await expect(publish(async () => newest(11))).rejects.toMatchObject({ name: "TimeoutError" });
    await expect(publish(async () => Promise.reject(new Error("no leader")))).rejects.toMatchObject({ name: "TimeoutError" });
  });

  const inFlight = { error: { code: 400, err_code: 10164, description: "wrong last sequence" } };

  it("casPublish: 10164 (another write in flight, no sequence) from a stale leader does not decide: the real leader's ack wins", async () => {
    twoLeaders("fake.cas.inflight-ack", inFlight, { stream: "KV_fake", seq: 12 });
    await impostor.flush();
    await expect(casPublish(nc, mux, "fake.cas.inflight-ack", new Uint8Array(1), 11, opts())).resolves.toBe(12);
  });

  it("casPublish: a lone 10164 is checked against the stream while listening: this write stored, another's, or unknown", async () => {
    const { lastWriteId } = await staleRefuser("fake.cas.inflight", inFlight);
    const publish = (read: CasPublishOptions["readFreshest"]) => casPublish(nc, mux, "fake.cas.inflight", new Uint8Array(1), 11, opts(read));
    await expect(publish(async () => newest(12, lastWriteId()))).resolves.toBe(12);
    await expect(publish(async () => newest(13))).rejects.toMatchObject({ name: "JetStreamApiError", code: 10071, message: "wrong last sequence: 13" });
    // The key stays at the expected revision: the write in flight may be this one.
    await expect(publish(async () => newest(11))).rejects.toMatchObject({ name: "TimeoutError" });
    // It lands a moment later: a later look sees it.
    let reads = 0;
    await expect(publish(async () => (++reads < 3 ? newest(11) : newest(12, lastWriteId())))).resolves.toBe(12);
    expect(reads).toBe(3);
  });

  it("a compare-and-set write a stale leader refuses with 10164 but the real one stores is reported as written", async () => {
    const { store, bucket } = await freshStore();
    const key = objectKey("configmaps", "default", "cas-inflight");
    const r1 = await store.create(key, { v: 1 });
    const { refusals } = await staleRefuser(`$KV.${bucket}.${key}`, inFlight);
    const r2 = await store.update(key, { v: 2 }, r1);
    await impostor.flush();
    expect(refusals()).toBe(1);
    expect(await store.get(key)).toEqual({ key, revision: r2, value: { v: 2 } });
    // And a real conflict behind a 10164 is still a conflict.
    await expect(store.update(key, { v: 3 }, r1)).rejects.toMatchObject({ name: "RevisionMismatchError" });
  });

  it("freshestLastMessage: the answer with the highest sequence wins, whoever answered first", async () => {
    const msg = (seq: number) => ({ message: { subject: "$KV.fake.k", seq, data: Buffer.from(encode({ seq })).toString("base64"), hdrs: Buffer.from("NATS/1.0\r\nKV-Operation: PUT\r\n\r\n").toString("base64") } });
    twoLeaders("$JS.API.STREAM.MSG.GET.KV_fake", msg(5), msg(9));
    await impostor.flush();
    // Three answers: the two fakes and this server's own "no such stream". The real one
    // comes 30 ms after the stale one, later than the stall: only the count waits for it.
    const got = await freshestLastMessage(mux, { minAnswers: 3, minWaitMs: 1000, stallMs: 10, timeoutMs: 1000 }, "KV_fake", "$KV.fake.k");
    expect(got?.seq).toBe(9);
    expect(JSON.parse(Buffer.from(got!.data).toString())).toEqual({ seq: 9 });
    expect(got?.header?.get("KV-Operation")).toBe("PUT");
  });

  it("a compare-and-set write refused by the stale leader but stored by the real one is reported as written", async () => {
    const { store, bucket } = await freshStore();
    const key = objectKey("configmaps", "default", "cas");
    const r1 = await store.create(key, { v: 1 });
    const r2 = await store.update(key, { v: 2 }, r1);
    // The old leader's copy stopped at r1: it refuses a write expecting r2, at once.
    const { refusals } = await staleRefuser(`$KV.${bucket}.${key}`, wrongLast(r1));

    const r3 = await store.update(key, { v: 3 }, r2);
    // The real ack may overtake the impostor's delivery: its PONG comes after the message.
    await impostor.flush();
    expect(refusals()).toBe(1);
    expect(r3).toBeGreaterThan(r2);
    expect(await store.get(key)).toEqual({ key, revision: r3, value: { v: 3 } });
  });

  it("a refusal the real leader gives still wins: a stale expectation is a conflict", async () => {
    const { store } = await freshStore();
    const key = objectKey("configmaps", "default", "lost-race");
    const r1 = await store.create(key, { v: 1 });
    await store.update(key, { v: 2 }, r1);
    await expect(store.update(key, { v: 3 }, r1)).rejects.toMatchObject({ name: "RevisionMismatchError" });
  });

  it("while two servers claim the lead, a read takes the freshest answer, not the first", async () => {
    // The real stream has one replica: its guard checks seldom unless told otherwise.
    const { store, bucket } = await freshStore({ leaderCheckIntervalMs: 50, singleReplicaCheckIntervalMs: 50, leaderSettleMs: 200 });
    const key = objectKey("configmaps", "default", "read");
    const r1 = await store.create(key, { v: 1 });
    const r2 = await store.update(key, { v: 2 }, r1);
    const stream = `KV_${bucket}`;
    // The old leader: it holds r1, believes the stream has three replicas, and has not
    // heard from its followers for 5 s.
    subs.push(
      impostor.subscribe(`$JS.API.STREAM.MSG.GET.${stream}`, {
        callback: (_err, msg) => void msg.respond(encode({ message: { subject: `$KV.${bucket}.${key}`, seq: r1, data: Buffer.from(encode({ v: 1 })).toString("base64"), time: new Date().toISOString() } })),
      }),
      impostor.subscribe(`$JS.API.STREAM.INFO.${stream}`, {
        callback: (_err, msg) =>
          void msg.respond(encode({ config: { name: stream, num_replicas: 3 }, state: { first_seq: 1, last_seq: r1 }, cluster: { leader: "old", replicas: [{ name: "a", active: 5e9 }, { name: "b", active: 5e9 }] } })),
      }),
    );
    await impostor.flush();
    // The guard's next check sees two leaders.
    await new Promise((r) => setTimeout(r, 300));

    expect(await store.get(key)).toEqual({ key, revision: r2, value: { v: 2 } });
    expect(await store.currentRevision()).toBe(r2);
    const listed = await store.list(prefixFor("configmaps", "default"));
    expect(listed.items.map((i) => [i.key, i.revision])).toEqual([[key, r2]]);
  });
});
