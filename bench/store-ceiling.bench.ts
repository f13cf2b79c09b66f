/**
 * The store's write ceiling: compare-and-set creates of pod-sized values straight into
 * the bucket (KvStore, no apiserver), closed loop at a few concurrencies, on
 * - R1 with `sync_interval: always`: a single master as Flotilla runs it;
 * - R1 with JetStream's default (fsync every two minutes): what the fsyncs cost;
 * - R3 with `sync_interval: always`: three masters on loopback.
 * Also the disk's own fsync: 4 KiB appends, each followed by fsync, in the temp
 * directory (the probe a master logs at start).
 *
 * Why it matters: an R1 stream with sync-always fsyncs each message on its own, one
 * after another (nats-server's filestore has no group commit for R1; an R3 stream's
 * RAFT log batches the writes proposed together). So a single master's writes per
 * second are bounded by the disk's fsync rate, whatever the apiserver does; a pod costs
 * three of them (create, binding, the kubelet's status).
 *
 *   node bench/store-ceiling.bench.ts [--writes 3000] [--concurrency 1,64,256] [--bytes 6000]
 */
import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { connect } from "@nats-io/transport-node";
import type { KubeObject } from "@flotilla/api";
import { KvStore } from "@flotilla/store";
import { probeFsync } from "../services/flotilla/src/disk-probe.ts";
import { startNatsCluster, startNatsServer } from "../test/support/nats.ts";
import { environmentLine } from "./lib/env.ts";
import { benchPod } from "./lib/pod.ts";
import { ms, summarize, table } from "./lib/stats.ts";

// 6,000 bytes: what a pod of the deployment bench weighs as stored (with managedFields
// and status; nats-server wrote 57 MB for ~9,400 writes).
const { values: flags } = parseArgs({ options: { writes: { type: "string", default: "3000" }, concurrency: { type: "string", default: "1,64,256" }, bytes: { type: "string", default: "6000" } } });
const writes = Number(flags.writes);
const value = sizedPod(Number(flags.bytes));
const concurrencies = flags.concurrency.split(",").map(Number);

interface Setup {
  name: string;
  urls: string[];
  replicas: number;
  stop(): Promise<void>;
}

/** The bench pod, padded with an annotation to `bytes` of JSON. */
function sizedPod(bytes: number): KubeObject {
  const pod = benchPod("probe");
  const pad = Math.max(0, bytes - JSON.stringify(pod).length - 12);
  return { ...pod, metadata: { ...pod.metadata, annotations: { ...pod.metadata.annotations, pad: "x".repeat(pad) } } };
}

/** Creates of distinct keys, `concurrency` in flight: writes/s and latency. */
async function measure(store: KvStore, prefix: string, concurrency: number): Promise<string[]> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < writes; i = next++) {
        const s = performance.now();
        await store.create(`/registry/pods/bench/${prefix}-${i}`, value);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const l = summarize(latencies);
  return [String(concurrency), (writes / seconds).toFixed(0), ms(l.p50), ms(l.p99)];
}

async function single(syncAlways: boolean): Promise<Setup> {
  const s = await startNatsServer({ syncAlways });
  return { name: `R1, ${syncAlways ? "sync always" : "default sync"}`, urls: [s.url], replicas: 1, stop: () => s.stop() };
}

async function cluster(): Promise<Setup> {
  const c = await startNatsCluster(3, { syncAlways: true });
  return { name: "R3, sync always", urls: c.urls, replicas: 3, stop: () => c.stop() };
}

async function main(): Promise<void> {
  process.stdout.write(`${environmentLine()}\n`);
  // The probe a master runs at start (its log's "store disk fsync time"), 1,000 rounds.
  const disk = await probeFsync(tmpdir(), 1000);
  process.stdout.write(`disk: append 4 KiB + fsync, p50 ${disk.p50Us} µs, max ${disk.maxUs} µs\n\n`);
  const rows: string[][] = [];
  for (const start of [() => single(true), () => single(false), cluster]) {
    const setup = await start();
    const nc = await connect({ servers: setup.urls });
    try {
      const store = await KvStore.create(nc, { replicas: setup.replicas });
      for (const c of concurrencies) rows.push([setup.name, ...(await measure(store, `c${c}`, c))]);
      await store.close();
    } finally {
      await nc.close();
      await setup.stop();
    }
  }
  process.stdout.write(`Creates of a ${JSON.stringify(value).length}-byte pod, ${writes} per row\n\n`);
  process.stdout.write(`${table(["store", "in flight", "writes/s", "p50 ms", "p99 ms"], rows)}\n`);
}

await main();
