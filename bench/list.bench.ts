/**
 * Listing 10,000 pods in one namespace: full JSON and Table over HTTPS (one response,
 * and in pages of 500 as kubectl get does), and over the bus (one reply, and pages).
 * Forms take turns within each repeat, so drift (GC, page cache) spreads over all.
 *
 *   node bench/list.bench.ts [--pods 10000] [--repeats 15] [--cpu-prof <dir>]
 *
 * Target (issue): a list of 10,000 pods in <= 300 ms.
 */
import { parseArgs } from "node:util";
import type { KubeList } from "@flotilla/api";
import { HttpsClient, type HttpsResult } from "./lib/https.ts";
import { environmentLine } from "./lib/env.ts";
import { benchPod } from "./lib/pod.ts";
import { startBenchServer, type BenchServer } from "./lib/server.ts";
import { ms, summarize, table, verdict } from "./lib/stats.ts";

const TARGET_MS = 300;
const NAMESPACE = "list-bench";
/** Creates in flight while filling the namespace; also the HTTP pool size. */
const FILL_CONCURRENCY = 64;
/** kubectl get's page size (--chunk-size default). */
const PAGE = 500;
/** A bus reply must fit NATS max_payload (1 MiB by default): ~250 of these pods. */
const BUS_PAGE = 100;
const WARMUP_REPEATS = 2;
const TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

const { values: flags } = parseArgs({
  options: {
    pods: { type: "string", default: "10000" },
    repeats: { type: "string", default: "15" },
    "cpu-prof": { type: "string" },
  },
});
const podCount = Number(flags.pods);
const repeats = Number(flags.repeats);
if (!Number.isInteger(podCount) || podCount < 1 || !Number.isInteger(repeats) || repeats < 1) throw new Error("--pods and --repeats must be positive integers");

/** One way to list; resolves to the items seen and the bytes received. */
interface Form {
  name: string;
  /** Compared with the target (the single-response forms the issue names). */
  targeted: boolean;
  run(): Promise<Listed>;
}

/** Items and bytes seen (-1: not counted in the run); ttfb only for one-response HTTP. */
interface Listed {
  items: number;
  bytes: number;
  ttfbMs?: number;
}

function forms(server: BenchServer, http: HttpsClient): Form[] {
  const path = `/api/v1/namespaces/${NAMESPACE}/pods`;
  const get = async (query: string, accept?: string): Promise<HttpsResult> => {
    const r = await http.request("GET", path + query, undefined, accept ? { accept } : {});
    if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.body.toString().slice(0, 200)}`);
    return r;
  };
  // Counting rows needs a parse; it happens after the clock stops for the single
  // response, but a pager must parse to find `continue` (kubectl does as well).
  const single = async (accept?: string): Promise<Listed> => {
    const r = await get("", accept);
    return { items: -1, bytes: r.body.length, ttfbMs: r.ttfbMs };
  };
  const httpPaged = async (accept?: string): Promise<Listed> => {
    let cont = "";
    let items = 0;
    let bytes = 0;
    do {
      const r = await get(`?limit=${PAGE}${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`, accept);
      const page = JSON.parse(r.body.toString()) as { items?: unknown[]; rows?: unknown[]; metadata: { continue?: string } };
      items += (page.items ?? page.rows ?? []).length;
      bytes += r.body.length;
      cont = page.metadata.continue ?? "";
    } while (cont);
    return { items, bytes };
  };
  const busPaged = async (limit: number): Promise<Listed> => {
    let cont: string | undefined;
    let items = 0;
    do {
      const page: KubeList = await server.client.list("pods", NAMESPACE, { limit, ...(cont ? { continue: cont } : {}) });
      items += page.items.length;
      cont = page.metadata.continue;
    } while (cont);
    return { items, bytes: -1 };
  };
  return [
    { name: "http json", targeted: true, run: () => single() },
    { name: "http table", targeted: true, run: () => single(TABLE_ACCEPT) },
    { name: `http json, pages of ${PAGE}`, targeted: false, run: () => httpPaged() },
    { name: `http table, pages of ${PAGE}`, targeted: false, run: () => httpPaged(TABLE_ACCEPT) },
    { name: "bus", targeted: true, run: async () => ({ items: (await server.client.list("pods", NAMESPACE)).items.length, bytes: -1 }) },
    { name: `bus, pages of ${PAGE}`, targeted: false, run: () => busPaged(PAGE) },
    { name: `bus, pages of ${BUS_PAGE}`, targeted: false, run: () => busPaged(BUS_PAGE) },
  ];
}

/** Fill the namespace through the bus with a bounded number of creates in flight. */
async function fill(server: BenchServer): Promise<number> {
  await server.client.create("namespaces", undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } });
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < podCount) {
      const i = next++;
      await server.client.create("pods", NAMESPACE, benchPod(`web-7d4b9c6f8-${String(i).padStart(5, "0")}`));
    }
  };
  await Promise.all(Array.from({ length: FILL_CONCURRENCY }, worker));
  return performance.now() - started;
}

/** The single-response HTTP forms are counted once, outside the timed runs. */
async function checkCounts(http: HttpsClient): Promise<void> {
  const path = `/api/v1/namespaces/${NAMESPACE}/pods`;
  const json = JSON.parse((await http.request("GET", path)).body.toString()) as { items: unknown[] };
  const tbl = JSON.parse((await http.request("GET", path, undefined, { accept: TABLE_ACCEPT })).body.toString()) as { rows: unknown[] };
  if (json.items.length !== podCount || tbl.rows.length !== podCount) throw new Error(`expected ${podCount} pods, got ${json.items.length} items / ${tbl.rows.length} rows`);
}

interface Outcome {
  times: number[];
  /** Call → response headers: the server's work before it sends (it encodes the whole body first). */
  ttfb: number[];
  items: number;
  bytes: number;
  errors: string[];
  cpuMs: { apiserver: number; nats: number; bench: number };
}

async function main(): Promise<void> {
  console.log(environmentLine());
  const server = await startBenchServer(flags["cpu-prof"] ? { cpuProfDir: flags["cpu-prof"] } : {});
  const http = new HttpsClient(server.target, { maxSockets: FILL_CONCURRENCY, timeoutMs: 60_000 });
  try {
    const fillMs = await fill(server);
    console.log(`filled ${podCount} pods over the bus (${FILL_CONCURRENCY} in flight) in ${ms(fillMs)} ms: ${((podCount / fillMs) * 1000).toFixed(0)} creates/s`);
    await checkCounts(http);
    const all = forms(server, http);
    const outcomes = new Map<string, Outcome>(all.map((f) => [f.name, { times: [], ttfb: [], items: -1, bytes: -1, errors: [], cpuMs: { apiserver: 0, nats: 0, bench: 0 } }]));
    for (let rep = 0; rep < WARMUP_REPEATS + repeats; rep++) {
      for (const f of all) {
        const o = outcomes.get(f.name)!;
        const endCpu = server.cpu();
        const started = performance.now();
        try {
          const r = await f.run();
          const elapsed = performance.now() - started;
          const cpu = endCpu();
          if (rep < WARMUP_REPEATS) continue;
          o.times.push(elapsed);
          if (r.ttfbMs !== undefined) o.ttfb.push(r.ttfbMs);
          o.items = r.items >= 0 ? r.items : podCount;
          o.bytes = r.bytes;
          // CPU shares are % of wall time; keep milliseconds to average per list.
          o.cpuMs.apiserver += (cpu.apiserver * elapsed) / 100;
          o.cpuMs.nats += (cpu.nats * elapsed) / 100;
          o.cpuMs.bench += (cpu.bench * elapsed) / 100;
        } catch (err) {
          if (rep >= WARMUP_REPEATS) o.errors.push((err as Error).message.slice(0, 120));
        }
      }
    }
    const rss = server.rssMiB();
    report(outcomes, all, rss);
  } finally {
    http.close();
    await server.stop();
  }
}

function report(outcomes: Map<string, Outcome>, all: Form[], rss: { apiserver: number; nats: number }): void {
  console.log(`\nList ${podCount} pods in one namespace, ${repeats} repeats after ${WARMUP_REPEATS} warm-up (ms, call → last byte / decoded reply)`);
  console.log("ttfb = call → response headers (the server encodes the whole body before sending)");
  console.log("cpu ms = apiserver / nats-server / bench CPU per list (apiserver, nats-server: clock-tick resolution ±10 ms)\n");
  const rows = all.map((f) => {
    const o = outcomes.get(f.name)!;
    const s = summarize(o.times);
    const n = Math.max(1, o.times.length);
    return [
      f.name,
      String(o.times.length),
      String(o.errors.length),
      o.items >= 0 ? String(o.items) : "-",
      o.bytes >= 0 ? (o.bytes / 1024 / 1024).toFixed(1) : "-",
      ms(s.min),
      ms(s.p50),
      ms(s.p90),
      ms(s.max),
      o.ttfb.length > 0 ? ms(summarize(o.ttfb).p50) : "-",
      `${(o.cpuMs.apiserver / n).toFixed(0)}/${(o.cpuMs.nats / n).toFixed(0)}/${(o.cpuMs.bench / n).toFixed(0)}`,
      o.times.length === 0 ? "FAILS" : f.targeted ? verdict(s.p90, TARGET_MS) : "",
    ];
  });
  console.log(table(["form", "runs", "errors", "items", "MiB", "min", "p50", "p90", "max", "ttfb p50", "cpu ms a/n/b", `p90<=${TARGET_MS}`], rows));
  for (const [name, o] of outcomes) if (o.errors.length > 0) console.log(`  errors ${name}: ${o.errors.length} × ${o.errors[0]}`);
  console.log(`\napiserver RSS ${rss.apiserver.toFixed(0)} MiB, nats-server RSS ${rss.nats.toFixed(0)} MiB`);
}

await main();
