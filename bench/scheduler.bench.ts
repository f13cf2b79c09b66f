/**
 * Scheduler throughput: N hollow nodes (one `flotilla agent --hollow-nodes N` process),
 * P pods created while no scheduler runs, then `flotilla scheduler` is started and the
 * bench times, from a watch, how fast every pod gets its node. The hollow kubelets then
 * report their pods Running, as real ones would, so the apiserver carries that load too.
 *
 *   node bench/scheduler.bench.ts [--nodes 1000] [--pods 10000] [--create-concurrency 64] [--cpu-prof <dir>]
 *
 * Target (issue): >= 1,000 pods/s on 2 cores (kube-scheduler publishes 100-440 pods/s).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { KubeObject } from "@flotilla/api";
import { spawnFlotilla } from "./lib/actors.ts";
import { environmentLine } from "./lib/env.ts";
import { startBenchServer } from "./lib/server.ts";
import { procCpuMs } from "./lib/cpu.ts";
import { table, verdict } from "./lib/stats.ts";

const TARGET_PODS_PER_S = 1000;
const { values: flags } = parseArgs({ options: { nodes: { type: "string", default: "1000" }, pods: { type: "string", default: "10000" }, "create-concurrency": { type: "string", default: "64" }, "cpu-prof": { type: "string" } } });
const profArgs = flags["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${flags["cpu-prof"]}`] : [];
const nodes = Number(flags.nodes);
const pods = Number(flags.pods);
const concurrency = Number(flags["create-concurrency"]);

function pod(i: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `sched-${i}`, labels: { app: "bench", shard: String(i % 10) }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `rs-${i % 10}`, uid: `00000000-0000-0000-0000-00000000000${i % 10}`, controller: true }] },
    spec: { containers: [{ name: "c", image: "registry.example.com/app:1", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
  };
}

async function main(): Promise<void> {
  process.stdout.write(`${environmentLine()}\n`);
  const server = await startBenchServer(flags["cpu-prof"] ? { cpuProfDir: flags["cpu-prof"] } : {});
  const agent = spawnFlotilla(["agent", "--server", server.natsUrl, "--hollow-nodes", String(nodes), "--node-name", "hollow", "--data-dir", mkdtempSync(join(tmpdir(), "bench-hollow-")), "--log-level", "warn"]);
  let scheduler: ReturnType<typeof spawnFlotilla> | undefined;
  try {
    const t0 = performance.now();
    for (;;) {
      const list = await server.client.list("nodes", undefined);
      const ready = list.items.filter((n) => ((n["status"] as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")).length;
      if (ready >= nodes) break;
      if (performance.now() - t0 > 180_000) throw new Error(`only ${ready}/${nodes} hollow nodes Ready after 180 s:\n${agent.output()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const nodesReadyS = (performance.now() - t0) / 1000;

    const c0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < pods) await server.client.create("pods", "default", pod(next++));
      }),
    );
    const createS = (performance.now() - c0) / 1000;

    // Count bindings from a watch that starts before the scheduler does.
    const rv = (await server.client.list("pods", "default", { limit: 1 })).metadata.resourceVersion ?? "";
    const bound = new Set<string>();
    let firstBind = 0;
    let lastBind = 0;
    const perNode = new Map<string, number>();
    const watch = server.client.watch("pods", "default", { resourceVersion: rv });
    const done = (async () => {
      for await (const ev of watch) {
        const o = ev.object;
        const node = (o["spec"] as { nodeName?: string }).nodeName;
        if (!node || bound.has(o.metadata.name!)) continue;
        bound.add(o.metadata.name!);
        perNode.set(node, (perNode.get(node) ?? 0) + 1);
        const now = performance.now();
        if (bound.size === 1) firstBind = now;
        lastBind = now;
        if (bound.size >= pods) break;
      }
    })();
    const apiCpu0 = procCpuMs(server.apiserverPid);
    const s0 = performance.now();
    scheduler = spawnFlotilla(["scheduler", "--server", server.natsUrl, "--log-level", "warn"], profArgs);
    await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error(`only ${bound.size}/${pods} bound after 300 s:\n${scheduler?.output()}`)), 300_000))]);
    watch.stop();
    const totalS = (lastBind - s0) / 1000;
    const steadyS = (lastBind - firstBind) / 1000;
    const schedCpuS = scheduler.cpuMs() / 1000;
    const apiCpuS = (procCpuMs(server.apiserverPid) - apiCpu0) / 1000;
    const counts = [...perNode.values()];
    process.stdout.write(`\nScheduler throughput: ${pods} pods over ${nodes} hollow nodes (Ready after ${nodesReadyS.toFixed(1)} s; pods created in ${createS.toFixed(1)} s = ${(pods / createS).toFixed(0)}/s)\n\n`);
    process.stdout.write(
      `${table(
        ["pods", "nodes", "start→last bind s", "first→last bind s", "pods/s (incl. start)", "pods/s (binding)", "scheduler cpu s", "apiserver cpu s", "pods/node min/max", `>=${TARGET_PODS_PER_S}/s`],
        [[String(pods), String(nodes), totalS.toFixed(2), steadyS.toFixed(2), (pods / totalS).toFixed(0), (pods / steadyS).toFixed(0), schedCpuS.toFixed(1), apiCpuS.toFixed(1), `${Math.min(...counts)}/${Math.max(...counts)}`, verdict(TARGET_PODS_PER_S, pods / steadyS)]],
      )}\n`,
    );
  } finally {
    await scheduler?.stop();
    await agent.stop();
    await server.stop();
  }
}

await main();
