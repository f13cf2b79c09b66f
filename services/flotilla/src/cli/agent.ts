/**
 * `flotilla agent`: one node — a kubelet (kube-proxy comes with the networking work) that
 * joins a cluster through its NATS servers. `--hollow-nodes N` instead runs N hollow
 * kubelets in this process for scale tests. `flotilla server` starts one agent too.
 */
import { Command, Option } from "commander";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { connectBus } from "@flotilla/bus";
import { detectNodeIp, DockerRuntime, HollowRuntime, Kubelet, machineInfo, ProcessRuntime, withDefaults, type Runtime, type RuntimeName } from "@flotilla/kubelet";
import { createLogger } from "@flotilla/log";
import type { NatsConnection } from "@nats-io/transport-node";
import { DEFAULT_DATA_DIR } from "./defaults.ts";
import { applyConfigFile } from "./config-file.ts";
import { untilSignal } from "./signals.ts";

export interface AgentSettings {
  natsUrls: string[];
  dataDir: string;
  nodeName?: string | undefined;
  nodeIp?: string | undefined;
  runtimes: RuntimeName[];
  labels: Record<string, string>;
  logLevel: string;
  hollowNodes: number;
  heartbeatIntervalMs?: number | undefined;
  crashLoopBackoffBaseMs?: number | undefined;
}

export interface Agent {
  kubelets: Kubelet[];
  stop(): Promise<void>;
}

export function parseLabels(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf("=");
    if (i <= 0) throw new Error(`--node-label must be key=value, got "${p}"`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

async function runtimesFor(names: readonly RuntimeName[], dataDir: string, nodeIp: string, log: ReturnType<typeof createLogger>): Promise<Map<RuntimeName, Runtime>> {
  const out = new Map<RuntimeName, Runtime>();
  for (const name of names) {
    if (name === "process") out.set(name, await ProcessRuntime.create({ rootDir: join(dataDir, "process"), nodeIp, log: log.child({ runtime: "process" }) }));
    else out.set(name, await DockerRuntime.create({ log: log.child({ runtime: "docker" }) }));
  }
  return out;
}

/** Kubernetes' rule for a pod without runtimeClassName: docker where an engine answers, else process. */
export async function detectRuntimes(): Promise<RuntimeName[]> {
  return (await DockerRuntime.available()) ? ["docker", "process"] : ["process"];
}

/** Start the node's kubelet (or many hollow ones) on its own NATS connection. */
export async function startAgent(s: AgentSettings): Promise<Agent> {
  const log = createLogger("kubelet", { level: s.logLevel });
  await mkdir(s.dataDir, { recursive: true });
  const nc: NatsConnection = await connectBus({ servers: s.natsUrls, name: `flotilla-agent-${s.nodeName ?? "local"}`, log });
  const kubelets: Kubelet[] = [];
  const base = {
    dataDir: s.dataDir,
    runtimes: s.runtimes,
    labels: s.labels,
    ...(s.heartbeatIntervalMs ? { heartbeatIntervalMs: s.heartbeatIntervalMs } : {}),
    ...(s.crashLoopBackoffBaseMs ? { crashLoopBackoffBaseMs: s.crashLoopBackoffBaseMs } : {}),
    ...(s.nodeIp ? { nodeIp: s.nodeIp } : {}),
  };
  if (s.hollowNodes > 0) {
    const prefix = s.nodeName ?? "hollow";
    const machine = { ...machineInfo(), cpus: 4, memoryBytes: 16 * 1024 ** 3 };
    const starts = Array.from({ length: s.hollowNodes }, async (_, i) => {
      const cfg = withDefaults({ ...base, nodeName: `${prefix}-${i}`, hollow: true, runtimes: ["process"], nodeIp: `10.99.${Math.floor(i / 250)}.${(i % 250) + 1}` }, detectNodeIp);
      kubelets.push(await Kubelet.start(cfg, { nc, log: log.child({ node: cfg.nodeName }), runtimes: new Map([["process", new HollowRuntime(cfg.nodeIp)]]), machine }));
    });
    await Promise.all(starts);
  } else {
    const cfg = withDefaults({ ...base, ...(s.nodeName ? { nodeName: s.nodeName } : {}) }, detectNodeIp);
    const runtimes = await runtimesFor(cfg.runtimes, cfg.dataDir, cfg.nodeIp, log);
    kubelets.push(await Kubelet.start(cfg, { nc, log, runtimes, machine: machineInfo() }));
  }
  return {
    kubelets,
    async stop() {
      for (const k of kubelets) await k.stop();
      await nc.drain();
    },
  };
}

interface AgentFlags {
  config?: string;
  server: string[];
  dataDir: string;
  nodeName?: string;
  nodeIp?: string;
  runtime?: string[];
  nodeLabel: string[];
  hollowNodes: string;
  logLevel: string;
  crashLoopBackoffBaseMs?: string;
}

export function agentCommand(): Command {
  return new Command("agent")
    .description("run a node: a kubelet that joins the cluster through its NATS servers")
    .addOption(new Option("--config <file>", "YAML file of settings (keys are these flag names)").env("FLOTILLA_CONFIG"))
    .addOption(new Option("--server <url...>", "NATS URL(s) of the masters, e.g. nats://10.0.0.1:4222").env("FLOTILLA_SERVER").default(["nats://127.0.0.1:4222"]))
    .addOption(new Option("--data-dir <dir>", "pod directories and container logs").env("FLOTILLA_DATA_DIR").default(join(DEFAULT_DATA_DIR, "agent")))
    .addOption(new Option("--node-name <name>", "the Node's name (default: the host name)").env("FLOTILLA_NODE_NAME"))
    .addOption(new Option("--node-ip <addr>", "the node's address (default: first non-loopback IPv4)").env("FLOTILLA_NODE_IP"))
    .addOption(new Option("--runtime <name...>", "container runtimes, the first is the default (default: docker,process when a Docker engine answers, else process)"))
    .addOption(new Option("--node-label <key=value...>", "extra Node labels").default([]))
    .addOption(new Option("--crash-loop-backoff-base-ms <ms>", "first CrashLoopBackOff delay; doubles per restart up to 5 min").env("FLOTILLA_CRASH_LOOP_BACKOFF_BASE_MS"))
    .addOption(new Option("--hollow-nodes <n>", "run N hollow kubelets (scale tests) named <node-name>-<i>").default("0"))
    .addOption(new Option("--log-level <level>", "trace, debug, info, warn, error").env("FLOTILLA_LOG_LEVEL").default("info"))
    .action(async (_o: AgentFlags, c: Command) => {
      await applyConfigFile(c, c.getOptionValue("config") as string | undefined);
      const f = c.opts<AgentFlags>();
      const agent = await startAgent({
        natsUrls: f.server.flatMap((u) => u.split(",")),
        dataDir: f.dataDir,
        nodeName: f.nodeName,
        nodeIp: f.nodeIp,
        runtimes: f.runtime ? (f.runtime.flatMap((r) => r.split(",")) as RuntimeName[]) : await detectRuntimes(),
        labels: parseLabels(f.nodeLabel),
        logLevel: f.logLevel,
        hollowNodes: Number(f.hollowNodes) || 0,
        crashLoopBackoffBaseMs: f.crashLoopBackoffBaseMs ? Number(f.crashLoopBackoffBaseMs) : undefined,
      });
      await untilSignal();
      await agent.stop();
    });
}
