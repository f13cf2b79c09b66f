/**
 * Start the real `flotilla server` (embedded nats-server, apiserver) as a child process
 * on free loopback ports, as a user would, and drive it with the real kubectl.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "./ports.ts";

const ROOT = resolve(import.meta.dirname, "../..");
export const KUBECTL = process.env["KUBECTL"] ?? "/usr/bin/kubectl";

export interface FlotillaServer {
  dataDir: string;
  kubeconfig: string;
  apiPort: number;
  natsUrl: string;
  child: ChildProcess;
  /** The server's log so far (for failure messages). */
  logs(): string;
  stop(): Promise<void>;
}

export async function startFlotillaServer(extraArgs: string[] = []): Promise<FlotillaServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "flotilla-e2e-"));
  const apiPort = await freePort();
  const natsPort = await freePort();
  let out = "";
  const child = spawn(process.execPath, [join(ROOT, "services/flotilla/src/main.ts"), "server", "--data-dir", dataDir, "--port", String(apiPort), "--nats-port", String(natsPort), "--bind-address", "127.0.0.1", ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FLOTILLA_LOG_LEVEL: process.env["FLOTILLA_LOG_LEVEL"] ?? "warn" },
  });
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const kubeconfig = join(dataDir, "kubeconfig");
  const deadline = Date.now() + 60_000;
  while (!existsSync(kubeconfig)) {
    if (child.exitCode !== null) throw new Error(`flotilla server exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`flotilla server not ready in 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    dataDir,
    kubeconfig,
    apiPort,
    natsUrl: `nats://127.0.0.1:${natsPort}`,
    child,
    logs: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
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

export function readKubeconfigToken(kubeconfig: string): string {
  const m = /token:\s*(\S+)/.exec(readFileSync(kubeconfig, "utf8"));
  if (!m) throw new Error("no token in kubeconfig");
  return m[1]!;
}

export function kubectlVersionOk(): boolean {
  return spawnSync(KUBECTL, ["version", "--client"], { encoding: "utf8" }).status === 0;
}
