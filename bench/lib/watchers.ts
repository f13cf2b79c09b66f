/**
 * The watch benchmark's watchers, run in a worker thread: decoding 100 watchers' events
 * takes half a core, and on the writer's event loop it would delay the writes and their
 * timestamps (measured: writer lag p99 ~60 ms). A thread of its own keeps the writer
 * punctual; the cores are still shared, as they would be with a separate process.
 *
 * Clock: both threads stamp with performance.timeOrigin + performance.now() (wall time
 * at thread start + monotonic time since), comparable across threads of one process.
 */
import { isMainThread, parentPort, workerData, Worker } from "node:worker_threads";
import { Agent, request } from "node:https";
import { connect } from "@nats-io/transport-node";
import { ApiClient } from "@flotilla/bus";
import type { ApiTarget } from "../../test/support/https.ts";
import { SENT_AT_ANNOTATION } from "./pod.ts";

/** Milliseconds, comparable between the writer thread and the watcher thread. */
export function clock(): number {
  return performance.timeOrigin + performance.now();
}

export interface WatchersConfig {
  variant: "http" | "bus";
  target: ApiTarget;
  natsUrl: string;
  namespace: string;
  resourceVersion: string;
  watchers: number;
  /** Measured writes: sequence numbers 0 … total-1. */
  total: number;
  /** Server-side end of each HTTP watch, so a failed run cannot leave one open. */
  watchTimeoutSeconds: number;
}

export interface WatchersResult {
  latencies: Float64Array;
  received: number;
  missing: number;
  duplicates: number;
  unexpected: number;
}

/** Messages from the main thread. */
type Command = { done: Uint8Array; expectedEach: number; drainTimeoutMs: number };

/** What one watcher saw: which sequence numbers, how late, and anything odd. */
class Tally {
  readonly seen: Uint16Array;
  duplicates = 0;
  unexpected = 0;
  received = 0;
  private readonly latencies: number[];
  constructor(total: number, latencies: number[]) {
    this.seen = new Uint16Array(total);
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

const ANNOTATION_KEY = `"${SENT_AT_ANNOTATION}":"`;

/**
 * HTTPS watches, a socket each. Lines are scanned for the annotation rather than
 * parsed: JSON.parse of every event for 100 watchers would be the client's cost, not
 * the apiserver's, on cores the apiserver needs.
 */
async function httpWatchers(c: WatchersConfig, tallies: Tally[]): Promise<() => void> {
  const agent = new Agent({ keepAlive: false, maxSockets: tallies.length + 1, ca: c.target.ca });
  const path = `/api/v1/namespaces/${c.namespace}/pods?watch=true&resourceVersion=${c.resourceVersion}&timeoutSeconds=${c.watchTimeoutSeconds}`;
  const open = (tally: Tally): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: c.target.port, path, agent, headers: { authorization: `Bearer ${c.target.token}` } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`watch: HTTP ${res.statusCode}`));
        res.setEncoding("utf8");
        let buf = "";
        res.on("data", (chunk: string) => {
          const now = clock();
          buf += chunk;
          for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            const type = /^\{"type":"(\w+)"/.exec(line)?.[1] ?? "?";
            const at = line.indexOf(ANNOTATION_KEY);
            const start = at + ANNOTATION_KEY.length;
            tally.record(type, at < 0 ? undefined : line.slice(start, line.indexOf('"', start)), now);
          }
        });
        res.on("error", () => {});
        resolve();
      });
      req.on("error", reject);
      req.end();
    });
  await Promise.all(tallies.map(open));
  return () => agent.destroy();
}

/** Bus watches sharing one connection, as informers in one actor process would. */
async function busWatchers(c: WatchersConfig, tallies: Tally[]): Promise<() => void> {
  const nc = await connect({ servers: c.natsUrl, name: "bench-watchers" });
  const client = new ApiClient(nc);
  const watches = tallies.map((tally) => {
    const w = client.watch("pods", c.namespace, { resourceVersion: c.resourceVersion });
    void (async () => {
      for await (const e of w) tally.record(e.type, e.object.metadata.annotations?.[SENT_AT_ANNOTATION], clock());
    })().catch(() => tally.unexpected++);
    return w;
  });
  // BusWatch has no "established" signal; a round trip after the watch requests were
  // sent lets the server answer them, and replay from resourceVersion covers the rest.
  await nc.flush();
  await new Promise((r) => setTimeout(r, 500));
  return () => {
    for (const w of watches) w.stop();
    void nc.close();
  };
}

async function workerMain(c: WatchersConfig): Promise<void> {
  const latencies: number[] = [];
  const tallies = Array.from({ length: c.watchers }, () => new Tally(c.total, latencies));
  const stop = await (c.variant === "http" ? httpWatchers : busWatchers)(c, tallies);
  parentPort!.postMessage("ready");
  const cmd = await new Promise<Command>((r) => parentPort!.once("message", r));
  const deadline = performance.now() + cmd.drainTimeoutMs;
  while (tallies.some((t) => t.received < cmd.expectedEach) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  let missing = 0;
  for (const t of tallies) for (let i = 0; i < c.total; i++) if (cmd.done[i] && t.seen[i] === 0) missing++;
  const result: WatchersResult = {
    latencies: Float64Array.from(latencies),
    received: tallies.reduce((n, t) => n + t.received, 0),
    missing,
    duplicates: tallies.reduce((n, t) => n + t.duplicates, 0),
    unexpected: tallies.reduce((n, t) => n + t.unexpected, 0),
  };
  stop();
  parentPort!.postMessage(result);
}

export interface WatchersHandle {
  /** Report which sequence numbers were written; resolves once every watcher saw them (or the drain timeout). */
  finish(done: Uint8Array, expectedEach: number, drainTimeoutMs: number): Promise<WatchersResult>;
  terminate(): Promise<void>;
}

/** Start the watchers in a worker; resolves once every watch is established. */
export async function startWatchers(c: WatchersConfig): Promise<WatchersHandle> {
  const worker = new Worker(new URL(import.meta.url), { workerData: c });
  const next = (): Promise<unknown> =>
    new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
  await next();
  return {
    async finish(done, expectedEach, drainTimeoutMs) {
      const reply = next();
      worker.postMessage({ done, expectedEach, drainTimeoutMs } satisfies Command);
      return (await reply) as WatchersResult;
    },
    async terminate() {
      await worker.terminate();
    },
  };
}

if (!isMainThread && (workerData as WatchersConfig | undefined)?.variant) await workerMain(workerData as WatchersConfig);
