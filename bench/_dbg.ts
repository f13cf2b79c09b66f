/**
 * Watch delivery with many watchers: 100 HTTPS watches (then 100 bus watches) on the
 * pods of one namespace, while pods are created over the bus at a steady rate. Each
 * pod carries its sequence number and the writer's clock in an annotation; delivery
 * latency is receive − send for every (event, watcher) pair, so it includes the write
 * itself (store ack, watch cache, fan-out). Every watcher must see every successful
 * write exactly once.
 *
 *   node bench/watch.bench.ts [--watchers 100] [--rate 100] [--duration 10]
 *                             [--variants http,bus] [--cpu-prof <dir>]
 *
 * Target (issue): delivery p99 <= 50 ms with 100 watchers.
 */
import { parseArgs } from "node:util";
import { Agent, request } from "node:https";
import { connect } from "@nats-io/transport-node";
import { ApiClient } from "@flotilla/bus";
import { startBenchServer, type BenchServer } from "./lib/server.ts";
import { errorCount, runOpenLoop, type OpenLoopResult } from "./lib/open-loop.ts";
import { benchPod, SENT_AT_ANNOTATION } from "./lib/pod.ts";
import { formatCpu, type CpuShare } from "./lib/cpu.ts";
import { ms, summarize, table, verdict, type Summary } from "./lib/stats.ts";

const TARGET_P99_MS = 50;
const WARMUP_MS = 1000;
/** How long after the last write the watchers may take to catch up. */
const DRAIN_TIMEOUT_MS = 15_000;
/** Server-side end of each HTTP watch, so a failed run cannot leave one open. */
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

/** What every watcher records: which sequence numbers it saw, how late, and oddities. */
class Tally {
  readonly seen: Uint16Array;
  duplicates = 0;
  unexpected = 0;
  received = 0;
  private readonly latencies: number[];
  constructor(expected: number, latencies: number[]) {
    this.seen = new Uint16Array(expected);
    this.latencies = latencies;
  }
  /** `value` is "<seq>:<sentAt>" or "warm:<sentAt>" (warm-up events are not counted). */
  record(type: string, value: string | undefined, now: number): void {
    if (type !== "ADDED" || value === undefined) return void this.unexpected++;
    const colon = value.indexOf(":");
    const seqText = value.slice(0, colon);
    if (seqText === "warm") return;
    const seq = Number(seqText);
    if (!(seq >= 0 && seq < this.seen.length)) return void this.unexpected++;
    if (this.seen[seq]! > 0) this.duplicates++;
    this.seen[seq]!++;
    this.received++;
    this.latencies.push(now - Number(value.slice(colon + 1)));
  }
}

interface Watchers {
  /** Resolves once every watch is established. */
  ready: Promise<void>;
  stop(): void;
}

const ANNOTATION_KEY = `"${SENT_AT_ANNOTATION}":"`;

/**
 * HTTPS watches from one agent with a socket per watch. Lines are scanned for the
 * annotation rather than parsed: 100 watchers × every event through JSON.parse would
 * load the shared cores with work that is the client's, not the apiserver's.
 */
function httpWatchers(server: BenchServer, ns: string, rv: string, tallies: Tally[]): Watchers {
  const agent = new Agent({ keepAlive: false, maxSockets: tallies.length + 1, ca: server.target.ca });
  const path = `/api/v1/namespaces/${ns}/pods?watch=true&resourceVersion=${rv}&timeoutSeconds=${WATCH_TIMEOUT_SECONDS}`;
  const opened = tallies.map(
    (tally) =>
      new Promise<void>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: server.target.port, path, agent, headers: { authorization: `Bearer ${server.target.token}` } }, (res) => {
          if (res.statusCode !== 200) return reject(new Error(`watch: HTTP ${res.statusCode}`));
          res.setEncoding("utf8");
          let buf = "";
          res.on("data", (chunk: string) => {
            const now = performance.now();
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf("\n")) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              const type = /^\{"type":"(\w+)"/.exec(line)?.[1] ?? "?";
              const at = line.indexOf(ANNOTATION_KEY);
              tally.record(type, at < 0 ? undefined : line.slice(at + ANNOTATION_KEY.length, line.indexOf('"', at + ANNOTATION_KEY.length)), now);
            }
          });
          res.on("error", () => {});
          resolve();
        });
        req.on("error", reject);
        req.end();
      }),
  );
  return { ready: Promise.all(opened).then(() => undefined), stop: () => agent.destroy() };
}

/** Bus watches on the bench's one NATS connection, each with its own inbox. */
function busWatchers(server: BenchServer, ns: string, rv: string, tallies: Tally[]): Watchers {
  const watches = tallies.map((tally) => {
    const w = server.client.watch("pods", ns, { resourceVersion: rv });
    void (async () => {
      for await (const e of w) tally.record(e.type, e.object.metadata.annotations?.[SENT_AT_ANNOTATION], performance.now());
    })().catch(() => tally.unexpected++);
    return w;
  });
  // BusWatch has no "established" signal; replay from rv covers anything written before.
  return { ready: new Promise((r) => setTimeout(r, 500)), stop: () => watches.forEach((w) => w.stop()) };
}

interface Outcome {
  variant: Variant;
  writes: OpenLoopResult;
  expected: number;
  received: number;
  missing: number;
  duplicates: number;
  unexpected: number;
  latency: Summary;
  cpu: CpuShare;
}

async function runVariant(server: BenchServer, writer: ApiClient, variant: Variant): Promise<Outcome> {
  const ns = `watch-${variant}`;
  await server.client.create("namespaces", undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const rv = (await server.client.list("pods", ns)).metadata.resourceVersion!;
  const total = Math.round((durationMs / 1000) * rate);
  const latencies: number[] = [];
  const tallies = Array.from({ length: watcherCount }, () => new Tally(total, latencies));
  const watchers = (variant === "http" ? httpWatchers : busWatchers)(server, ns, rv, tallies);
  try {
    await watchers.ready;
    const write = (name: string, value: string): Promise<unknown> => writer.create("pods", ns, benchPod(name, { [SENT_AT_ANNOTATION]: value }));
    await runOpenLoop({ ratePerSec: rate, durationMs: WARMUP_MS, op: (i) => write(`warm-${i}`, `warm:${performance.now()}`).then(() => {}) });
    const okSeq = new Uint8Array(total);
    const endCpu = server.cpu();
    const writes = await runOpenLoop({
      ratePerSec: rate,
      durationMs,
      op: async (i) => {
        await write(`web-7d4b9c6f8-${i}`, `${i}:${performance.now()}`);
        okSeq[i] = 1;
      },
    });
    const expectedEach = writes.ok;
    const deadline = performance.now() + DRAIN_TIMEOUT_MS;
    while (tallies.some((t) => t.received < expectedEach) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const cpu = endCpu();
    console.log("lag", writes.sendLag, "svc", writes.service, "lat", writes.latency);
    console.log(server.problems().join("\n"));
    let missing = 0;
    for (const t of tallies) for (let i = 0; i < total; i++) if (okSeq[i] && t.seen[i] === 0) missing++;
    return {
      variant,
      writes,
      expected: expectedEach * watcherCount,
      received: tallies.reduce((n, t) => n + t.received, 0),
      missing,
      duplicates: tallies.reduce((n, t) => n + t.duplicates, 0),
      unexpected: tallies.reduce((n, t) => n + t.unexpected, 0),
      latency: summarize(latencies),
      cpu,
    };
  } finally {
    watchers.stop();
  }
}

async function main(): Promise<void> {
  const server = await startBenchServer(flags["cpu-prof"] ? { cpuProfDir: flags["cpu-prof"] } : {});
  // The writer is another actor: its own connection, so its replies do not queue behind
  // the bus watchers' events on the bench's connection.
  const writerNc = await connect({ servers: server.natsUrl, name: "bench-writer" });
  const outcomes: Outcome[] = [];
  try {
    for (const v of variants) {
      outcomes.push(await runVariant(server, new ApiClient(writerNc), v));
      process.stdout.write(`  ${v}: p99 ${ms(outcomes.at(-1)!.latency.p99)} ms\n`);
    }
  } finally {
    await writerNc.close();
    await server.stop();
  }
  console.log(`\nWatch delivery: ${watcherCount} watchers, pods created over the bus at ${rate}/s for ${durationMs / 1000} s (ms, writer's send → watcher's receive)`);
  console.log("expected = successful writes × watchers; write p99 = create latency of those writes; cpu = % of one core apiserver/nats-server/bench\n");
  const rows = outcomes.map((o) => [
    o.variant,
    String(o.writes.ok),
    String(errorCount(o.writes)),
    String(o.expected),
    String(o.received),
    String(o.missing),
    String(o.duplicates + o.unexpected),
    ms(o.latency.p50),
    ms(o.latency.p90),
    ms(o.latency.p99),
    ms(o.latency.max),
    ms(o.writes.latency.p99),
    formatCpu(o.cpu),
    o.missing === 0 && o.duplicates + o.unexpected === 0 && o.received === o.expected ? verdict(o.latency.p99, TARGET_P99_MS) : "INEXACT",
  ]);
  console.log(table(["watch", "writes", "w.err", "expected", "received", "missing", "dup/odd", "p50", "p90", "p99", "max", "write p99", "cpu a/n/b", `p99<=${TARGET_P99_MS}`], rows));
}

await main();
