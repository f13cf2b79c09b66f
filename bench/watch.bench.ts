/**
 * Watch delivery with many watchers: 100 HTTPS watches (then 100 bus watches) on the
 * pods of one namespace, while pods are created over the bus at a steady rate. Each
 * pod carries its sequence number and the writer's clock in an annotation; delivery
 * latency is receive − send for every (event, watcher) pair, so it includes the write
 * itself (store ack, watch cache, fan-out). Every watcher must see every successful
 * write exactly once. The watchers run in a worker thread (see lib/watchers.ts).
 *
 *   node bench/watch.bench.ts [--watchers 100] [--rate 100] [--duration 10]
 *                             [--variants http,bus] [--cpu-prof <dir>]
 *
 * Target (issue): delivery p99 <= 50 ms with 100 watchers.
 */
import { parseArgs } from "node:util";
import { connect } from "@nats-io/transport-node";
import { ApiClient } from "@flotilla/bus";
import { startBenchServer, type BenchServer } from "./lib/server.ts";
import { errorCount, runOpenLoop, type OpenLoopResult } from "./lib/open-loop.ts";
import { benchPod, SENT_AT_ANNOTATION } from "./lib/pod.ts";
import { formatCpu, type CpuShare } from "./lib/cpu.ts";
import { environmentLine } from "./lib/env.ts";
import { ms, summarize, table, verdict, type Summary } from "./lib/stats.ts";
import { clock, startWatchers, type WatchersResult } from "./lib/watchers.ts";

const TARGET_P99_MS = 50;
const WARMUP_MS = 1000;
/** How long after the last write the watchers may take to catch up. */
const DRAIN_TIMEOUT_MS = 15_000;
const WATCH_TIMEOUT_SECONDS = 300;
const VARIANTS = ["http", "bus"] as const;
type Variant = (typeof VARIANTS)[number];

const { values: flags } = parseArgs({
  options: {
    watchers: { type: "string", default: "100" },
    rate: { type: "string", default: "100" },
    duration: { type: "string", default: "10" },
    variants: { type: "string", default: VARIANTS.join(",") },
    "cpu-prof": { type: "string" },
  },
});
const watcherCount = Number(flags.watchers);
const rate = Number(flags.rate);
const durationMs = Number(flags.duration) * 1000;
const variants = flags.variants.split(",") as Variant[];
for (const v of variants) if (!VARIANTS.includes(v)) throw new Error(`--variants: unknown "${v}" (http, bus)`);
if (!(watcherCount > 0) || !(rate > 0) || !(durationMs > 0)) throw new Error("--watchers, --rate and --duration must be positive");

interface Outcome {
  variant: Variant;
  writes: OpenLoopResult;
  expected: number;
  seen: WatchersResult;
  latency: Summary;
  cpu: CpuShare;
}

async function runVariant(server: BenchServer, writer: ApiClient, variant: Variant): Promise<Outcome> {
  const namespace = `watch-${variant}`;
  await writer.create("namespaces", undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  const resourceVersion = (await writer.list("pods", namespace)).metadata.resourceVersion!;
  const total = Math.round((durationMs / 1000) * rate);
  const watchers = await startWatchers({ variant, target: server.target, natsUrl: server.natsUrl, namespace, resourceVersion, watchers: watcherCount, total, watchTimeoutSeconds: WATCH_TIMEOUT_SECONDS });
  try {
    const write = async (name: string, value: string): Promise<void> => {
      await writer.create("pods", namespace, benchPod(name, { [SENT_AT_ANNOTATION]: value }));
    };
    await runOpenLoop({ ratePerSec: rate, durationMs: WARMUP_MS, op: (i) => write(`warm-${i}`, `warm:${clock()}`) });
    const done = new Uint8Array(total);
    const endCpu = server.cpu();
    const writes = await runOpenLoop({
      ratePerSec: rate,
      durationMs,
      op: async (i) => {
        await write(`web-7d4b9c6f8-${i}`, `${i}:${clock()}`);
        done[i] = 1;
      },
    });
    const seen = await watchers.finish(done, writes.ok, DRAIN_TIMEOUT_MS);
    return { variant, writes, expected: writes.ok * watcherCount, seen, latency: summarize(Array.from(seen.latencies)), cpu: endCpu() };
  } finally {
    await watchers.terminate();
  }
}

function report(outcomes: Outcome[], problems: string[]): void {
  console.log(`\nWatch delivery: ${watcherCount} watchers, pods created over the bus at ${rate}/s for ${durationMs / 1000} s (ms, writer's send → watcher's receive)`);
  console.log("expected = successful writes × watchers; write p99 = create latency of those writes; cpu = % of one core apiserver/nats-server/bench/other processes\n");
  const rows = outcomes.map(({ variant, writes, expected, seen, latency, cpu }) => {
    const odd = seen.duplicates + seen.unexpected;
    const exact = seen.missing === 0 && odd === 0 && seen.received === expected;
    return [
      variant,
      String(writes.ok),
      String(errorCount(writes)),
      String(expected),
      String(seen.received),
      String(seen.missing),
      String(odd),
      ms(latency.p50),
      ms(latency.p90),
      ms(latency.p99),
      ms(latency.max),
      ms(writes.latency.p99),
      ms(writes.sendLag.p99),
      formatCpu(cpu),
      exact ? verdict(latency.p99, TARGET_P99_MS) : "INEXACT",
    ];
  });
  console.log(table(["watch", "writes", "w.err", "expected", "received", "missing", "dup/odd", "p50", "p90", "p99", "max", "write p99", "lag p99", "cpu a/n/b/o", `p99<=${TARGET_P99_MS}`], rows));
  for (const p of problems.slice(0, 10)) console.log(`  server: ${p}`);
}

async function main(): Promise<void> {
  console.log(environmentLine());
  const server = await startBenchServer(flags["cpu-prof"] ? { cpuProfDir: flags["cpu-prof"] } : {});
  // The writer is another actor: its own connection, so its replies do not queue behind
  // anything else of the bench's.
  const writerNc = await connect({ servers: server.natsUrl, name: "bench-writer" });
  const outcomes: Outcome[] = [];
  let problems: string[];
  try {
    for (const v of variants) {
      outcomes.push(await runVariant(server, new ApiClient(writerNc), v));
      process.stdout.write(`  ${v}: p99 ${ms(outcomes.at(-1)!.latency.p99)} ms\n`);
    }
    problems = server.problems();
  } finally {
    await writerNc.close();
    await server.stop();
  }
  report(outcomes, problems);
}

await main();
