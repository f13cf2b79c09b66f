/**
 * The store's write ceiling: compare-and-set creates of pod-sized values straight into
 * the bucket (KvStore, no apiserver), closed loop at a few concurrencies, on
 * - R1 with `sync_interval: always`: a single master as Flotilla runs it;
 * - R1 with JetStream's default (fsync every two minutes): what the fsyncs cost;
 * - R3 with `sync_interval: always`: three masters on loopback.
 * Also the disk's own fsync: 600-byte appends, each followed by fsync, in the store's
 * directory.
 *
 * Why it matters: an R1 stream with sync-always fsyncs each message on its own, one
 * after another (nats-server's filestore has no group commit for R1; an R3 stream's
 * RAFT log batches the writes proposed together). So a single master's writes per
 * second are bounded by the disk's fsync rate, whatever the apiserver does; a pod costs
 * three of them (create, binding, the kubelet's status).
 *
 *   node bench/store-ceiling.bench.ts [--writes 3000] [--concurrency 1,64,256] [--bytes 6000]
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { connect } from "@nats-io/transport-node";
import type { KubeObject } from "@flotilla/api";
import { KvStore } from "@flotilla/store";
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

/** Microseconds per append + fsync of 600 bytes, median of `n`. */
function diskFsyncUs(dir: string, n = 1000): number {
  const file = join(mkdtempSync(join(dir, "fsync-")), "probe");
  const fd = openSync(file, "a");
  const chunk = Buffer.alloc(600, 120);
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      writeSync(fd, chunk);
      fsyncSync(fd);
      times.push((performance.now() - t0) * 1000);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  return summarize(times).p50;
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
  process.stdout.write(`disk: append 600 B + fsync, p50 ${diskFsyncUs(tmpdir()).toFixed(0)} µs\n\n`);
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
