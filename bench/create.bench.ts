/**
 * Create latency at a fixed offered rate: HTTPS POST of a Pod (keep-alive, bounded
 * socket pool), ApiClient.create over the bus, and KvStore.create straight to the
 * bucket as the floor under both. Open loop, latency from each request's due time.
 *
 *   node bench/create.bench.ts [--rates 100,500] [--duration 15] [--warmup 3]
 *                              [--transports store,bus,http] [--cpu-prof <dir>]
 *
 * Target (issue): mutating p99 <= 25 ms at 500 writes/s.
 */
import { parseArgs } from "node:util";
import type { KubeObject } from "@flotilla/api";
import { KvStore, objectKey } from "@flotilla/store";
import { HttpsClient } from "./lib/https.ts";
import { errorCount, runOpenLoop, type OpenLoopResult } from "./lib/open-loop.ts";
import { benchPod } from "./lib/pod.ts";
import { startBenchServer, type BenchServer } from "./lib/server.ts";
import { formatCpu, type CpuShare } from "./lib/cpu.ts";
import { environmentLine } from "./lib/env.ts";
import { ms, table, verdict } from "./lib/stats.ts";

const TARGET_P99_MS = 25;
const TARGET_RATE = 500;
const TRANSPORTS = ["store", "bus", "http"] as const;
type Transport = (typeof TRANSPORTS)[number];

const { values: flags } = parseArgs({
  options: {
    rates: { type: "string", default: "100,500" },
    duration: { type: "string", default: "15" },
    warmup: { type: "string", default: "3" },
    transports: { type: "string", default: TRANSPORTS.join(",") },
    "cpu-prof": { type: "string" },
  },
});
const rates = flags.rates.split(",").map(Number);
const durationMs = Number(flags.duration) * 1000;
const warmupMs = Number(flags.warmup) * 1000;
const transports = flags.transports.split(",") as Transport[];
for (const t of transports) if (!TRANSPORTS.includes(t)) throw new Error(`--transports: unknown "${t}" (store, bus, http)`);
if (rates.some((r) => !(r > 0)) || !(durationMs > 0) || !(warmupMs >= 0)) throw new Error("--rates, --duration and --warmup must be positive numbers");

/** A function that creates the i-th pod of one namespace through one transport. */
type CreateOp = (ns: string, name: string) => Promise<void>;

async function makeOps(server: BenchServer, http: HttpsClient, floor: KvStore): Promise<Record<Transport, CreateOp>> {
  // The floor writes what the apiserver writes: a pod as the server stores it (defaults,
  // managedFields, uid), only the name changed. encodeValue copies it synchronously.
  const template = await server.client.create("pods", "default", benchPod("floor-template"));
  return {
    store: async (ns, name) => {
      const obj: KubeObject = { ...template, metadata: { ...template.metadata, name, namespace: ns } };
      await floor.create(objectKey("pods", ns, name), obj);
    },
    bus: async (ns, name) => {
      await server.client.create("pods", ns, benchPod(name));
    },
    http: async (ns, name) => {
      const r = await http.request("POST", `/api/v1/namespaces/${ns}/pods`, JSON.stringify(benchPod(name)));
      if (r.status !== 201) throw new Error(`HTTP ${r.status}: ${r.body.toString().slice(0, 200)}`);
    },
  };
}

interface Row {
  transport: Transport;
  result: OpenLoopResult;
  cpu: CpuShare;
}

async function main(): Promise<void> {
  console.log(environmentLine());
  const server = await startBenchServer(flags["cpu-prof"] ? { cpuProfDir: flags["cpu-prof"] } : {});
  const http = new HttpsClient(server.target, { maxSockets: 32 });
  // A bucket of its own with the apiserver's settings (R1, history 5, file storage,
  // same nats-server and fsync policy), so the floor's writes do not feed the watch cache.
  const floor = await KvStore.create(server.nc, { bucket: "bench-floor", historyPerKey: 5 });
  const rows: Row[] = [];
  let problems: string[];
  try {
    const ops = await makeOps(server, http, floor);
    for (const rate of rates) {
      for (const transport of transports) {
        const ns = `create-${transport}-${rate}`;
        await server.client.create("namespaces", undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
        const op = ops[transport];
        // Warm-up: TLS sessions, JIT, NATS subscriptions and the stream's first blocks.
        if (warmupMs > 0) await runOpenLoop({ ratePerSec: rate, durationMs: warmupMs, op: (i) => op(ns, `warm-${i}`) });
        const endCpu = server.cpu();
        const result = await runOpenLoop({ ratePerSec: rate, durationMs, op: (i) => op(ns, `web-7d4b9c6f8-${i}`) });
        rows.push({ transport, result, cpu: endCpu() });
        process.stdout.write(`  ${transport} @ ${rate}/s: p99 ${ms(result.latency.p99)} ms\n`);
      }
    }
    problems = server.problems();
  } finally {
    http.close();
    await floor.close();
    await server.stop();
  }
  report(rows, problems);
}

function report(rows: Row[], problems: string[]): void {
  console.log(`\nCreate latency, open loop, ${durationMs / 1000} s per row after ${warmupMs / 1000} s warm-up (ms; latency from due time)`);
  console.log("svc = send → completion (what a closed-loop tool reports); lag = due → send (the generator's own delay)");
  console.log("api ms/req = apiserver CPU per request; cpu = % of one core used by apiserver/nats-server/bench/other processes during the row (2 cores = 200; st = hypervisor steal)\n");
  const headers = ["transport", "offered/s", "achieved/s", "ok", "errors", "p50", "p90", "p99", "max", "svc p99", "lag p99", "cpu a/n/b/o", "api ms/req", `p99<=${TARGET_P99_MS}`];
  console.log(
    table(
      headers,
      rows.map(({ transport, result: r, cpu }) => [
        transport,
        String(r.offeredRate),
        r.achievedRate.toFixed(1),
        String(r.ok),
        String(errorCount(r)),
        ms(r.latency.p50),
        ms(r.latency.p90),
        ms(r.latency.p99),
        ms(r.latency.max),
        ms(r.service.p99),
        ms(r.sendLag.p99),
        formatCpu(cpu),
        // The floor does not touch the apiserver.
        transport === "store" ? "-" : ((cpu.apiserver / 100) * (durationMs / r.ok)).toFixed(2),
        r.offeredRate === TARGET_RATE && transport !== "store" ? verdict(r.latency.p99, TARGET_P99_MS) : "",
      ]),
    ),
  );
  console.log("\np99 of the requests due in each second (ms):");
  for (const { transport, result } of rows) console.log(`  ${`${transport}@${result.offeredRate}`.padEnd(10)} ${result.p99BySecond.map(ms).join(" ")}`);
  for (const { transport, result } of rows) for (const [msg, n] of result.errors) console.log(`  errors ${transport}@${result.offeredRate}: ${n} × ${msg}`);
  for (const p of problems.slice(0, 10)) console.log(`  server: ${p}`);
}

await main();
