/**
 * Start the real `flotilla server` (embedded nats-server, apiserver) as a child process
 * on free loopback ports, as a user would, and drive it with the real kubectl.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { scriptArgs } from "../../services/kubelet/src/runtime/process-pty.ts";
import { freePort } from "./ports.ts";

const ROOT = resolve(import.meta.dirname, "../..");
export const KUBECTL = process.env["KUBECTL"] ?? "/usr/bin/kubectl";

export interface FlotillaServer {
  dataDir: string;
  kubeconfig: string;
  apiPort: number;
  natsUrl: string;
  child: ChildProcess;
  /** The server's output so far (the last 64 KiB, for failure messages). */
  logs(): string;
  /** SIGTERM (SIGKILL after 20 s), then remove the data dir. */
  stop(): Promise<void>;
  /** SIGTERM and wait, keeping the data dir (restart with `reuse`). */
  halt(): Promise<void>;
}

export interface StartOptions {
  /** Node flags for the server process (--cpu-prof, --trace-gc, …). */
  nodeArgs?: string[];
  /** More `flotilla server` flags. */
  extraArgs?: string[];
  /** Start again on a halted server's data dir and ports (a master restart). */
  reuse?: Pick<FlotillaServer, "dataDir" | "apiPort" | "natsUrl">;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
const LOG_LIMIT_CHARS = 64 * 1024;

export async function startFlotillaServer(opts: StartOptions = {}): Promise<FlotillaServer> {
  const dataDir = opts.reuse?.dataDir ?? mkdtempSync(join(tmpdir(), "flotilla-e2e-"));
  const apiPort = opts.reuse?.apiPort ?? (await freePort());
  const natsPort = opts.reuse ? Number(new URL(opts.reuse.natsUrl).port) : await freePort();
  let out = "";
  const args = [...(opts.nodeArgs ?? []), join(ROOT, "services/flotilla/src/main.ts"), "server", "--data-dir", dataDir, "--port", String(apiPort), "--nats-port", String(natsPort), "--bind-address", "127.0.0.1", "--node-ip", "127.0.0.1", ...(opts.extraArgs ?? [])];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FLOTILLA_LOG_LEVEL: process.env["FLOTILLA_LOG_LEVEL"] ?? "warn" },
  });
  const append = (b: Buffer) => (out = (out + b.toString()).slice(-LOG_LIMIT_CHARS));
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  // A crashed test or bench must not leave the server running.
  const killAll = () => child.kill("SIGKILL");
  process.once("exit", killAll);
  const kubeconfig = join(dataDir, "kubeconfig");
  const deadline = Date.now() + READY_TIMEOUT_MS;
  if (opts.reuse) rmSync(kubeconfig, { force: true }); // rewritten once the apiserver is up
  while (!existsSync(kubeconfig)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      killAll();
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`flotilla server did not start (exit ${child.exitCode}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  async function halt(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(killAll, STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    process.off("exit", killAll);
  }
  return {
    dataDir,
    kubeconfig,
    apiPort,
    natsUrl: `nats://127.0.0.1:${natsPort}`,
    child,
    logs: () => out,
    halt,
    async stop() {
      await halt();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the real kubectl against a cluster. HOME is private to the cluster's data dir so
 * kubectl's discovery/OpenAPI cache (~/.kube/cache) never leaks between test runs.
 */
export function kubectl(server: Pick<FlotillaServer, "kubeconfig" | "dataDir">, args: string[], input?: string): KubectlResult {
  const r = spawnSync(KUBECTL, args, {
    input,
    encoding: "utf8",
    timeout: 60_000,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: join(server.dataDir, "home"), KUBECONFIG: server.kubeconfig },
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** kubectl that must succeed; returns stdout. */
export function kubectlOk(server: Pick<FlotillaServer, "kubeconfig" | "dataDir">, args: string[], input?: string): string {
  const r = kubectl(server, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

export const TERMINAL_SIZE = { rows: 30, cols: 100 };

/**
 * kubectl on a terminal of its own, as a user types into it: util-linux's `script` gives
 * it a pseudo-terminal of TERMINAL_SIZE (so `exec -t` is not refused and sends that
 * size), `input` is typed into it once the screen shows `prompt` (as a user waits for
 * the shell's prompt), and the result is everything the terminal showed (with its
 * "\r\n") and kubectl's exit code.
 */
export async function kubectlOnTerminal(server: Pick<FlotillaServer, "kubeconfig" | "dataDir">, args: string[], input: string, prompt: RegExp, timeoutMs = 30_000): Promise<{ code: number; screen: string }> {
  const child = spawn("script", scriptArgs([KUBECTL, ...args], TERMINAL_SIZE), {
    stdio: ["pipe", "pipe", "pipe"],
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: join(server.dataDir, "home"), KUBECONFIG: server.kubeconfig, SHELL: "/bin/sh", TERM: "xterm" },
  });
  let screen = "";
  let typed = false;
  const show = (b: Buffer): void => {
    screen += b.toString();
    if (!typed && prompt.test(screen)) {
      typed = true;
      // stdin stays open until kubectl is done: its end would type ^D into the terminal.
      child.stdin.write(input);
    }
  };
  child.stdout.on("data", show);
  child.stderr.on("data", show);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  return { code: code ?? -1, screen };
}
