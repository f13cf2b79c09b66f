/**
 * The embedded nats-server a master runs as a child process: JetStream in the data
 * dir with `sync_interval: always` by default (every acknowledged write is fsynced;
 * JetStream's own default fsyncs only every two minutes, so a power loss of every
 * master at once could lose acknowledged writes). Flotilla needs nats-server >= 2.11
 * (per-key TTLs); 2.15 is what the project installs and tests.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@flotilla/log";
import { probeFsync, SLOW_FSYNC_US, type FsyncProbe } from "./disk-probe.ts";

export interface EmbeddedNatsOptions {
  dataDir: string;
  /** Client address. @default "127.0.0.1" */
  host?: string;
  /** Client port. @default 4222 */
  port?: number;
  /** Name of this server in a cluster. @default "flotilla-1" */
  serverName?: string;
  /** Binary to run. @default FLOTILLA_NATS_SERVER, the project's .tools copy, or nats-server on PATH */
  binary?: string;
  /** Join a cluster of masters' nats-servers (JetStream clustered: RAFT across them). */
  cluster?: NatsClusterOptions;
  /** When JetStream fsyncs: "always" or an interval (parseStoreSync). @default "always" */
  storeSync?: string;
}

/**
 * `--store-sync`: "always" (fsync before every acknowledgement) or an interval such as
 * "1s", "500ms" or "2m" (fsync in the background that often: acknowledged writes survive
 * a kill -9 of nats-server, since they are in the kernel's page cache, but a power loss
 * of every master at once loses up to that long of them). A single master's stream
 * (R1) fsyncs each write on its own, one after another, so "always" bounds its writes
 * per second by the disk's fsync rate (bench/store-ceiling.bench.ts).
 * @throws Error naming the flag for anything else
 */
export function parseStoreSync(v: string): string {
  if (v === "always") return v;
  const m = /^(\d+)(ms|s|m|h)$/.exec(v);
  if (!m || Number(m[1]) === 0) throw new Error(`--store-sync must be "always" or a positive interval such as 1s, 500ms or 2m, got "${v}"`);
  return v;
}

export interface NatsClusterOptions {
  /** Route listener address. */
  host: string;
  port: number;
  /** Other masters' route URLs (nats-route://host:port); one is enough, routes gossip. */
  routes: readonly string[];
  /** Route address others should use when it differs from host:port (NAT, containers). */
  advertise?: string | undefined;
}

/** Name of the NATS cluster every master joins. */
export const NATS_CLUSTER_NAME = "flotilla";

/** The nats-server configuration a master runs with. */
export function natsConfig(o: EmbeddedNatsOptions & { storeDir: string }): string {
  const c = o.cluster;
  return [
    `server_name: ${JSON.stringify(o.serverName ?? "flotilla-1")}`,
    `host: ${JSON.stringify(o.host ?? "127.0.0.1")}`,
    `port: ${o.port ?? 4222}`,
    // 8 MiB messages (NATS' default is 1 MiB): list pages and large objects such as
    // ConfigMaps near Kubernetes' 1 MiB object limit fit with room for the envelope.
    "max_payload: 8MB",
    // Pings to clients and routes every 2 s, 3 missed = gone (NATS' default: 2 min × 2).
    // A master killed or cut off leaves no TCP reset behind: until its route is declared
    // dead, the others keep its queue subscriptions (its apiserver among the bus API's
    // responders) and a request sent there waits for its timeout.
    'ping_interval: "2s"',
    "ping_max: 3",
    `jetstream { store_dir: ${JSON.stringify(o.storeDir)}, sync_interval: ${syncInterval(o.storeSync)} }`,
    // Clustered JetStream cannot start alone (it needs routes and then a quorum of
    // masters for its meta group), so a single master stays standalone.
    ...(c
      ? [
          `cluster { name: ${NATS_CLUSTER_NAME}, listen: ${JSON.stringify(`${c.host}:${c.port}`)}, routes: [${c.routes.map((r) => JSON.stringify(r)).join(", ")}]${c.advertise ? `, advertise: ${JSON.stringify(c.advertise)}` : ""} }`,
        ]
      : []),
    "",
  ].join("\n");
}

function syncInterval(storeSync: string | undefined): string {
  const v = parseStoreSync(storeSync ?? "always");
  return v === "always" ? v : JSON.stringify(v);
}

const MIN_VERSION: [number, number] = [2, 11];

/** Where the nats-server binary is: explicit, env, the project's own copy, or PATH. */
export function findNatsServer(explicit?: string): string {
  if (explicit) return explicit;
  const env = process.env["FLOTILLA_NATS_SERVER"];
  if (env && existsSync(env)) return env;
  const here = dirname(fileURLToPath(import.meta.url));
  const local = resolve(here, "../../../.tools/nats/usr/sbin/nats-server");
  if (existsSync(local)) return local;
  return "nats-server";
}

/** "v2.15.1" from `nats-server --version`; throws when older than 2.11. */
export function natsServerVersion(binary: string): string {
  const out = spawnSync(binary, ["--version"], { encoding: "utf8" });
  if (out.error) throw new Error(`cannot run ${binary}: ${out.error.message} (run "make tools" to install nats-server 2.15)`);
  const m = /v(\d+)\.(\d+)\.(\d+)/.exec(out.stdout);
  if (!m) throw new Error(`cannot read the version of ${binary}: ${out.stdout}`);
  const [maj, min] = [Number(m[1]), Number(m[2])];
  if (maj < MIN_VERSION[0] || (maj === MIN_VERSION[0] && min < MIN_VERSION[1])) {
    throw new Error(`${binary} is v${m[1]}.${m[2]}.${m[3]}; Flotilla needs >= 2.11 (per-key TTLs, and 2.9 loses acknowledged writes after kill -9)`);
  }
  return `v${m[1]}.${m[2]}.${m[3]}`;
}

export interface EmbeddedNats {
  url: string;
  version: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startEmbeddedNats(o: EmbeddedNatsOptions, log: Logger): Promise<EmbeddedNats> {
  const binary = findNatsServer(o.binary);
  const version = natsServerVersion(binary);
  const host = o.host ?? "127.0.0.1";
  const port = o.port ?? 4222;
  const dir = join(o.dataDir, "nats");
  const storeDir = join(dir, "jetstream");
  const natsLog = log.child({ component: "nats-server" });
  await mkdir(storeDir, { recursive: true });
  const conf = join(dir, "nats-server.conf");
  await writeFile(conf, natsConfig({ ...o, host, port, storeDir }));
  await reportDiskSpeed(storeDir, o.storeSync ?? "always", natsLog);
  const child = spawn(binary, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr?.on("data", (b: Buffer) => {
    for (const line of b.toString().split("\n")) if (line.includes("[ERR]") || line.includes("[WRN]") || line.includes("[FTL]")) natsLog.warn(line.trim());
  });
  const url = `nats://${host}:${port}`;
  // A clustered master waits for a quorum of masters, however long the others take to start.
  await waitForJetStream(url, child, o.cluster ? Number.POSITIVE_INFINITY : 20_000, () => natsLog.info("waiting for JetStream: a cluster needs two masters up"));
  natsLog.info({ url, version }, "embedded nats-server ready");
  return {
    url,
    version,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      // SIGTERM lets nats-server hand over RAFT leadership and flush cleanly.
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Log the store disk's fsync time, and warn when it will bound the master's writes. */
async function reportDiskSpeed(storeDir: string, storeSync: string, log: Logger): Promise<void> {
  let probe: FsyncProbe;
  try {
    probe = await probeFsync(storeDir);
  } catch (err) {
    log.warn({ err, storeDir }, "could not measure the store disk's fsync time");
    return;
  }
  const fields = { storeDir, fsyncP50Us: probe.p50Us, fsyncMaxUs: probe.maxUs, storeSync };
  if (storeSync === "always" && probe.p50Us > SLOW_FSYNC_US) {
    log.warn({ ...fields, writesPerSecondAtMost: Math.floor(1e6 / probe.p50Us) }, "the store's disk fsyncs slowly and every write waits for an fsync: use an SSD, or --store-sync with an interval (README: Durability)");
  } else log.info(fields, "store disk fsync time");
}

async function waitForJetStream(url: string, child: ChildProcess, timeoutMs: number, waiting: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let nextNote = Date.now() + 10_000;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode} (port in use?)`);
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers: url, timeout: 1000, reconnect: false });
      await nc.request("$JS.API.INFO", undefined, { timeout: 1000 });
      return;
    } catch (err) {
      last = err;
      if (Date.now() > nextNote) {
        waiting();
        nextNote = Date.now() + 10_000;
      }
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await nc?.close();
    }
  }
  throw new Error(`nats-server at ${url} did not become ready: ${String(last)}`);
}
