/**
 * A Deployment from apply to all Ready: `flotilla server` (the apiserver alone), with
 * `flotilla scheduler`, `flotilla controller-manager` and one `flotilla agent
 * --hollow-nodes N` as separate processes, as on a cluster. The bench creates one
 * Deployment of R replicas and times, from a watch on the Deployment, when its
 * readyReplicas reaches R; it samples the controller manager's resident memory every
 * 250 ms meanwhile.
 *
 *   node bench/deployment.bench.ts [--replicas 3000] [--nodes 300] [--store-sync always,1s]
 *
 * --store-sync: one run per setting of `flotilla server --store-sync`, side by side. A
 * single master fsyncs every write before acknowledging it by default, one after
 * another, and a pod costs three writes; an interval shows what that costs here.
 *
 * Target (issue): >= 500 pods/s end to end (3,000 replicas over 300 hollow nodes), and the
 * controller manager's RSS while doing it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { spawnFlotilla, type ActorProcess } from "./lib/actors.ts";
import { procCpuMs } from "./lib/cpu.ts";
import { withDeadline } from "./lib/deadline.ts";
import { environmentLine } from "./lib/env.ts";
import { startBenchServer } from "./lib/server.ts";
import { table, verdict } from "./lib/stats.ts";

const TARGET_PODS_PER_S = 500;
// --cpu-prof-dir DIR: V8 CPU profiles of every process but nats-server (see where the time goes).
const { values: flags } = parseArgs({ options: { replicas: { type: "string", default: "3000" }, nodes: { type: "string", default: "300" }, "cpu-prof-dir": { type: "string" }, timeline: { type: "boolean", default: false }, "store-sync": { type: "string", default: "always" } } });
const profArgs = flags["cpu-prof-dir"] ? ["--cpu-prof", `--cpu-prof-dir=${flags["cpu-prof-dir"]}`] : [];
const replicas = Number(flags.replicas);
const nodes = Number(flags.nodes);

type Status = { readyReplicas?: number; updatedReplicas?: number; replicas?: number };

const HEADERS = ["store sync", "replicas", "nodes", "to all Ready s", "to first Ready s", "pods/s", "controller-manager RSS MiB (idle → max)", "cpu % apiserver/cm/scheduler/kubelets/nats", "cpu % other/steal", "cluster cpu ms/pod", `>=${TARGET_PODS_PER_S}/s`];

async function main(): Promise<void> {
  process.stdout.write(`${environmentLine()}\n`);
  const rows: string[][] = [];
  for (const storeSync of flags["store-sync"].split(",")) rows.push(await deployOnce(storeSync));
  process.stdout.write(`\nDeployment from create to all Ready (hollow kubelets report pods Running and Ready at once)\n\n`);
  process.stdout.write(`${table(HEADERS, rows)}\n`);
}

/** One cluster, one Deployment: the result row. */
async function deployOnce(storeSync: string): Promise<string[]> {
  const server = await startBenchServer({ extraArgs: ["--store-sync", storeSync], ...(flags["cpu-prof-dir"] ? { cpuProfDir: flags["cpu-prof-dir"] } : {}) });
  const actors: ActorProcess[] = [];
  try {
    const agent = spawnFlotilla(["agent", "--server", server.natsUrl, "--hollow-nodes", String(nodes), "--node-name", "hollow", "--data-dir", mkdtempSync(join(tmpdir(), "bench-deploy-")), "--log-level", "warn"], profArgs);
    actors.push(agent);
    for (let t0 = performance.now(); ; ) {
      const list = await server.client.list("nodes", undefined).catch(() => ({ items: [] }));
      if (list.items.length >= nodes) break;
      if (performance.now() - t0 > 180_000) throw new Error(`only ${list.items.length}/${nodes} nodes after 180 s:\n${agent.output()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const scheduler = spawnFlotilla(["scheduler", "--server", server.natsUrl, "--log-level", "warn"], profArgs);
    const cm = spawnFlotilla(["controller-manager", "--server", server.natsUrl, "--log-level", "warn"], profArgs);
    actors.push(scheduler, cm);
    await new Promise((r) => setTimeout(r, 3000)); // both have listed and are waiting
    const rssIdle = cm.rssMiB();
    let rssMax = rssIdle;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, cm.rssMiB())), 250);
    const cpu0 = { api: procCpuMs(server.apiserverPid), cm: cm.cpuMs(), sched: scheduler.cpuMs(), agent: agent.cpuMs() };
    const window = server.cpu();
    const t0 = performance.now();
    const created = await server.client.create("deployments", "default", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "big" },
      spec: {
        replicas,
        selector: { matchLabels: { app: "big" } },
        template: { metadata: { labels: { app: "big" } }, spec: { containers: [{ name: "c", image: "registry.example.com/app:1", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] } },
      },
    });
    const timeline = flags.timeline ? podTimeline(server.client, created.metadata.resourceVersion ?? "0", t0) : undefined;
    const firstSeq = Number(created.metadata.resourceVersion ?? "0");
    let firstReadyMs = 0;
    const watch = server.client.watch("deployments", "default", { resourceVersion: created.metadata.resourceVersion ?? "0", fieldSelector: "metadata.name=big" });
    const done = (async () => {
      for await (const ev of watch) {
        const s = (ev.object["status"] ?? {}) as Status;
        if (!firstReadyMs && (s.readyReplicas ?? 0) > 0) firstReadyMs = performance.now() - t0;
        if ((s.readyReplicas ?? 0) >= replicas) return performance.now() - t0;
      }
      return Number.NaN;
    })();
    const totalMs = await withDeadline(done, 300_000, () => `not all Ready after 300 s:\n${cm.output()}`);
    watch.stop();
    clearInterval(sampler);
    if (timeline) process.stdout.write(timeline.report() + (await writesByResource(server.nc, firstSeq)));
    const cpu = (pid: number, before: number) => ((procCpuMs(pid) - before) / totalMs) * 100;
    const share = window();
    const actorsPct = cpu(cm.pid, cpu0.cm) + cpu(scheduler.pid, cpu0.sched) + cpu(agent.pid, cpu0.agent);
    return [
      storeSync,
      String(replicas),
      String(nodes),
      (totalMs / 1000).toFixed(2),
      (firstReadyMs / 1000).toFixed(2),
      (replicas / (totalMs / 1000)).toFixed(0),
      `${rssIdle.toFixed(0)} → ${rssMax.toFixed(0)}`,
      `${cpu(server.apiserverPid, cpu0.api).toFixed(0)}/${cpu(cm.pid, cpu0.cm).toFixed(0)}/${cpu(scheduler.pid, cpu0.sched).toFixed(0)}/${cpu(agent.pid, cpu0.agent).toFixed(0)}/${share.nats.toFixed(0)}`,
      // Everything else busy on the machine (the bench's watch, the kernel), then steal.
      `${Math.max(0, share.other - actorsPct + share.bench).toFixed(0)}/${share.steal.toFixed(0)}`,
      // CPU per pod over every process of the cluster: steal lengthens wall time, much less this.
      (((cpu(server.apiserverPid, cpu0.api) + actorsPct + share.nats) / 100) * totalMs / replicas).toFixed(2),
      verdict(TARGET_PODS_PER_S, replicas / (totalMs / 1000)),
    ];
  } finally {
    for (const a of actors.reverse()) await a.stop();
    await server.stop();
  }
}

/**
 * --timeline: when each pod was created, bound and Ready (ms after the Deployment's
 * create), from a watch of the namespace's pods; per 500 ms, how many reached each step.
 * The watch is one more consumer of the apiserver: for finding where time goes, not for
 * the figure itself.
 */
function podTimeline(client: ServerClient, resourceVersion: string, t0: number): { report(): string } {
  const seen = new Map<string, { created: number; bound?: number; ready?: number }>();
  const watch = client.watch("pods", "default", { resourceVersion });
  void (async () => {
    for await (const ev of watch) {
      const name = String((ev.object["metadata"] as { name?: string } | undefined)?.name);
      const now = performance.now() - t0;
      const p = seen.get(name) ?? { created: now };
      seen.set(name, p);
      const spec = (ev.object["spec"] ?? {}) as { nodeName?: string };
      const conds = ((ev.object["status"] ?? {}) as { conditions?: { type: string; status: string }[] }).conditions ?? [];
      if (spec.nodeName && p.bound === undefined) p.bound = now;
      if (conds.some((c) => c.type === "Ready" && c.status === "True") && p.ready === undefined) p.ready = now;
    }
  })().catch(() => undefined);
  return {
    report() {
      watch.stop();
      const step = 500;
      const end = Math.max(0, ...[...seen.values()].map((p) => p.ready ?? p.bound ?? p.created));
      const rows: string[][] = [];
      const count = (f: (p: { created: number; bound?: number; ready?: number }) => number | undefined, from: number, to: number) => [...seen.values()].filter((p) => {
        const t = f(p);
        return t !== undefined && t >= from && t < to;
      }).length;
      for (let from = 0; from <= end; from += step) {
        rows.push([(from / 1000).toFixed(1), String(count((p) => p.created, from, from + step)), String(count((p) => p.bound, from, from + step)), String(count((p) => p.ready, from, from + step))]);
      }
      return `\nPods per ${step} ms after the Deployment's create\n\n${table(["from s", "created", "bound", "Ready"], rows)}\n`;
    },
  };
}

/** --timeline: the store writes since `fromSeq` (the Deployment's create), by resource. */
async function writesByResource(nc: NatsConnection, fromSeq: number): Promise<string> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get("KV_flotilla", { opt_start_seq: fromSeq, headers_only: true });
  const info = await (await jetstreamManager(nc)).streams.info("KV_flotilla");
  const counts = new Map<string, number>();
  const last = info.state.last_seq;
  if (last < fromSeq) return "";
  const messages = await consumer.consume();
  for await (const m of messages) {
    const resource = m.subject.split(".")[2] ?? "?";
    counts.set(resource, (counts.get(resource) ?? 0) + 1);
    if (m.seq >= last) break;
  }
  const rows = [...counts].sort((a, b) => b[1] - a[1]).map(([r, n]) => [r, String(n), (n / replicas).toFixed(2)]);
  return `\nStore writes from the Deployment's create to the end (${last - fromSeq + 1})\n\n${table(["resource", "writes", "per pod"], rows)}\n`;
}

type ServerClient = Awaited<ReturnType<typeof startBenchServer>>["client"];

await main();
