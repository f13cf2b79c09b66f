/**
 * Three masters as a user starts them: `flotilla server --cluster-init` on the first,
 * `--join` on the others, each with its own nats-server. They share one CA and one
 * service-account key (a kubeconfig or token from one works on all), the store moves
 * to three replicas, and after kill -9 of the master whose nats-server leads the store,
 * the others take writes again and lose none that were acknowledged. A planned restart
 * (SIGTERM) of that master pauses writes for a fraction of a second.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHistory } from "@flotilla/history";
import { CasWorkload } from "../support/cas-workload.ts";
import { kubectl, kubectlOk, startFlotillaServer, type FlotillaServer } from "../support/flotilla.ts";
import { api, targetFromKubeconfig } from "../support/https.ts";
import { freePort } from "../support/ports.ts";

const TOKEN = "e2e-cluster-token-0123456789";
const NAMES = ["m1", "m2", "m3"] as const;

interface Master {
  name: string;
  clusterPort: number;
  server: FlotillaServer;
}

let masters: Master[] = [];
let nc: NatsConnection;

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${masters.map((m) => `--- ${m.name}\n${m.server.logs().slice(-2000)}`).join("\n")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** kubectl against one master with another master's kubeconfig: the CA and admin token are the cluster's. */
const via = (m: Master, args: string[], timeout = "3s", kubeconfigOf: Master = masters[0]!) => kubectl({ kubeconfig: kubeconfigOf.server.kubeconfig, dataDir: kubeconfigOf.server.dataDir }, ["--server", `https://127.0.0.1:${m.server.apiPort}`, `--request-timeout=${timeout}`, ...args]);

/**
 * How long writes stood still: for each acknowledged write, how long it waited after both
 * its own send and the acknowledgement before it. A cluster pause shows in the write sent
 * as it began; a sender that stalled (a starved test process) sends nothing, which is no
 * pause of the cluster's, so gaps between acknowledgements alone would overstate it.
 */
function longestWritePauseMs(writes: readonly { sentMs: number; ackedMs: number }[]): number {
  const byAck = [...writes].sort((a, b) => a.ackedMs - b.ackedMs);
  let longest = 0;
  for (let i = 1; i < byAck.length; i++) longest = Math.max(longest, byAck[i]!.ackedMs - Math.max(byAck[i]!.sentMs, byAck[i - 1]!.ackedMs));
  return longest;
}

async function startMaster(name: string, clusterPort: number, seedPort: number, reuse?: FlotillaServer): Promise<FlotillaServer> {
  const role = name === "m1" ? ["--cluster-init"] : ["--join", `127.0.0.1:${seedPort}`];
  return startFlotillaServer({
    extraArgs: ["--node-name", name, "--cluster-port", String(clusterPort), "--token", TOKEN, ...role, ...(name === "m1" ? ["--runtime", "process"] : ["--disable-agent"])],
    ...(reuse ? { reuse } : {}),
  });
}

async function storeReplicas(): Promise<{ leader: string; current: number; replicas: number }> {
  const jsm = await jetstreamManager(nc, { timeout: 3000 });
  const info = await jsm.streams.info("KV_flotilla");
  return { leader: info.cluster?.leader ?? "", current: 1 + (info.cluster?.replicas ?? []).filter((r) => r.current).length, replicas: info.config.num_replicas };
}

/** kill -9 the master process and its nats-server, as a power cut would. */
function killMaster(m: Master): void {
  const pid = m.server.child.pid!;
  const children = execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number);
  for (const p of [pid, ...children]) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

beforeAll(async () => {
  const ports = [await freePort(), await freePort(), await freePort()];
  // Together: the first master's JetStream waits for a second one to form a quorum.
  const started = await Promise.allSettled(NAMES.map((n, i) => startMaster(n, ports[i]!, ports[0]!)));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    // Stop the masters that did start, or they outlive the test.
    await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.stop() : undefined)));
    throw failed.reason;
  }
  masters = NAMES.map((name, i) => ({ name, clusterPort: ports[i]!, server: (started[i] as PromiseFulfilledResult<FlotillaServer>).value }));
  nc = await connect({ servers: masters.map((m) => m.server.natsUrl) });
}, 180_000);

afterAll(async () => {
  if (masters.length === 0) return;
  kubectl(masters[0]!.server, ["delete", "pods", "--all", "-A", "--wait=true", "--timeout=60s"]);
  await nc?.close();
  await Promise.all(masters.map((m) => m.server.stop()));
}, 120_000);

describe("three masters", () => {
  it("e2e: joined masters share the CA, the service-account key and the admin token; the store moves to three replicas", async () => {
    for (const f of ["ca.crt", "sa.key", "admin.token"]) {
      const first = readFileSync(join(masters[0]!.server.dataDir, "pki", f), "utf8");
      for (const m of masters.slice(1)) expect(readFileSync(join(m.server.dataDir, "pki", f), "utf8"), `${m.name} ${f}`).toBe(first);
    }
    await until("KV_flotilla on three current replicas", async () => {
      const r = await storeReplicas();
      return r.replicas === 3 && r.current === 3;
    });
    // One kubeconfig works on every master; a token issued by one is accepted by another.
    for (const m of masters) expect(via(m, ["get", "namespaces", "default", "-o", "name"]).stdout.trim()).toBe("namespace/default");
    // One scheduler and one controller manager act, whichever masters they run on.
    for (const lease of ["kube-scheduler", "kube-controller-manager"]) {
      const holder = await until(`${lease} held`, () => via(masters[1]!, ["get", "lease", lease, "-n", "kube-system", "-o", "jsonpath={.spec.holderIdentity}"]).stdout);
      expect(holder).toMatch(/^m[123]_/);
    }
    // The controller manager creates the default ServiceAccount once it leads and its caches synced.
    await until("serviceaccount default", () => via(masters[0]!, ["get", "serviceaccount", "default", "-o", "name"]).stdout.trim() === "serviceaccount/default");
    const token = kubectlOk(masters[0]!.server, ["create", "token", "default"]).trim();
    expect(via(masters[2]!, ["--token", token, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]).stdout).toBe("system:serviceaccount:default:default");
  });

  it("e2e: kill -9 of the master leading the store: writes resume on the others within 15 s and no acknowledged write is lost", async () => {
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      const name = `before-${i}`;
      const r = via(masters[1]!, ["create", "configmap", name, `--from-literal=i=${i}`]);
      if (r.code === 0) acked.push(name);
    }
    expect(acked).toHaveLength(20);
    // Compare-and-set writers through every master, recording each operation for the checker.
    const workload = new CasWorkload({ targets: masters.map((m) => targetFromKubeconfig(masters[0]!.server.kubeconfig, m.server.apiPort)), namespace: "default", timeoutMs: 2000 });
    workload.start();
    await new Promise((r) => setTimeout(r, 1000));
    const { leader } = await storeReplicas();
    const victim = masters.find((m) => m.name === leader)!;
    const survivor = masters.find((m) => m !== victim)!;
    killMaster(victim);
    const t0 = performance.now();
    let writes = 0;
    await until("a write through a surviving master", () => {
      // A short client timeout, so the figure is not rounded up to whole timeouts.
      const r = via(survivor, ["create", "configmap", `after-${writes++}`], "1s");
      return r.code === 0;
    }, 15_000);
    const resumedS = (performance.now() - t0) / 1000;
    // Leases the dead master held pass to a living one.
    for (const lease of ["kube-scheduler", "kube-controller-manager"]) {
      await until(`${lease} held by a living master`, () => {
        const h = via(survivor, ["get", "lease", lease, "-n", "kube-system", "-o", "jsonpath={.spec.holderIdentity}"], "1s").stdout;
        return h !== "" && !h.startsWith(`${victim.name}_`);
      }, 15_000);
    }
    process.stdout.write(`store leader ${victim.name} killed: writes resumed after ${resumedS.toFixed(2)} s\n`);
    const listed = await until("a list through a surviving master", () => {
      const r = via(survivor, ["get", "configmaps", "-o", "jsonpath={.items[*].metadata.name}"]);
      return r.code === 0 && r.stdout;
    }, 20_000);
    const names = new Set(listed.split(" "));
    expect(acked.filter((n) => !names.has(n))).toEqual([]);

    // The dead master comes back on its data dir and catches up.
    const reborn = await startMaster(victim.name, victim.clusterPort, masters[0]!.clusterPort, victim.server);
    masters = masters.map((m) => (m === victim ? { ...m, server: reborn } : m));
    await until("three current replicas again", async () => (await storeReplicas().catch(() => undefined))?.current === 3);
    expect(via(masters.find((m) => m.name === victim.name)!, ["get", "configmap", "before-19", "-o", "jsonpath={.data.i}"]).stdout).toBe("19");

    await workload.stop();
    await workload.finalReads();
    const result = checkHistory(workload.ops);
    process.stdout.write(`compare-and-set history: ${JSON.stringify(result.counts)}\n`);
    expect(result.violations).toEqual([]);
    expect(result.counts.acknowledged).toBeGreaterThan(20);
  });

  it("e2e: SIGTERM of the master leading the store (a planned restart): writes pause well under a second, leases move at once", async () => {
    const { leader } = await until("a store leader", () => storeReplicas().catch(() => undefined));
    const victim = masters.find((m) => m.name === leader)!;
    const survivor = masters.find((m) => m !== victim)!;
    const target = targetFromKubeconfig(masters[0]!.server.kubeconfig, survivor.server.apiPort);
    const leaseHolder = (lease: string) => via(survivor, ["get", "lease", lease, "-n", "kube-system", "-o", "jsonpath={.spec.holderIdentity}"], "1s").stdout;
    const held = ["kube-scheduler", "kube-controller-manager"].filter((l) => leaseHolder(l).startsWith(`${victim.name}_`));
    // Keys of its own: the checker tells writes apart by id, and ids restart with each workload.
    kubectlOk(masters[0]!.server, ["create", "namespace", "planned"]);
    const workload = new CasWorkload({ targets: masters.map((m) => targetFromKubeconfig(masters[0]!.server.kubeconfig, m.server.apiPort)), namespace: "planned", timeoutMs: 2000 });
    workload.start();
    // Open-loop creates through a surviving master, one every 20 ms whatever the earlier
    // ones do. (A closed loop measures its own timeout instead: a request caught in the
    // hand-over window waits for it, and so would every later one of that writer.)
    const writes: { sentMs: number; ackedMs: number }[] = [];
    const pending: Promise<void>[] = [];
    let sent = 0;
    const ticker = setInterval(() => {
      const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `planned-${sent++}` } });
      const sentMs = performance.now();
      pending.push(
        Promise.race([api(target, "POST", "/api/v1/namespaces/planned/configmaps", body).then((r) => r.status === 201), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))])
          .catch(() => false)
          .then((ok) => void (ok && writes.push({ sentMs, ackedMs: performance.now() }))),
      );
    }, 20);
    // A starved test process also stalls its own loop: reported, so a long pause can be read.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = performance.now();
    await victim.server.halt();
    const stoppedS = (performance.now() - t0) / 1000;
    const moved: Record<string, number> = {};
    await until("leases held by living masters", () => {
      for (const l of held) if (moved[l] === undefined && !leaseHolder(l).startsWith(`${victim.name}_`)) moved[l] = (performance.now() - t0) / 1000;
      return held.every((l) => moved[l] !== undefined);
    }, 15_000);
    await new Promise((r) => setTimeout(r, 3000));
    clearInterval(ticker);
    await Promise.all(pending);
    loopDelay.disable();
    const longestPauseS = longestWritePauseMs(writes.filter((w) => w.ackedMs >= t0 - 1000)) / 1000;
    process.stdout.write(`planned restart of ${victim.name} (store leader): stopped in ${stoppedS.toFixed(2)} s, longest write pause ${longestPauseS.toFixed(3)} s, ${writes.length}/${sent} creates acknowledged, test loop stalled up to ${(loopDelay.max / 1e6).toFixed(0)} ms, leases moved ${JSON.stringify(moved)}\n`);
    expect(writes.some((w) => w.ackedMs > t0 + stoppedS * 1000), "writes went on after the stop").toBe(true);
    expect(longestPauseS).toBeLessThan(1);

    const reborn = await startMaster(victim.name, victim.clusterPort, masters[0]!.clusterPort, victim.server);
    masters = masters.map((m) => (m === victim ? { ...m, server: reborn } : m));
    await until("three current replicas again", async () => (await storeReplicas().catch(() => undefined))?.current === 3);
    await workload.stop();
    await workload.finalReads();
    const result = checkHistory(workload.ops);
    process.stdout.write(`compare-and-set history: ${JSON.stringify(result.counts)}\n`);
    expect(result.violations).toEqual([]);
  });
});
