/**
 * Real nats-servers for integration tests: one server or a loopback cluster, each with
 * its own config file and JetStream store in a temporary directory, listening on
 * 127.0.0.1 only. start* functions resolve once clients can connect and (with
 * JetStream) once JetStream answers, so a test never races server start-up.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { freePort } from "./ports.ts";

const ROOT = resolve(import.meta.dirname, "../..");
/** The project's nats-server (the Makefile exports FLOTILLA_NATS_SERVER). */
export const NATS_SERVER_BIN = process.env.FLOTILLA_NATS_SERVER ?? join(ROOT, ".tools/nats/usr/sbin/nats-server");

/** Bytes of server log kept for error messages. */
const LOG_LIMIT_BYTES = 64 * 1024;
const READY_LINE = "Server is ready";

export interface NatsServerOptions {
  /** Enable JetStream. @default true */
  jetstream?: boolean;
  /** Client port; 0 picks a free one. @default 0 */
  port?: number;
  /** JetStream store directory; kept on stop(). @default a fresh temp dir, removed on stop() */
  storeDir?: string;
  /** server_name, which JetStream clustering requires to be distinct. @default "nats-<port>" */
  serverName?: string;
  /** Join a cluster: this server's route port and every member's route port. */
  cluster?: { name: string; port: number; routePorts: number[] };
  /** How long start-up (and JetStream readiness) may take. @default 30000 */
  readyTimeoutMs?: number;
  /** `sync_interval: always`, as a Flotilla master runs it (fsync before every acknowledgement). @default false (JetStream's own default) */
  syncAlways?: boolean;
}

export interface NatsServerHandle {
  url: string;
  port: number;
  name: string;
  storeDir: string;
  /** Graceful shutdown (SIGTERM), then removes the temp dirs this helper created. */
  stop(): Promise<void>;
  /** SIGKILL, data kept: restart() brings it back on the same port and store. */
  kill9(): Promise<void>;
  /** Stop gracefully if running, start again on the same port and store, wait until ready. */
  restart(): Promise<void>;
  /** SIGSTOP: the process holds its connections but answers nothing, like a server cut off from the network. */
  pause(): void;
  /** SIGCONT after pause(): it carries on from where it stopped, believing what it believed then. */
  resume(): void;
  /** The tail of the server's log, for diagnosing a failed test. */
  logs(): string;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function configText(o: Required<Pick<NatsServerOptions, "jetstream" | "serverName">> & NatsServerOptions & { port: number; storeDir: string }): string {
  const lines = [`server_name: "${o.serverName}"`, `listen: "127.0.0.1:${o.port}"`];
  if (o.jetstream) lines.push(`jetstream { store_dir: "${o.storeDir}", max_memory_store: 256MB, max_file_store: 4GB${o.syncAlways ? ", sync_interval: always" : ""} }`);
  if (o.cluster) {
    const routes = o.cluster.routePorts.map((p) => `"nats-route://127.0.0.1:${p}"`).join(", ");
    lines.push(`cluster { name: "${o.cluster.name}", listen: "127.0.0.1:${o.cluster.port}", routes: [${routes}] }`);
  }
  return lines.join("\n") + "\n";
}

/** Start one nats-server and wait until it accepts connections (and JetStream answers). */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const server = await launchNatsServer(options);
  try {
    if (options.jetstream !== false) await waitForJetStream([server.url], options.readyTimeoutMs ?? 30_000);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** Start the process and wait for its ready line; JetStream readiness is the caller's. */
async function launchNatsServer(options: NatsServerOptions): Promise<NatsServerHandle> {
  const port = options.port || (await freePort());
  const workDir = mkdtempSync(join(tmpdir(), "flotilla-nats-"));
  const storeDir = options.storeDir ?? join(workDir, "js");
  const serverName = options.serverName ?? `nats-${port}`;
  const configFile = join(workDir, "nats.conf");
  writeFileSync(configFile, configText({ ...options, jetstream: options.jetstream ?? true, serverName, port, storeDir }));
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  let log = "";
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const c = spawn(NATS_SERVER_BIN, ["-c", configFile], { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    running.add(c);
    c.once("exit", () => running.delete(c));
    const append = (chunk: Buffer): void => {
      log = (log + chunk.toString("utf8")).slice(-LOG_LIMIT_BYTES);
    };
    c.stdout?.on("data", append);
    c.stderr?.on("data", append);
    await waitForReadyLine(c, () => log, readyTimeoutMs);
  };
  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    // A paused process would hold the signal until the kill 10 s later.
    c.kill("SIGCONT");
    const exited = new Promise<void>((res) => c.once("exit", () => res()));
    c.kill(signal);
    const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    name: serverName,
    storeDir,
    async stop() {
      await terminate("SIGTERM");
      rmSync(workDir, { recursive: true, force: true });
    },
    kill9: () => terminate("SIGKILL"),
    async restart() {
      await terminate("SIGTERM");
      // A new process replaces the old one's log tail marker, so readiness is read fresh.
      log = "";
      await launch();
      if (options.jetstream !== false && !options.cluster) await waitForJetStream([`nats://127.0.0.1:${port}`], readyTimeoutMs);
    },
    pause: () => void child?.kill("SIGSTOP"),
    resume: () => void child?.kill("SIGCONT"),
    logs: () => log,
  };
}

function waitForReadyLine(child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  return new Promise((res, rej) => {
    const timer = setTimeout(() => finish(new Error(`nats-server not ready in ${timeoutMs} ms:\n${log()}`)), timeoutMs);
    const onData = (): void => {
      if (log().includes(READY_LINE)) finish();
    };
    const onExit = (code: number | null, signal: string | null): void => finish(new Error(`nats-server exited (${code ?? signal}):\n${log()}`));
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      if (err) rej(err);
      else res();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
    onData();
  });
}

/** Poll until JetStream answers an account-info request (a cluster needs a meta leader). */
export async function waitForJetStream(urls: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const nc = await connect({ servers: urls, timeout: 2000, reconnect: false });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2000 });
        await jsm.getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (err) {
      lastErr = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`JetStream not ready in ${timeoutMs} ms`, { cause: lastErr });
}

export interface NatsClusterHandle {
  servers: NatsServerHandle[];
  /** Every member's client URL, for a client that should fail over between them. */
  urls: string[];
  stop(): Promise<void>;
}

/**
 * Start `size` JetStream servers routed to each other on loopback (distinct
 * server_name each) and wait until the cluster's JetStream has a meta leader.
 */
export async function startNatsCluster(size = 3, options: Pick<NatsServerOptions, "readyTimeoutMs" | "syncAlways"> = {}): Promise<NatsClusterHandle> {
  const clientPorts = await distinctFreePorts(size);
  const routePorts = await distinctFreePorts(size, clientPorts);
  const name = `flotilla-test-${clientPorts[0]}`;
  const results = await Promise.allSettled(
    clientPorts.map((port, i) =>
      launchNatsServer({
        ...options,
        jetstream: true,
        port,
        serverName: `n${i + 1}-${port}`,
        cluster: { name, port: routePorts[i] as number, routePorts },
      }),
    ),
  );
  const servers = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  const failed = results.find((r) => r.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const urls = servers.map((s) => s.url);
  try {
    await waitForJetStream(urls, options.readyTimeoutMs ?? 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { servers, urls, stop };
}

async function distinctFreePorts(n: number, avoid: number[] = []): Promise<number[]> {
  const ports: number[] = [];
  // The OS rarely hands out the same free port twice in a row; bound the retries anyway.
  for (let attempts = 0; ports.length < n && attempts < n * 20; attempts++) {
    const p = await freePort();
    if (!ports.includes(p) && !avoid.includes(p)) ports.push(p);
  }
  if (ports.length < n) throw new Error(`could not find ${n} distinct free ports`);
  return ports;
}
