/**
 * The system under test in its own process: `flotilla server` (apiserver plus its
 * embedded nats-server, `sync_interval: always`) as a user starts it, so the load
 * generator in this process does not share an event loop with the apiserver. The
 * machine's cores are still shared; see cpu.ts.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ApiClient } from "@flotilla/bus";
import { startFlotillaServer } from "../../test/support/flotilla.ts";
import { targetFromKubeconfig, type ApiTarget } from "../../test/support/https.ts";
import { childPids, cpuWindow, rssMiB, type CpuShare } from "./cpu.ts";

export interface BenchServerOptions {
  /** Write a V8 CPU profile of the apiserver process into this directory on exit. */
  cpuProfDir?: string;
  /** More node flags for the server process (e.g. --trace-gc while investigating). */
  nodeArgs?: string[];
  /** More `flotilla server` flags. */
  extraArgs?: string[];
  /** Actors the server runs besides the apiserver. @default [] (the apiserver alone) */
  actors?: ("agent" | "scheduler" | "controller-manager")[];
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
  const nodeArgs = [...(opts.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfDir}`] : []), ...(opts.nodeArgs ?? [])];
  // The apiserver alone: no node, scheduler or controllers acting on the pods the benches create.
  const keep = new Set(opts.actors ?? []);
  const disable = (["agent", "scheduler", "controller-manager"] as const).filter((a) => !keep.has(a)).map((a) => `--disable-${a}`);
  const srv = await startFlotillaServer({ nodeArgs, extraArgs: ["--log-level", "warn", ...disable, ...(opts.extraArgs ?? [])] });
  const apiserverPid = srv.child.pid!;
  const natsPid = childPids(apiserverPid)[0] ?? 0;
  // startFlotillaServer kills the apiserver if this process dies; its nats-server too.
  const killNats = (): void => {
    if (natsPid) process.kill(natsPid, "SIGKILL");
  };
  process.once("exit", killNats);
  const nc = await connect({ servers: srv.natsUrl, name: "bench" });
  return {
    target: targetFromKubeconfig(srv.kubeconfig, srv.apiPort),
    natsUrl: srv.natsUrl,
    nc,
    client: new ApiClient(nc),
    apiserverPid,
    natsPid,
    cpu: () => cpuWindow(apiserverPid, natsPid),
    rssMiB: () => ({ apiserver: rssMiB(apiserverPid), nats: rssMiB(natsPid) }),
    problems: () => srv.logs().split("\n").filter((l) => l.trim() !== "" && !l.startsWith("[")),
    log: () => srv.logs(),
    async stop() {
      await nc.close();
      // SIGTERM: the server stops its nats-server and exits, writing a CPU profile.
      await srv.stop();
      process.off("exit", killNats);
    },
  };
}
