/**
 * High availability, measured: three masters and three nodes in containers, and the
 * faults the issue lists, each repeated FLOTILLA_CHAOS_KILLS times (2 by default, 20 in
 * `make chaos`):
 * 1. kill -9 of the master holding the scheduler / controller-manager leases while a
 *    Deployment is being scaled: a surviving master shows a new holder (≤ 3 s);
 * 2. kill -9 of the master whose nats-server leads the store's stream: writes succeed
 *    again through the others (≤ 10 s);
 * 3. one master cut off from the network for 10 s: the others keep taking writes; once
 *    reconnected the stream has three current replicas again;
 * 4. every master killed at once and started again: every acknowledged write and the
 *    Deployment are still there;
 * 5. a node killed: the pods of a Deployment tolerating unreachable nodes for 2 s run on
 *    the other nodes.
 * In 1–4 compare-and-set clients write through every master; their history must be
 * linearizable with no acknowledged write lost, and the masters' logs must show no two
 * holders of one lease at once. A process pod started on n1 before any of it keeps
 * running (same PID, no restart): workloads do not notice masters dying.
 * Every figure goes into one table, printed at the end.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkHistory } from "@flotilla/history";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CasWorkload } from "../support/cas-workload.ts";
import { chaosSkipReason } from "./support/skip.ts";
import { auditLeaders, describeOverlap, overlapsBetween, type KillRecord } from "./support/audit.ts";
import { explainViolations, type ChaosEvent } from "./support/explain.ts";
import { startChaosCluster, type ChaosCluster } from "./support/cluster.ts";
import { readyNodes, until } from "./support/kube.ts";
import type { Master, Member } from "./support/members.ts";
import { apiRequest, casTarget, deploymentStatus, firstWrite, holderMaster, keepScaling, leaseHolder, LEASES, listPods, podReady, scaleDeployment, sleepDeployment, StoreView, timeUntil, tryCreateConfigMap, type StoreInfo } from "./support/probes.ts";
import { summaryTable, type SummaryRow } from "./support/summary.ts";
import { WITNESS_NODE, witnessPod, witnessState, type WitnessState } from "./support/witness.ts";

const skip = chaosSkipReason();
const KILLS = Math.max(1, Number(process.env["FLOTILLA_CHAOS_KILLS"] ?? 2));
const PROBES = "chaos-probe";

let cluster: ChaosCluster;
let store: StoreView;
/** Masters the test has killed or cut off and not yet brought back. */
const down = new Set<string>();
const kills: KillRecord[] = [];
/** What the test did to the cluster, on the workload's clock, to explain a violation. */
const events: ChaosEvent[] = [];
const event = (what: string): void => void events.push({ atMs: performance.now(), what });
const rows: SummaryRow[] = [];
/** The checker's explanation of a scenario's violations, on one line, for its failure message. */
const violationReports = new Map<string, string>();
const violations = (namespace: string): string => `history violations: ${violationReports.get(namespace) ?? "none"}`;
let witness: { pid: string; containerID: string } | undefined;

const masters = (): readonly Master[] => cluster.masters;
const living = (): Master[] => masters().filter((m) => !down.has(m.name));
const others = (victim: Member): Master[] => masters().filter((m) => m !== victim && !down.has(m.name));
const logs = async (): Promise<string> => cluster.logs(40);
const s = (ms: number | undefined): number => (ms === undefined ? NaN : ms / 1000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The stream's cluster as the given masters' servers see it, for a failure message. */
const streamThen = async (via: readonly Master[]): Promise<string> => `the stream then: ${await store.describe(via.map((m) => m.name))}`;

async function killMember(m: Member): Promise<void> {
  if (m.role === "master") down.add(m.name);
  event(`kill ${m.name}`);
  await m.kill();
  // Docker's exit record bounds the victim's last act more tightly than the call's
  // return: under load `docker kill` has taken 2.4 s to return (the audit then saw a
  // 453 ms "overlap" with a successor that took over 2 s after the victim went silent).
  const returnedMs = Date.now();
  const exitedMs = await m.exitedAtMs().catch(() => undefined);
  kills.push({ member: m.name, atMs: Math.min(returnedMs, exitedMs ?? returnedMs) });
  event(`${m.name} killed`);
}

async function startMaster(m: Master): Promise<void> {
  event(`start ${m.name}`);
  await m.start();
  down.delete(m.name);
  event(`${m.name} ready`);
}

/** Stream on three current replicas, every master ready, each lease held by a running master. */
async function settled(timeoutMs = 90_000): Promise<StoreInfo> {
  return until(
    "a settled cluster (three current replicas, leases held)",
    async () => {
      const info = await store.info(living().map((m) => m.name));
      if (!info || info.current !== 3 || info.replicas !== 3) return false;
      for (const lease of LEASES) {
        const holder = await leaseHolder(living()[0]!, lease, 2000);
        if (!holder || down.has(holderMaster(holder))) return false;
      }
      return info;
    },
    timeoutMs,
    logs,
  );
}

const byName = (name: string): Master => cluster.master(name);

const witnessNow = (): Promise<WitnessState> => witnessState(living()[0]!.api, cluster.node(WITNESS_NODE));

async function expectWitnessUntouched(): Promise<void> {
  const now = await until("the witness pod's status", witnessNow, 30_000, logs);
  expect(now, "the process pod on n1 started before the chaos").toEqual({ ...witness, restarts: 0 });
}

/**
 * Run `chaos` while compare-and-set clients write through every master; afterwards read
 * every key once more and check the history. Returns the checker's counts for the table.
 */
async function underCasLoad(namespace: string, chaos: () => Promise<void>): Promise<NonNullable<SummaryRow["history"]>> {
  const workload = new CasWorkload({ targets: masters().map(casTarget), namespace, timeoutMs: 2000, pauseMs: 50 });
  workload.start();
  try {
    await chaos();
  } finally {
    await workload.stop();
  }
  await settled();
  await workload.finalReads();
  const result = checkHistory(workload.ops);
  if (result.violations.length > 0) {
    const explained = explainViolations(result.violations, workload.ops, events, masters().map((m) => m.name));
    console.error(`${namespace}: history violations:\n${explained}`);
    violationReports.set(namespace, explained.replace(/\n+/g, " / ").slice(0, 1200));
  }
  return { ...result.counts, lost: result.violations.filter((v) => v.rule === "lost-write").length, violations: result.violations.length, staleReads: result.violations.filter((v) => v.rule === "stale-read").length, failedSeen: result.violations.filter((v) => v.rule === "failed-write-seen").length };
}

/** The split-brain audit for what started since `fromMs`; prints any overlap. */
async function overlapsSince(fromMs: number): Promise<number> {
  const audit = await auditLeaders(masters(), kills);
  const found = overlapsBetween(audit, fromMs, Date.now());
  if (found.length > 0) console.error(`split brain:\n${found.map((o) => `  ${describeOverlap(o)}`).join("\n")}`);
  return found.length;
}

async function webConverged(replicas: number): Promise<void> {
  await until(`web scaled to ${replicas}`, async () => scaleDeployment(living()[0]!, "default", "web", replicas), 30_000, logs);
  await until(
    `web: ${replicas} ready pods`,
    async () => {
      const d = await deploymentStatus(living()[0]!, "default", "web");
      const pods = await listPods(living()[0]!, "default", "app=web");
      return d?.replicas === replicas && d.ready === replicas && d.updated === replicas && pods?.filter(podReady).length === replicas;
    },
    90_000,
    logs,
  );
}

const timeout = (base: number, perKill: number): number => base + KILLS * perKill;

if (skip) it.skip(`chaos scenarios: skipped: ${skip}`, () => undefined);

describe.skipIf(skip !== undefined)("chaos scenarios", () => {
  beforeAll(async () => {
    cluster = await startChaosCluster({ masters: 3, nodes: 3 });
    console.log(`chaos cluster ${cluster.id} up in ${(cluster.timings.total / 1000).toFixed(1)} s; ${KILLS} kill(s) per scenario`);
    store = await StoreView.create(cluster.masters);
    const m1 = cluster.master("m1");
    for (const ns of [PROBES, "chaos-s1", "chaos-s2", "chaos-s3", "chaos-s4"]) await m1.kubectlOk(["create", "namespace", ns]);
    for (const obj of [witnessPod(), sleepDeployment("web", 3)]) await m1.kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(obj) });
    await m1.kubectlOk(["wait", "--for=condition=Ready", "pod/witness", "--timeout=60s"]);
    await m1.kubectlOk(["rollout", "status", "deployment/web", "--timeout=60s"]);
    const w = await witnessNow();
    expect(w.pid, `the witness process in ${WITNESS_NODE}'s container`).toMatch(/^\d+$/);
    witness = { pid: w.pid, containerID: w.containerID };
    await settled();
  }, 300_000);

  afterAll(async () => {
    if (rows.length > 0) console.log(`chaos summary (FLOTILLA_CHAOS_KILLS=${KILLS}):\n${summaryTable(rows)}`);
    if (cluster) {
      const audit = await auditLeaders(cluster.masters, kills);
      console.log(`leader terms audited: ${JSON.stringify(audit.terms)}; overlapping terms of different holders: ${audit.overlaps.length}`);
    }
    // The containers go with the cluster; their output stays for whoever reads the figures.
    if (cluster) {
      const dir = mkdtempSync(join(tmpdir(), `flotilla-chaos-${cluster.id}-`));
      for (const m of [...cluster.masters, ...cluster.nodes]) writeFileSync(join(dir, `${m.name}.log`), await m.logs(1_000_000_000));
      console.log(`members' logs: ${dir}`);
    }
    await store?.close();
    await cluster?.stop();
  }, 120_000);

  it("chaos: kill -9 of the master holding the scheduler and controller-manager leases, under load: a new holder within 3 s", async () => {
    const from = Date.now();
    const samples: number[] = [];
    const notes: string[] = [];
    const row: SummaryRow = { scenario: "1 lease holder kill -9", kills: String(KILLS), figure: "new lease holder", samples, target: "≤ 3 s" };
    rows.push(row);
    row.history = await underCasLoad("chaos-s1", async () => {
      const load = keepScaling(living, "default", "web");
      try {
        for (let r = 0; r < KILLS; r++) {
          let info = await settled();
          const holders = await Promise.all(LEASES.map(async (l) => holderMaster((await leaseHolder(living()[0]!, l, 2000)) ?? "")));
          // The master holding the most leases; if it leads the store too, move the store's leader away.
          const victim = byName([...holders].sort((a, b) => holders.filter((h) => h === b).length - holders.filter((h) => h === a).length)[0]!);
          for (let i = 0; i < 3 && info.leader === victim.name; i++) {
            await store.stepDown(others(victim)[0]!.name).catch(() => undefined);
            info = await settled();
          }
          const held = LEASES.filter((_, i) => holders[i] === victim.name);
          notes.push(`${victim.name} held ${held.join("+")}${info.leader === victim.name ? " and led the store" : ` (store leader ${info.leader})`}`);
          const t0 = performance.now();
          await killMember(victim);
          const survivors = others(victim);
          let i = 0;
          const ms = await timeUntil(t0, async () => {
            const seen = await Promise.all(held.map((l) => leaseHolder(survivors[i++ % survivors.length]!, l, 500)));
            return seen.every((h) => h !== undefined && h !== "" && holderMaster(h) !== victim.name);
          }, 30_000, 50);
          samples.push(s(ms));
          if (ms === undefined) notes.push(`no new holder in 30 s; ${await streamThen(survivors)}`);
          await startMaster(victim);
        }
      } finally {
        await load.stop();
      }
      await webConverged(3);
    });
    if (notes.length) row.note = notes.join("; ");
    row.overlaps = await overlapsSince(from);
    // The audit must have seen the takeovers, or it could not have found an overlap.
    const audit = await auditLeaders(masters(), kills);
    for (const lease of LEASES) expect(audit.terms[lease], `terms of ${lease} in the masters' logs`).toBeGreaterThan(0);
    expect(audit.intervals.filter((t) => t.startMs >= from).length, "terms begun during the scenario").toBeGreaterThan(0);
    expect(row.history.violations, violations("chaos-s1")).toBe(0);
    expect(row.overlaps).toBe(0);
    expect(Math.max(...samples), `lease takeover times (s): ${samples.join(", ")}; ${notes.join("; ")}`).toBeLessThanOrEqual(6);
    await expectWitnessUntouched();
  }, timeout(180_000, 60_000));

  it("chaos: kill -9 of the master leading the store's stream: writes succeed through the others within 10 s", async () => {
    const from = Date.now();
    const samples: number[] = [];
    const failures: string[] = [];
    const row: SummaryRow = { scenario: "2 store leader kill -9", kills: String(KILLS), figure: "writes resume", samples, target: "≤ 10 s" };
    rows.push(row);
    row.history = await underCasLoad("chaos-s2", async () => {
      for (let r = 0; r < KILLS; r++) {
        const info = await settled();
        const victim = byName(info.leader);
        const t0 = performance.now();
        await killMember(victim);
        const w = await firstWrite(others(victim), PROBES, `s2-${r}`, t0, 60_000);
        samples.push(s(w.ms));
        failures.push(`round ${r} (${victim.name}): ${w.failures || "none failed"}${w.ms === undefined ? `; ${await streamThen(others(victim))}` : ""}`);
        await startMaster(victim);
      }
    });
    row.overlaps = await overlapsSince(from);
    expect(row.history.violations, violations("chaos-s2")).toBe(0);
    expect(row.overlaps).toBe(0);
    expect(Math.max(...samples), `write resumption times (s): ${samples.join(", ")}; writes refused before: ${failures.join("; ")}`).toBeLessThanOrEqual(20);
    await expectWitnessUntouched();
  }, timeout(180_000, 60_000));

  it("chaos: a master cut off for 10 s: the others keep taking writes; reconnected, the store has three current replicas again", async () => {
    const from = Date.now();
    const resume: number[] = [];
    const heal: number[] = [];
    const converge: number[] = [];
    const during = { ok: 0, tried: 0 };
    const details: string[] = [];
    const row = (figure: string, samples: number[]): SummaryRow => ({ scenario: "3 partition one master", kills: String(KILLS), figure, samples, target: "-" });
    const [resumeRow, healRow, convergeRow] = [row("writes resume", resume), row("writes after heal", heal), row("converged after heal", converge)];
    rows.push(resumeRow, healRow, convergeRow);
    resumeRow.history = await underCasLoad("chaos-s3", async () => {
      for (let r = 0; r < KILLS; r++) {
        const info = await settled();
        // Alternately the store's leader and a follower.
        const victim = r % 2 === 0 ? byName(info.leader) : masters().find((m) => m.name !== info.leader)!;
        const t0 = performance.now();
        down.add(victim.name);
        event(`disconnect ${victim.name} (${info.leader === victim.name ? "store leader" : "follower"})`);
        await victim.disconnect();
        event(`${victim.name} disconnected`);
        const survivors = others(victim);
        const resumed = await firstWrite(survivors, PROBES, `s3-${r}`, t0, 30_000);
        resume.push(s(resumed.ms));
        if (resumed.ms === undefined) resumed.failures += `; ${await streamThen(survivors)}`;
        for (let i = 0; performance.now() - t0 < 10_000; i++) {
          during.tried++;
          if (await tryCreateConfigMap(survivors[i % survivors.length]!, PROBES, `s3-${r}-during-${i}`, 2000)) during.ok++;
          await sleep(250);
        }
        event(`connect ${victim.name}`);
        await victim.connect();
        event(`${victim.name} connected`);
        const t1 = performance.now();
        // Through the majority again: reconnecting the minority must not stop the writes for long.
        const healed = await firstWrite(survivors, PROBES, `s3-${r}-heal`, t1, 30_000);
        heal.push(s(healed.ms));
        converge.push(s(await timeUntil(t1, async () => {
          const now = await store.info([victim.name, ...survivors.map((m) => m.name)]);
          const read = healed.ms === undefined ? undefined : await apiRequest(victim.api, "GET", `/api/v1/namespaces/${PROBES}/configmaps/${healed.name}`, undefined, 1000).catch(() => undefined);
          return now?.current === 3 && read?.status === 200;
        }, 90_000, 250)));
        down.delete(victim.name);
        const after = await store.info();
        details.push(`${victim.name} (${info.leader === victim.name ? "store leader" : "follower"}): resume ${resume[r]!.toFixed(2)} s, write after heal ${heal[r]!.toFixed(2)} s, converged ${converge[r]!.toFixed(2)} s, store leader ${info.leader} -> ${after?.leader ?? "?"}; refused before resuming: ${resumed.failures || "none"}, after the heal: ${healed.failures || "none"}`);
      }
    });
    resumeRow.note = `${during.ok}/${during.tried} writes through the majority acknowledged during the partitions; ${details.join("; ")}`;
    console.log(`partition rounds: ${details.join("\n  ")}`);
    resumeRow.overlaps = healRow.overlaps = convergeRow.overlaps = await overlapsSince(from);
    // Strict in the short run too: the stale reads and failed-but-applied writes this
    // scenario used to find after a heal (see libs/store/src/leader-guard.ts) have not
    // come back in 40 rounds of `make chaos` since the census (bench/RESULTS.md).
    expect(resumeRow.history.violations, `${resumeRow.history.staleReads} stale read(s), ${resumeRow.history.failedSeen} failed-but-applied write(s); ${violations("chaos-s3")}`).toBe(0);
    expect(resumeRow.overlaps).toBe(0);
    const rounds = `rounds: ${details.join("; ")}`;
    expect(Math.max(...resume), `write resumption times (s): ${resume.join(", ")}; ${rounds}`).toBeLessThanOrEqual(20);
    expect(Math.max(...heal), `first write after the heal (s): ${heal.join(", ")}; ${rounds}`).toBeLessThanOrEqual(20);
    expect(converge.every((c) => !Number.isNaN(c)), `convergence times (s): ${converge.join(", ")}; ${rounds}`).toBe(true);
    expect(during.ok, "writes acknowledged during the partitions").toBeGreaterThan(during.tried / 2);
    await expectWitnessUntouched();
  }, timeout(180_000, 90_000));

  it("chaos: every master killed at once and started again: every acknowledged write and the Deployment are still there", async () => {
    const from = Date.now();
    const samples: number[] = [];
    const acked: string[] = [];
    const row: SummaryRow = { scenario: "4 restart all masters", kills: `${KILLS}×3`, figure: "writes after start", samples, target: "-" };
    rows.push(row);
    row.history = await underCasLoad("chaos-s4", async () => {
      for (let r = 0; r < KILLS; r++) {
        await settled();
        for (let i = 0; i < 10; i++) {
          const name = `s4-${r}-${i}`;
          if (await tryCreateConfigMap(masters()[i % 3]!, "chaos-s4", name, 3000)) acked.push(name);
        }
        await Promise.all(masters().map((m) => killMember(m)));
        const t0 = performance.now();
        await Promise.all(masters().map((m) => startMaster(m)));
        const w = await firstWrite(masters(), PROBES, `s4-${r}`, t0, 60_000);
        samples.push(s(w.ms));
        if (w.ms === undefined) console.error(`restart round ${r}: no write in 60 s; refused: ${w.failures}`);
      }
    });
    row.overlaps = await overlapsSince(from);
    const r = await apiRequest(living()[1]!.api, "GET", "/api/v1/namespaces/chaos-s4/configmaps", undefined, 5000);
    const names = new Set((JSON.parse(r.body) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name));
    expect(acked.length, "ConfigMaps acknowledged before the restarts").toBeGreaterThan(KILLS * 5);
    expect(acked.filter((n) => !names.has(n)), "acknowledged ConfigMaps missing after the restarts").toEqual([]);
    expect(row.history.violations, violations("chaos-s4")).toBe(0);
    expect(row.overlaps).toBe(0);
    await webConverged(3);
    await expectWitnessUntouched();
  }, timeout(180_000, 150_000));

  it("chaos: a node killed: the pods of a Deployment tolerating unreachable nodes for 2 s run on the other nodes", async () => {
    const samples: number[] = [];
    const row: SummaryRow = { scenario: "5 node kill", kills: String(KILLS), figure: "pods replaced", samples, target: "-" };
    rows.push(row);
    const m = living()[0]!;
    await m.kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(sleepDeployment("movers", 3, { tolerationSeconds: 2, avoidNodes: [WITNESS_NODE] })) });
    await m.kubectlOk(["rollout", "status", "deployment/movers", "--timeout=60s"]);
    for (let r = 0; r < KILLS; r++) {
      // The witness's node is spared; of the others, the one running most of the pods.
      const pods = (await listPods(m, "default", "app=movers")) ?? [];
      const on = (n: string): number => pods.filter((p) => p.spec.nodeName === n && podReady(p)).length;
      const victim = cluster.node(["n2", "n3"].sort((a, b) => on(b) - on(a))[0]!);
      expect(on(victim.name), `movers pods on ${victim.name}`).toBeGreaterThan(0);
      const t0 = performance.now();
      await killMember(victim);
      samples.push(s(await timeUntil(t0, async () => ((await listPods(m, "default", "app=movers", 1000)) ?? []).filter((p) => podReady(p) && p.spec.nodeName !== victim.name).length >= 3, 90_000, 250)));
      await victim.start();
      await until(`${victim.name} Ready again`, async () => (await readyNodes(m.api)).includes(victim.name), 60_000, logs);
      // The pods evicted from it go away once its kubelet is back.
      await until("no movers pod left terminating", async () => ((await listPods(m, "default", "app=movers")) ?? []).every((p) => !p.metadata.deletionTimestamp), 60_000, logs);
    }
    expect(samples.every((x) => !Number.isNaN(x)), `replacement times (s): ${samples.join(", ")}`).toBe(true);
    expect(Math.max(...samples)).toBeLessThanOrEqual(60);
    await expectWitnessUntouched();
  }, timeout(120_000, 120_000));
});
