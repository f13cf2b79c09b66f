/** `flotilla up` / `flotilla down`: a local cluster in the background, for `make up`. */
import { Command } from "commander";
import { spawn } from "node:child_process";
import { existsSync, openSync, readFileSync, statSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(dir: string): number | undefined {
  const f = join(dir, "server.pid");
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, "utf8").trim());
  return Number.isInteger(pid) && pidAlive(pid) ? pid : undefined;
}

function printUsage(dir: string): void {
  const kc = join(dir, "kubeconfig");
  console.log(`Flotilla is running (logs: ${join(dir, "server.log")}). Point kubectl at it with:\n\n  export KUBECONFIG=${kc}\n  kubectl get nodes -o wide\n\nStop it with: make down`);
}

export function upCommand(): Command {
  return new Command("up")
    .description("start a local cluster in the background (data in --data-dir) and print how to use it")
    .option("--data-dir <dir>", "where the cluster keeps its state", ".flotilla")
    .option("--port <port>", "HTTPS port of the Kubernetes API", "6443")
    .option("--nats-port <port>", "client port of the embedded nats-server", "4222")
    .action(async (o: { dataDir: string; port: string; natsPort: string }) => {
      const dir = resolve(o.dataDir);
      await mkdir(dir, { recursive: true });
      if (readPid(dir) !== undefined) {
        printUsage(dir);
        return;
      }
      const kubeconfig = join(dir, "kubeconfig");
      const started = Date.now();
      const logFd = openSync(join(dir, "server.log"), "a");
      const main = fileURLToPath(new URL("../main.ts", import.meta.url));
      const args = [main, "server", "--data-dir", dir, "--port", o.port, "--nats-port", o.natsPort, "--bind-address", "127.0.0.1"];
      const child = spawn(process.execPath, args, { detached: true, stdio: ["ignore", logFd, logFd] });
      child.unref();
      await writeFile(join(dir, "server.pid"), String(child.pid));
      // Ready when the kubeconfig of this start exists (written after the API listens).
      while (Date.now() - started < 60_000) {
        if (child.exitCode !== null || !pidAlive(child.pid!)) throw new Error(`the server exited; see ${join(dir, "server.log")}`);
        if (existsSync(kubeconfig) && statSync(kubeconfig).mtimeMs >= started - 1000) {
          printUsage(dir);
          return;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`the server did not become ready within 60 s; see ${join(dir, "server.log")}`);
    });
}

export function downCommand(): Command {
  return new Command("down")
    .description("stop the local cluster started by `up` (its data stays)")
    .option("--data-dir <dir>", "where the cluster keeps its state", ".flotilla")
    .action(async (o: { dataDir: string }) => {
      const dir = resolve(o.dataDir);
      const pid = readPid(dir);
      if (pid === undefined) {
        console.log("Flotilla is not running.");
        return;
      }
      process.kill(pid, "SIGTERM");
      const deadline = Date.now() + 20_000;
      while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (pidAlive(pid)) process.kill(pid, "SIGKILL");
      await rm(join(dir, "server.pid"), { force: true });
      console.log("Flotilla stopped.");
    });
}
