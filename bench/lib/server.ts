/**
 * The system under test in its own process: `flotilla server` (apiserver plus its
 * embedded nats-server, `sync_interval: always`) as a user starts it, so the load
 * generator in this process does not share an event loop with the apiserver. The
 * machine's cores are still shared; see cpu.ts.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ApiClient } from "@flotilla/bus";
import { freePort } from "../../test/support/ports.ts";
import { targetFromKubeconfig, type ApiTarget } from "../../test/support/https.ts";
import { childPids, cpuWindow, rssMiB, type CpuShare } from "./cpu.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
/** Server output kept for an error message. */
const LOG_LIMIT_BYTES = 64 * 1024;

export interface BenchServerOptions {
  /** Write a V8 CPU profile of the apiserver process into this directory on exit. */
  cpuProfDir?: string;
  /** More node flags for the server process (e.g. --trace-gc while investigating). */
  nodeArgs?: string[];
}

export interface BenchServer {
  target: ApiTarget;
  natsUrl: string;
  /** A connection of the bench's own, for bus clients and the store floor. */
  nc: NatsConnection;
  client: ApiClient;
  apiserverPid: number;
  natsPid: number;
  /** Start measuring CPU; call the result to end the window. */
  cpu(): () => CpuShare;
  rssMiB(): { apiserver: number; nats: number };
  /** Warnings and errors the server logged (nats-server slow consumers, failed requests). */
  problems(): string[];
  /** The server's output so far (last 64 KiB). */
  log(): string;
  stop(): Promise<void>;
}

export async function startBenchServer(opts: BenchServerOptions = {}): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "flotilla-bench-"));
  const apiPort = await freePort();
  const natsPort = await freePort();
  const nodeArgs = [...(opts.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfDir}`] : []), ...(opts.nodeArgs ?? [])];
  const args = [...nodeArgs, join(ROOT, "services/flotilla/src/main.ts"), "server", "--data-dir", dataDir, "--port", String(apiPort), "--nats-port", String(natsPort), "--bind-address", "127.0.0.1", "--log-level", "warn"];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const append = (b: Buffer): void => {
    log = (log + b.toString()).slice(-LOG_LIMIT_BYTES);
  };
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  let natsPid = 0;
  // A crashed bench must not leave a server (or its nats-server) running.
  const killAll = (): void => {
    child.kill("SIGKILL");
    if (natsPid) process.kill(natsPid, "SIGKILL");
  };
  process.once("exit", killAll);

  const kubeconfig = join(dataDir, "kubeconfig");
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!existsSync(kubeconfig)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      killAll();
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`flotilla server did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  natsPid = childPids(child.pid!)[0] ?? 0;
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  const nc = await connect({ servers: natsUrl, name: "bench" });
  const apiserverPid = child.pid!;
  return {
    target: targetFromKubeconfig(kubeconfig, apiPort),
    natsUrl,
    nc,
    client: new ApiClient(nc),
    apiserverPid,
    natsPid,
    cpu: () => cpuWindow(apiserverPid, natsPid),
    rssMiB: () => ({ apiserver: rssMiB(apiserverPid), nats: rssMiB(natsPid) }),
    problems: () => log.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("[")),
    log: () => log,
    async stop() {
      await nc.close();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        // SIGTERM: the server stops its nats-server and exits, writing a CPU profile.
        child.kill("SIGTERM");
        const timer = setTimeout(killAll, STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      process.off("exit", killAll);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
