/**
 * Memory of one node agent: `flotilla agent` with the process runtime running 20 pods
 * (each a `sleep` with a readiness probe), its resident set size sampled once a second
 * for a while after every pod is Running. The containers are separate processes and not
 * counted. Rows, side by side in one run:
 * - bundle: dist/flotilla-agent.cjs (`make build`) run as a node runs it, with the V8
 *   flags of its `#!` line;
 * - bundle-no-flags: the same file under plain `node`, to show what those flags buy;
 * - sources: the TypeScript sources run directly (Node strips the types at load time,
 *   which costs memory of its own).
 * The CPU column is the agent's share of one core over the sampling window (20 probes
 * every 10 s, status reports): the price of the flags.
 *
 *   node bench/agent-memory.bench.ts [--pods 20] [--seconds 30] [--rows bundle,bundle-no-flags,sources]
 *                                    [--node-args="--max-semi-space-size=1 ..."]
 *
 * Target (issue): <= 64 MB (the k3s agent is 268 MB on a Pi 4).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { AGENT_BUNDLE, shebangNodeFlags, spawnFlotilla } from "./lib/actors.ts";
import { environmentLine } from "./lib/env.ts";
import { startBenchServer } from "./lib/server.ts";
import { table, verdict } from "./lib/stats.ts";

const TARGET_MB = 64;
const { values: flags } = parseArgs({ options: { pods: { type: "string", default: "20" }, seconds: { type: "string", default: "30" }, "node-args": { type: "string", default: "" }, rows: { type: "string", default: "bundle,bundle-no-flags,sources" } } });
const pods = Number(flags.pods);
const seconds = Number(flags.seconds);
const nodeArgs = flags["node-args"] ? flags["node-args"].split(" ") : [];

type Row = "bundle" | "bundle-no-flags" | "sources";

async function measure(row: Row): Promise<string[]> {
  const entry = row === "sources" ? undefined : AGENT_BUNDLE;
  const v8Flags = [...(row === "bundle" ? shebangNodeFlags(AGENT_BUNDLE) : []), ...nodeArgs];
  const server = await startBenchServer();
  const dataDir = mkdtempSync(join(tmpdir(), "bench-agent-"));
  const agent = spawnFlotilla(["agent", "--server", server.natsUrl, "--node-name", "mem-node", "--node-ip", "127.0.0.1", "--data-dir", dataDir, "--log-level", "warn"], v8Flags, entry);
  try {
    for (let i = 0; ; i++) {
      const n = await server.client.get("nodes", undefined, "mem-node").catch(() => undefined);
      if (n) break;
      if (i > 300) throw new Error(`the agent did not register:\n${agent.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const idleMb = agent.rssMiB();
    for (let i = 0; i < pods; i++) {
      // Bound directly: this bench runs no scheduler.
      await server.client.create("pods", "default", { apiVersion: "v1", kind: "Pod", metadata: { name: `mem-${i}` }, spec: { nodeName: "mem-node", runtimeClassName: "process", terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "none", command: ["sleep", "3600"], readinessProbe: { exec: { command: ["true"] }, periodSeconds: 10 } }] } });
    }
    for (let i = 0; ; i++) {
      const list = await server.client.list("pods", "default");
      const running = list.items.filter((p) => (p["status"] as { phase?: string } | undefined)?.phase === "Running").length;
      if (running >= pods) break;
      if (i > 600) throw new Error(`only ${running}/${pods} pods Running:\n${agent.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const samples: number[] = [];
    const cpu0 = agent.cpuMs();
    for (let s = 0; s < seconds; s++) {
      await new Promise((r) => setTimeout(r, 1000));
      samples.push(agent.rssMiB());
    }
    const cpuPct = ((agent.cpuMs() - cpu0) / (seconds * 1000)) * 100;
    const max = Math.max(...samples);
    const last = samples.at(-1)!;
    for (let i = 0; i < pods; i++) await server.client.delete("pods", "default", `mem-${i}`).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3000));
    return [row, v8Flags.join(" ") || "-", String(pods), idleMb.toFixed(1), last.toFixed(1), max.toFixed(1), cpuPct.toFixed(2), verdict(max, TARGET_MB)];
  } finally {
    await agent.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.stdout.write(`${environmentLine()}\n`);
  if (!existsSync(AGENT_BUNDLE)) throw new Error(`${AGENT_BUNDLE} is missing: run make build`);
  const rows: string[][] = [];
  for (const r of flags.rows.split(",")) rows.push(await measure(r as Row));
  process.stdout.write(`\nAgent memory (RSS, MiB), ${pods} process-runtime pods Running, sampled every 1 s for ${seconds} s\n\n`);
  process.stdout.write(`${table(["agent", "node flags", "pods", "idle (no pods)", "steady (last)", "max", "cpu % of a core", `max<=${TARGET_MB}`], rows)}\n`);
}

await main();
