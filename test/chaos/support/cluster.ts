/**
 * A Flotilla HA cluster in Docker containers for chaos tests: masters m1..mN (each
 * `flotilla server` with its embedded nats-server, JetStream clustered across them) and
 * nodes n1..nK (`flotilla agent`, process runtime), on a Docker network of their own.
 *
 *   const cluster = await startChaosCluster({ masters: 3, nodes: 3 });
 *   await cluster.master("m1").kubectlOk(["get", "nodes"]);
 *   await cluster.master("m2").kill();
 *   ...
 *   await cluster.stop();
 *
 * Inside the network members find each other by name (network aliases). The host
 * reaches each master's Kubernetes API and NATS through ports published on 127.0.0.1;
 * a master's kubeconfig names its in-container address, so the host's copy is rewritten
 * to the published port (the serving certificate covers 127.0.0.1).
 *
 * Every container and the network carry a label with the run's id; stop() removes
 * them, and so does a failed start and the process's exit, so a crashed test leaves
 * nothing behind (Ryuk, testcontainers' own reaper, is off: see env.ts).
 */
import "./env.ts";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getContainerRuntimeClient } from "testcontainers";
import { freePort } from "../../support/ports.ts";
import { FlotillaContainer } from "./container.ts";
import { ensureFlotillaImage } from "./image.ts";
import { hostKubeconfig, readyNodes, until } from "./kube.ts";
import { ContainerMember, MasterMember, MemberExitedError, type Master, type Member, type MemberDeps } from "./members.ts";
import { createClusterNetwork, type ClusterNetwork } from "./network.ts";

/** Label on every container and network of a run: `docker ps -a --filter label=flotilla.chaos.run` finds leftovers. */
export const RUN_LABEL = "flotilla.chaos.run";
const DATA_DIR = "/var/lib/flotilla";
const CLUSTER_PORT = 6222;
const DEFAULT_TOKEN = "chaos-cluster-token-0123456789abcdef";

export interface ChaosClusterOptions {
  /** How many masters; 1 is a standalone master (no --cluster-init). @default 3 */
  masters?: number;
  /** How many nodes (agents with the process runtime). @default 3 */
  nodes?: number;
  /** The cluster token every master is given. @default a fixed test token */
  token?: string;
  /**
   * Flotilla's log level in every container. No higher than info: readiness is read from
   * the info lines "master ready" and "kubelet started" (members.ts). @default "info"
   */
  logLevel?: "trace" | "debug" | "info";
  /** More `flotilla server` flags for every master (e.g. --node-grace-period-ms). */
  serverArgs?: readonly string[];
  /** More `flotilla agent` flags for every node. */
  agentArgs?: readonly string[];
  /** Limit for the whole start, image included. @default 180_000 */
  startupTimeoutMs?: number;
}

/** Milliseconds each start-up step took (for the report, and to keep the harness fast). */
export interface StartupTimings {
  image: number;
  masters: number;
  nodes: number;
  nodesReady: number;
  total: number;
  /** Whether the image was rebuilt (its inputs changed). */
  imageBuilt: boolean;
}

export interface ChaosCluster {
  /** The run's id: in container names, the network's name and RUN_LABEL. */
  readonly id: string;
  /** The Docker network's name and subnet. */
  readonly network: { name: string; subnet: string };
  readonly masters: readonly Master[];
  readonly nodes: readonly Member[];
  readonly timings: StartupTimings;
  /** Members that crashed while the cluster started and were started again (a Flotilla bug each). */
  readonly startupCrashes: readonly string[];
  master(name: string): Master;
  node(name: string): Member;
  /** Every master's NATS URL on the host (mapped 4222). */
  natsUrls(): string[];
  /** The last lines of every member's output, for a failure message. */
  logs(tail?: number): Promise<string>;
  /** Remove every container and the network. Safe to call twice. */
  stop(): Promise<void>;
}

function serverArgs(name: string, names: readonly string[], token: string, logLevel: string, extra: readonly string[]): string[] {
  const clustered = names.length > 1;
  const role = name === names[0] ? ["--cluster-init"] : ["--join", names.filter((n) => n !== name).map((n) => `${n}:${CLUSTER_PORT}`).join(",")];
  return [
    "server",
    "--data-dir", DATA_DIR,
    "--node-name", name,
    "--token", token,
    // Listen on every interface: the other masters and the nodes dial in over the network,
    // the host through the published ports.
    "--bind-address", "0.0.0.0",
    "--nats-host", "0.0.0.0",
    "--cluster-host", "0.0.0.0",
    "--cluster-advertise", `${name}:${CLUSTER_PORT}`,
    // 127.0.0.1 for the host (published ports), the name for clients inside the network.
    "--tls-san", "127.0.0.1", name,
    "--disable-agent",
    "--log-level", logLevel,
    ...(clustered ? role : []),
    ...extra,
  ];
}

function agentArgs(name: string, masters: readonly string[], logLevel: string, extra: readonly string[]): string[] {
  return ["agent", "--server", masters.map((m) => `nats://${m}:4222`).join(","), "--node-name", name, "--data-dir", `${DATA_DIR}/agent`, "--runtime", "process", "--log-level", logLevel, ...extra];
}

/** Synchronous, for process exit: remove the run's containers and network by label. */
function removeRunSync(id: string): void {
  const ids = spawnSync("docker", ["ps", "-aq", "--filter", `label=${RUN_LABEL}=${id}`], { encoding: "utf8" }).stdout?.split("\n").filter(Boolean) ?? [];
  if (ids.length > 0) spawnSync("docker", ["rm", "-f", "-v", ...ids], { stdio: "ignore" });
  spawnSync("docker", ["network", "rm", `flotilla-chaos-${id}`], { stdio: "ignore" });
}

/**
 * Wait for a member started for the first time. A member that exits before it is ready
 * is started once more on the same data, as a service manager would restart it, and the
 * crash is recorded in `crashes` and printed: it is a Flotilla bug to report, but the
 * scenario that needed the cluster can still run.
 */
async function readyRestartingOnce(m: ContainerMember, timeoutMs: number, crashes: string[]): Promise<void> {
  try {
    await m.waitReady(timeoutMs);
  } catch (err) {
    if (!(err instanceof MemberExitedError)) throw err;
    const note = `${m.name} exited (code ${err.exitCode}) during start-up and was started again: ${lastLines(err.message, 3)}`;
    console.warn(`chaos cluster: ${note}`);
    crashes.push(note);
    await m.start({ wait: false });
    await m.waitReady(timeoutMs);
  }
}

const lastLines = (text: string, n: number): string => text.trimEnd().split("\n").slice(-n).join(" | ");

/** What every step of a start shares. */
interface Run {
  id: string;
  /** Host directory for the kubeconfigs and kubectl's HOME. */
  dir: string;
  image: string;
  network: ClusterNetwork;
  deps: MemberDeps;
  token: string;
  logLevel: string;
  timeoutMs: number;
  crashes: string[];
}

/** Fixed addresses: masters from .11, nodes from .101 (network.ts says why). */
const ipOf = (run: Run, name: string): string => run.network.address((name.startsWith("m") ? 10 : 100) + Number(name.slice(1)));

function memberContainer(run: Run, name: string, cmd: string[]): FlotillaContainer {
  return new FlotillaContainer(run.image)
    .withName(`flotilla-chaos-${run.id}-${name}`)
    .withHostname(name)
    .onNetwork(run.network.name, name, ipOf(run, name))
    .withLabels({ [RUN_LABEL]: run.id, "flotilla.chaos.member": name })
    .withCommand(cmd)
    .withInit();
}

/** Start the masters together (the first one's JetStream waits for a second to form a quorum) and read their kubeconfigs. */
async function startMasters(run: Run, names: readonly string[], extra: readonly string[]): Promise<MasterMember[]> {
  const ports = await Promise.all(names.map(async () => ({ api: await freePort(), nats: await freePort() })));
  const masters = await Promise.all(
    names.map(async (name, i) => {
      const c = memberContainer(run, name, serverArgs(name, names, run.token, run.logLevel, extra))
        .withLoopbackPort(6443, ports[i]!.api)
        .withLoopbackPort(4222, ports[i]!.nats);
      return new MasterMember(name, ipOf(run, name), await c.start(), run.deps, ports[i]!);
    }),
  );
  await Promise.all(
    masters.map(async (m) => {
      await readyRestartingOnce(m, run.timeoutMs, run.crashes);
      // The kubeconfig names the in-container address; the host's copy names the mapped port.
      const kc = await m.exec(["cat", `${DATA_DIR}/kubeconfig`]);
      if (kc.exitCode !== 0) throw new Error(`${m.name}: no kubeconfig in ${DATA_DIR}: ${kc.stderr}`);
      m.api = hostKubeconfig(kc.stdout, m.apiUrl, run.dir, m.name);
      await m.waitReady(run.timeoutMs);
    }),
  );
  return masters;
}

/** Start the nodes and wait until the first master lists every one of them Ready. */
async function startNodes(run: Run, names: readonly string[], masters: readonly MasterMember[], extra: readonly string[]): Promise<ContainerMember[]> {
  const masterNames = masters.map((m) => m.name);
  const nodes = await Promise.all(names.map(async (name) => new ContainerMember(name, "node", ipOf(run, name), await memberContainer(run, name, agentArgs(name, masterNames, run.logLevel, extra)).start(), run.deps)));
  await Promise.all(nodes.map((n) => readyRestartingOnce(n, run.timeoutMs, run.crashes)));
  return nodes;
}

/** The output of a run's containers, for the error of a start that failed (they are removed next). */
function outputOf(id: string): string {
  const ids = spawnSync("docker", ["ps", "-aq", "--filter", `label=${RUN_LABEL}=${id}`], { encoding: "utf8" }).stdout?.split("\n").filter(Boolean) ?? [];
  return ids
    .map((cid) => {
      const r = spawnSync("docker", ["logs", "--tail", "30", cid], { encoding: "utf8" });
      const name = spawnSync("docker", ["inspect", "-f", "{{.Config.Hostname}}", cid], { encoding: "utf8" }).stdout?.trim();
      return `--- ${name}\n${r.stdout ?? ""}${r.stderr ?? ""}`;
    })
    .join("\n");
}

/** Start a cluster; resolves once every master answers /readyz and every node is Ready. */
export async function startChaosCluster(opts: ChaosClusterOptions = {}): Promise<ChaosCluster> {
  const t0 = performance.now();
  const id = randomBytes(4).toString("hex");
  const masterNames = Array.from({ length: opts.masters ?? 3 }, (_, i) => `m${i + 1}`);
  const nodeNames = Array.from({ length: opts.nodes ?? 3 }, (_, i) => `n${i + 1}`);
  const logLevel = opts.logLevel ?? "info";
  if (!["trace", "debug", "info"].includes(logLevel)) throw new Error(`logLevel must be trace, debug or info (readiness is read from info lines), got "${logLevel}"`);
  const onExit = () => removeRunSync(id);
  process.once("exit", onExit);
  const dir = mkdtempSync(join(tmpdir(), "flotilla-chaos-"));
  try {
    const image = await ensureFlotillaImage();
    const tImage = performance.now();
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    const network = await createClusterNetwork(docker, `flotilla-chaos-${id}`, { [RUN_LABEL]: id });
    const run: Run = { id, dir, image: image.tag, network, deps: { docker, network: network.name }, token: opts.token ?? DEFAULT_TOKEN, logLevel, timeoutMs: opts.startupTimeoutMs ?? 180_000, crashes: [] };
    const masters = await startMasters(run, masterNames, opts.serverArgs ?? []);
    const tMasters = performance.now();
    const nodes = await startNodes(run, nodeNames, masters, opts.agentArgs ?? []);
    const tNodes = performance.now();
    const first = masters[0]!;
    const allReady = async () => {
      const ready = await readyNodes(first.api);
      return nodeNames.every((n) => ready.includes(n));
    };
    await until("every node Ready", allReady, run.timeoutMs, async () => (await first.kubectl(["get", "nodes", "-o", "wide"])).stdout);
    const tReady = performance.now();
    const timings = { image: tImage - t0, masters: tMasters - tImage, nodes: tNodes - tMasters, nodesReady: tReady - tNodes, total: tReady - t0, imageBuilt: image.built };
    return clusterHandle(run, masters, nodes, timings, () => process.off("exit", onExit));
  } catch (err) {
    const output = outputOf(id);
    removeRunSync(id);
    process.off("exit", onExit);
    rmSync(dir, { recursive: true, force: true });
    if (err instanceof Error && output) err.message += `\n${output}`;
    throw err;
  }
}

function clusterHandle(run: Run, masters: readonly Master[], nodes: readonly Member[], timings: StartupTimings, done: () => void): ChaosCluster {
  let stopped = false;
  const find = <T extends Member>(list: readonly T[], name: string): T => {
    const m = list.find((x) => x.name === name);
    if (!m) throw new Error(`no member ${name} in this cluster (${list.map((x) => x.name).join(", ")})`);
    return m;
  };
  return {
    id: run.id,
    network: { name: run.network.name, subnet: run.network.subnet },
    masters,
    nodes,
    timings,
    startupCrashes: run.crashes,
    master: (name) => find(masters, name),
    node: (name) => find(nodes, name),
    natsUrls: () => masters.map((m) => m.natsUrl),
    logs: async (tail = 80) => (await Promise.all([...masters, ...nodes].map(async (m) => `--- ${m.name}\n${await m.logs(tail)}`))).join("\n"),
    async stop() {
      if (stopped) return;
      stopped = true;
      await removeRun(run);
      done();
      rmSync(run.dir, { recursive: true, force: true });
    },
  };
}

/** Remove the run's containers (any state, with their anonymous volumes), then its network. */
async function removeRun(run: Run): Promise<void> {
  const { docker } = run.deps;
  const list = await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${run.id}`] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  await run.network.remove();
}
