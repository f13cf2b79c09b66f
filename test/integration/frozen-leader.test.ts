/**
 * A stream leader cut off from the others, on a real 3-node cluster: the leader's
 * nats-server is frozen (SIGSTOP) — it keeps its connections and its belief that it
 * leads, as a partitioned server does — until the other two elect a new leader.
 *
 * What this pins down: the new leader's STREAM.INFO lists the old one with no `active`
 * time at all (nats-server resets every peer's last-seen time when it turns candidate,
 * and the old leader has not answered since), which the leader guard once read as
 * "heard just now" and so trusted reads while the old leader could come back and answer
 * them from its stale copy. And end to end: once the old leader is thawed, no read
 * returns the value it still holds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager, type StreamInfo } from "@nats-io/jetstream";
import { type NatsConnection } from "@nats-io/transport-node";
import { KV_STORE_DEFAULTS, KvStore, objectKey } from "@flotilla/store";
import { assessLeaders, leaderViewOf } from "../../libs/store/src/leader-guard.ts";
import { startNatsCluster, type NatsClusterHandle } from "../support/nats.ts";
import { connectTo, freshBucket } from "../support/store-helpers.ts";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("store: a stream leader frozen while the others elect a new one", () => {
  let cluster: NatsClusterHandle;
  const conns: NatsConnection[] = [];
  const stores: KvStore[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    // One connection pinned to each server: a survivor's client must not fail over to the frozen one.
    for (const url of cluster.urls) conns.push(await connectTo(url));
  });
  afterAll(async () => {
    for (const s of cluster?.servers ?? []) s.resume();
    for (const s of stores) await s.close().catch(() => undefined);
    for (const c of conns) await c.close().catch(() => undefined);
    await cluster?.stop();
  });

  /** The stream's info as the server behind `nc` relays it (from whichever server answers as leader). */
  async function info(nc: NatsConnection, stream: string): Promise<StreamInfo | undefined> {
    try {
      return await (await jetstreamManager(nc, { timeout: 1000 })).streams.info(stream);
    } catch {
      return undefined;
    }
  }

  it("the new leader's view marks the frozen old leader unheard, and no read returns the old leader's copy after it thaws", async () => {
    const bucket = freshBucket();
    const stream = `KV_${bucket}`;
    for (const nc of conns) stores.push(await KvStore.create(nc, { bucket, replicas: 3 }));
    const key = objectKey("configmaps", "default", "probe");
    const before = await stores[0]!.create(key, { v: "before" });

    const oldLeader = (await info(conns[0]!, stream))!.cluster!.leader!;
    const frozen = cluster.servers.findIndex((s) => s.name === oldLeader);
    expect(frozen, `the leader ${oldLeader} among the servers`).toBeGreaterThanOrEqual(0);
    const survivors = [0, 1, 2].filter((i) => i !== frozen);
    cluster.servers[frozen]!.pause();

    // JetStream's election timeout is 4–9 s.
    let view: StreamInfo | undefined;
    const t0 = Date.now();
    while (Date.now() - t0 < 30_000) {
      view = await info(conns[survivors[0]!]!, stream);
      if (view?.cluster?.leader && view.cluster.leader !== oldLeader) break;
      await sleep(100);
    }
    const newLeader = view?.cluster?.leader;
    expect(newLeader && newLeader !== oldLeader, `a new leader within 30 s (saw ${newLeader ?? "none"})`).toBe(true);
    const old = view!.cluster!.replicas?.find((r) => r.name === oldLeader);
    console.log(`new leader ${newLeader} after ${Date.now() - t0} ms; its entry for the frozen ${oldLeader}: ${JSON.stringify(old)}`);

    // The verdict on the real answer: a leader that has not heard from a member since its election is not to be trusted alone.
    const leaderView = leaderViewOf(view as unknown as Parameters<typeof leaderViewOf>[0])!;
    expect(assessLeaders([leaderView], KV_STORE_DEFAULTS), `guard verdict on ${JSON.stringify(leaderView)}`).toBe("degraded");

    const after = await stores[survivors[0]!]!.update(key, { v: "after" }, before);
    cluster.servers[frozen]!.resume();
    // While the thawed server learns it was deposed, every read through a survivor is fresh;
    // through the thawed server's own connection a read may fail, but must not be stale.
    const stale: string[] = [];
    let reads = 0;
    let refused = 0;
    const t1 = Date.now();
    while (Date.now() - t1 < 3000) {
      await Promise.all(
        [0, 1, 2].map(async (i) => {
          try {
            const got = await stores[i]!.get(key);
            reads++;
            if (got?.revision !== after) stale.push(`via ${cluster.servers[i]!.name} at ${Date.now() - t1} ms: revision ${got?.revision}`);
          } catch {
            refused++;
          }
        }),
      );
    }
    console.log(`after the thaw: ${reads} reads, ${refused} refused, ${stale.length} stale`);
    expect(stale, `reads older than the acknowledged revision ${after}`).toEqual([]);
  }, 90_000);
});
