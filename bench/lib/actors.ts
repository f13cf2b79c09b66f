/** Flotilla commands (agent, scheduler, …) as child processes of a bench, with their CPU and memory. */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { procCpuMs, rssMiB } from "./cpu.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "services/flotilla/src/main.ts");
/** The bundled node agent (`make build`): what a node is deployed with. */
export const AGENT_BUNDLE = join(ROOT, "dist/flotilla-agent.cjs");

/** The node flags of a script's `#!/usr/bin/env -S node …` line: how it runs when executed. */
export function shebangNodeFlags(file: string): string[] {
  const first = readFileSync(file, "utf8").split("\n", 1)[0] ?? "";
  const m = /^#!.*?\bnode\b(.*)$/.exec(first);
  return m?.[1]?.trim() ? m[1].trim().split(/\s+/) : [];
}

export interface ActorProcess {
  child: ChildProcess;
  pid: number;
  /** CPU time used so far (user + system), ms. */
  cpuMs(): number;
  rssMiB(): number;
  output(): string;
  stop(): Promise<void>;
}

export function spawnFlotilla(args: string[], nodeArgs: string[] = [], entry = MAIN): ActorProcess {
  const child = spawn(process.execPath, [...nodeArgs, entry, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FLOTILLA_LOG_LEVEL: "warn" } });
  let out = "";
  const append = (b: Buffer) => (out = (out + b.toString()).slice(-32 * 1024));
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  return {
    child,
    pid: child.pid!,
    cpuMs: () => procCpuMs(child.pid!),
    rssMiB: () => rssMiB(child.pid!),
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const t = setTimeout(kill, 10_000);
        await exited;
        clearTimeout(t);
      }
      process.off("exit", kill);
    },
  };
}
