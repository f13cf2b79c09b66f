/**
 * Scheduler throughput: N nodes, P pods created while no scheduler runs, then
 * `flotilla scheduler` is started and the bench times, from a watch, how fast every pod
 * gets its node. Two variants, one row each:
 * - `nodes`: Node objects only, as kube-scheduler's scheduler_perf measures (no kubelet
 *   acts on the pods): the scheduler and the apiserver's bindings;
 * - `kubelets`: N hollow kubelets (`flotilla agent --hollow-nodes N`) that also report
 *   each pod Running, so the apiserver carries a status write per pod as in a cluster.
 *
 *   node bench/scheduler.bench.ts [--nodes 1000] [--pods 10000] [--variants nodes,kubelets]
 *                                 [--create-concurrency 64] [--cpu-prof <dir>]
 *
 * Target (issue): >= 1,000 pods/s on 2 cores (kube-scheduler publishes 100-440 pods/s).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { KubeObject } from "@flotilla/api";
import { withDeadline } from "./lib/deadline.ts";
import { spawnFlotilla, type ActorProcess } from "./lib/actors.ts";
import { environmentLine } from "./lib/env.ts";
import { startBenchServer, type BenchServer } from "./lib/server.ts";
import { procCpuMs } from "./lib/cpu.ts";
import { table, verdict } from "./lib/stats.ts";

const TARGET_PODS_PER_S = 1000;
const { values: flags } = parseArgs({ options: { nodes: { type: "string", default: "1000" }, pods: { type: "string", default: "10000" }, "create-concurrency": { type: "string", default: "64" }, "cpu-prof": { type: "string" }, variants: { type: "string", default: "nodes,kubelets" } } });
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

/** Node objects as a kubelet registers them, Ready, without any kubelet behind them. */
async function createNodes(server: BenchServer, n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const name = `fake-${next++}`;
        await server.client.create("nodes", undefined, { apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name } } });
        const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        const capacity = { cpu: "4", memory: "16Gi", pods: "110" };
        await server.client.patch("nodes", undefined, name, "application/merge-patch+json", { status: { capacity, allocatable: capacity, conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: now, lastTransitionTime: now }] } }, { subresource: "status" });
      }
    }),
  );
}

async function waitReady(server: BenchServer, n: number, agent: ActorProcess | undefined): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const list = await server.client.list("nodes", undefined);
    const ready = list.items.filter((x) => ((x["status"] as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")).length;
    if (ready >= n) return;
    if (performance.now() - t0 > 180_000) throw new Error(`only ${ready}/${n} nodes Ready after 180 s:\n${agent?.output() ?? ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function run(variant: string): Promise<string[]> {
  const server = await startBenchServer(flags["cpu-prof"] ? { cpuProfDir: flags["cpu-prof"] } : {});
  const agent = variant === "kubelets" ? spawnFlotilla(["agent", "--server", server.natsUrl, "--hollow-nodes", String(nodes), "--node-name", "hollow", "--data-dir", mkdtempSync(join(tmpdir(), "bench-hollow-")), "--log-level", "warn"]) : undefined;
  let scheduler: ActorProcess | undefined;
  try {
    if (!agent) await createNodes(server, nodes);
    await waitReady(server, nodes, agent);
    const c0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < pods) await server.client.create("pods", "default", pod(next++));
      }),
    );
    const createRate = pods / ((performance.now() - c0) / 1000);

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
    const agentCpu0 = agent?.cpuMs() ?? 0;
    const s0 = performance.now();
    scheduler = spawnFlotilla(["scheduler", "--server", server.natsUrl, "--log-level", "warn"], profArgs);
    await withDeadline(done, 300_000, () => `only ${bound.size}/${pods} bound after 300 s:\n${scheduler?.output()}`);
    watch.stop();
    const totalS = (lastBind - s0) / 1000;
    const steadyS = (lastBind - firstBind) / 1000;
    const counts = [...perNode.values()];
    return [
      variant,
      String(pods),
      String(nodes),
      createRate.toFixed(0),
      totalS.toFixed(2),
      steadyS.toFixed(2),
      (pods / totalS).toFixed(0),
      (pods / steadyS).toFixed(0),
      (scheduler.cpuMs() / 1000).toFixed(1),
      ((procCpuMs(server.apiserverPid) - apiCpu0) / 1000).toFixed(1),
      agent ? ((agent.cpuMs() - agentCpu0) / 1000).toFixed(1) : "-",
      `${Math.min(...counts)}/${Math.max(...counts)}`,
      verdict(TARGET_PODS_PER_S, pods / steadyS),
    ];
  } finally {
    await scheduler?.stop();
    await agent?.stop();
    await server.stop();
  }
}

async function main(): Promise<void> {
  process.stdout.write(`${environmentLine()}\n`);
  const rows: string[][] = [];
  for (const v of flags.variants.split(",")) {
    if (v !== "nodes" && v !== "kubelets") throw new Error(`--variants: unknown "${v}" (nodes, kubelets)`);
    rows.push(await run(v));
  }
  process.stdout.write(`\nScheduler throughput (s = seconds; cpu = CPU seconds used while scheduling; pods/s over the scheduler's whole run and over first→last binding)\n\n`);
  process.stdout.write(`${table(["variant", "pods", "nodes", "created/s", "start→last s", "first→last s", "pods/s all", "pods/s binding", "scheduler cpu", "apiserver cpu", "kubelets cpu", "pods/node", `>=${TARGET_PODS_PER_S}/s`], rows)}\n`);
}

await main();
