/**
 * Start the real `flotilla agent` (a node) as a child process, joined to a test cluster's
 * NATS, with loopback as its node IP. kill9() leaves its data dir (and the containers it
 * started) so a restarted agent can adopt them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export interface FlotillaAgent {
  nodeName: string;
  dataDir: string;
  child: ChildProcess;
  logs(): string;
  /** SIGKILL: the node dies as if its machine lost power (its containers keep running). */
  kill9(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** Remove the data dir (after stop). */
  cleanup(): void;
}

export interface AgentOptions {
  natsUrl: string;
  nodeName: string;
  /** Reuse a data dir (a restarted agent). */
  dataDir?: string;
  extraArgs?: string[];
  /** Run this executable (e.g. the bundled dist/flotilla-agent.cjs, through its `#!` line) instead of the sources. */
  executable?: string;
}

export function startFlotillaAgent(opts: AgentOptions): FlotillaAgent {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), `flotilla-agent-${opts.nodeName}-`));
  const args = ["agent", "--server", opts.natsUrl, "--node-name", opts.nodeName, "--node-ip", "127.0.0.1", "--data-dir", dataDir, ...(opts.extraArgs ?? [])];
  const [command, commandArgs] = opts.executable ? [opts.executable, args] : [process.execPath, [join(ROOT, "services/flotilla/src/main.ts"), ...args]];
  const child = spawn(command, commandArgs, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FLOTILLA_LOG_LEVEL: process.env["FLOTILLA_LOG_LEVEL"] ?? "warn" } });
  let out = "";
  const append = (b: Buffer) => (out = (out + b.toString()).slice(-64 * 1024));
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const killAll = () => child.kill("SIGKILL");
  process.once("exit", killAll);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    nodeName: opts.nodeName,
    dataDir,
    child,
    logs: () => out,
    async kill9() {
      child.kill("SIGKILL");
      await exited;
      process.off("exit", killAll);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(killAll, 20_000);
        await exited;
        clearTimeout(timer);
      }
      process.off("exit", killAll);
    },
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
