/**
 * Leader election timings, to justify @flotilla/leader's defaults (lease 2000 ms, renew
 * deadline 1500 ms, retry 250 ms ±20 %). Candidates run in this process, each with its
 * own NATS connection, against `flotilla server` (apiserver + nats-server) in a child
 * process, as a user starts it.
 *
 * (a) Renewals: the leader's renew round trip and the largest gap between the starts
 *     of two successful renewals (the leader is fenced when it reaches the renew
 *     deadline, so that gap is the margin against flapping), idle and while this
 *     process creates pods over the bus at a fixed open-loop rate. Also counts terms
 *     started in the window (1 = no flap) and this process's event-loop delay, which
 *     the renew timer shares with the load generator (as a busy controller would).
 * (b) Takeover after the leader dies: the leader stops renewing abruptly without
 *     releasing (its run is aborted with releaseOnCancel false, as kill -9 would leave
 *     the lease), and the time until another candidate starts leading is taken; also
 *     from the start of the dead leader's last successful renewal (never below the
 *     lease duration) and the handover after a graceful release.
 *
 *   node bench/leader-election.bench.ts [--candidates 3] [--seconds 60] [--load-rates 0,300]
 *       [--trials 20] [--release-trials 5] [--takeover-loads 0,300]
 *       [--lease-ms 2000] [--renew-deadline-ms 1500] [--retry-ms 250] [--in-process [--replicas 2]]
 *
 * Target (issue): a new leader ≤ 3 s after the old one dies; no flapping under load.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { NatsConnection } from "@nats-io/transport-node";
import { ApiClient, connectBus } from "@flotilla/bus";
import { createLogger } from "@flotilla/log";
import { LeaderElector, type RenewalReport } from "@flotilla/leader";
import { environmentLine } from "./lib/env.ts";
import { formatCpu, type CpuShare } from "./lib/cpu.ts";
import { errorCount, runOpenLoop, type OpenLoopResult } from "./lib/open-loop.ts";
import { benchPod } from "./lib/pod.ts";
import { startBenchServer } from "./lib/server.ts";
import { ms, percentile, summarize, table, verdict } from "./lib/stats.ts";
import { startNatsServer } from "../test/support/nats.ts";
import { startReplica } from "../test/support/apiserver.ts";

const TARGET_TAKEOVER_MS = 3000;
const { values: flags } = parseArgs({
  options: {
    candidates: { type: "string", default: "3" },
    seconds: { type: "string", default: "60" },
    "load-rates": { type: "string", default: "0,300" },
    trials: { type: "string", default: "20" },
    "release-trials": { type: "string", default: "5" },
    "takeover-loads": { type: "string", default: "0,300" },
    "lease-ms": { type: "string", default: "2000" },
    "renew-deadline-ms": { type: "string", default: "1500" },
    "retry-ms": { type: "string", default: "250" },
    "in-process": { type: "boolean", default: false },
    replicas: { type: "string", default: "1" },
  },
});
const nCandidates = Number(flags.candidates);
const windowMs = Number(flags.seconds) * 1000;
const loadRates = flags["load-rates"].split(",").filter(Boolean).map(Number);
const takeoverLoads = flags["takeover-loads"].split(",").filter(Boolean).map(Number);
const timing = { leaseDurationMs: Number(flags["lease-ms"]), renewDeadlineMs: Number(flags["renew-deadline-ms"]), retryPeriodMs: Number(flags["retry-ms"]) };
const log = createLogger("bench-leader", { level: process.env["FLOTILLA_LOG_LEVEL"] ?? "error" });
const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

interface Env {
  natsUrl: string;
  /** The load generator's client (its own connection). */
  client: ApiClient;
  cpu?: () => () => CpuShare;
  stop(): Promise<void>;
}

async function startEnv(): Promise<Env> {
  if (!flags["in-process"]) {
    const s = await startBenchServer();
    return { natsUrl: s.natsUrl, client: s.client, cpu: () => s.cpu(), stop: () => s.stop() };
  }
  // In this process, so replicas share its event loop; with --replicas 2 a request may
  // land on a replica whose watch cache trails the other's last write.
  const nats = await startNatsServer({ jetstream: true });
  const replicas: Awaited<ReturnType<typeof startReplica>>[] = [];
  for (let i = 0; i < Number(flags.replicas); i++) replicas.push(await startReplica(nats.url, `apiserver-${i}`));
  const nc = await connectBus({ servers: nats.url, name: "bench-load" });
  return {
    natsUrl: nats.url,
    client: new ApiClient(nc),
    async stop() {
      await nc.close();
      for (const r of replicas) await r.stop();
      await nats.stop();
    },
  };
}

interface Candidate {
  id: string;
  elector: LeaderElector;
  nc: NatsConnection;
  run: AbortController;
  done: Promise<void>;
  /** performance.now() of each onStartedLeading. */
  started: number[];
}

let counter = 0;
async function candidate(env: Env, lease: string, releaseOnCancel: boolean, renewals: RenewalReport[]): Promise<Candidate> {
  const id = `bench-${counter++}`;
  const nc = await connectBus({ servers: env.natsUrl, name: id });
  const started: number[] = [];
  const elector = new LeaderElector({
    client: new ApiClient(nc),
    component: lease,
    identity: id,
    ...timing,
    log: log.child({ id }),
    releaseOnCancel,
    onStartedLeading: () => void started.push(performance.now()),
    onRenewal: (r) => renewals.push(r),
  });
  const run = new AbortController();
  return { id, elector, nc, run, started, done: elector.run(run.signal) };
}

async function stopAll(cs: Candidate[]): Promise<void> {
  for (const c of cs) c.run.abort();
  await Promise.all(cs.map((c) => c.done));
  await Promise.all(cs.map((c) => c.nc.close()));
}

async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!pred()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
  return performance.now();
}

const leaders = (cs: Candidate[]): Candidate[] => cs.filter((c) => c.elector.isLeader());

/** Pod creates at `rate`/s for `durationMs` (open loop); undefined for rate 0 (idle). */
function load(env: Env, rate: number, durationMs: number, tag: string): Promise<OpenLoopResult | undefined> {
  if (rate <= 0) return sleep(durationMs).then(() => undefined);
  return runOpenLoop({ ratePerSec: rate, durationMs, op: (i) => env.client.create("pods", "default", benchPod(`le-${tag}-${i}`)).then(() => undefined) });
}

/** Pod creates at `rate`/s until `signal` aborts (10 ms ticks, at most 2,000 outstanding); resolves with the failures. */
async function backgroundLoad(env: Env, rate: number, tag: string, signal: AbortSignal): Promise<number> {
  let sent = 0;
  let failed = 0;
  let outstanding = 0;
  const t0 = performance.now();
  while (!signal.aborted && rate > 0) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    for (; sent < due; sent++) {
      if (outstanding >= 2000) {
        failed++;
        continue;
      }
      outstanding++;
      env.client.create("pods", "default", benchPod(`le-${tag}-${sent}`)).then(
        () => outstanding--,
        () => (outstanding--, failed++),
      );
    }
    await sleep(10);
  }
  await until(() => outstanding === 0, 30_000, "background creates to finish");
  return failed;
}

/** (a): one leader among N, renewing for windowMs, under `rate` creates/s. */
async function renewWindow(env: Env, rate: number): Promise<string[]> {
  const renewals: RenewalReport[] = [];
  const lease = `bench-renew-${rate}-${counter}`;
  const cs: Candidate[] = [];
  for (let i = 0; i < nCandidates; i++) cs.push(await candidate(env, lease, true, renewals));
  await until(() => leaders(cs).length === 1, 10_000, "a leader");
  await sleep(1000);
  renewals.length = 0;
  const termsBefore = cs.reduce((n, c) => n + c.started.length, 0);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpuEnd = env.cpu?.();
  const t0 = performance.now();
  const result = await load(env, rate, windowMs, `r${rate}`);
  const cpu = cpuEnd?.();
  loop.disable();
  const terms = cs.reduce((n, c) => n + c.started.length, 0) - termsBefore;
  await stopAll(cs);
  // Only renewals that started inside the window (one may have been in flight at its start).
  const inWindow = renewals.filter((r) => r.startMs >= t0);
  renewals.splice(0, renewals.length, ...inWindow);
  const ok = renewals.filter((r) => r.ok);
  const rtt = summarize(renewals.map((r) => r.latencyMs));
  let maxGap = 0;
  for (let i = 1; i < ok.length; i++) maxGap = Math.max(maxGap, ok[i]!.startMs - ok[i - 1]!.startMs);
  const conflicts = renewals.filter((x) => x.ok && x.error?.startsWith("ConflictError")).length;
  if (conflicts > 0) process.stdout.write(`  ${rate}/s: ${conflicts} renewals succeeded only after a 409 and a re-read\n`);
  for (const r of renewals.filter((x) => !x.ok)) process.stdout.write(`  ${rate}/s: renewal ${r.outcome} after ${ms(r.latencyMs)} ms${r.error ? `: ${r.error.slice(0, 120)}` : ""}\n`);
  if (result && errorCount(result) > 0) process.stdout.write(`  ${rate}/s: create failures: ${[...result.errors].map(([k, v]) => `${v}× ${k}`).join("; ")}\n`);
  const achieved = result ? `${result.achievedRate.toFixed(0)} (p99 ${ms(result.latency.p99)}, err ${errorCount(result)})` : "-";
  return [
    rate === 0 ? "idle" : `${rate} pod creates/s`,
    achieved,
    String(renewals.length),
    String(renewals.length - ok.length),
    ms(rtt.p50),
    ms(rtt.p99),
    ms(rtt.max),
    ms(maxGap),
    `${ms(loop.percentile(99) / 1e6)}/${ms(loop.max / 1e6)}`,
    String(terms),
    cpu ? formatCpu(cpu) : "-",
    maxGap < timing.renewDeadlineMs && terms === 0 ? "met" : "MISSED",
  ];
}

interface Trial {
  /** kill → another candidate's onStartedLeading. */
  takeoverMs: number;
  /** Start of the dead leader's last successful renewal → takeover (never below the lease duration). */
  sinceRenewMs: number;
}

interface TrialSet {
  trials: Trial[];
  /** Times the leader lost its lease on its own while the bench waited to kill it (flaps). */
  flaps: number;
  failedCreates: number;
  cpu: CpuShare | undefined;
}

/** (b): `trials` deaths (or graceful releases) of the leader among N candidates, under `rate` creates/s. */
async function takeoverTrials(env: Env, trials: number, release: boolean, rate: number): Promise<TrialSet> {
  const lease = `bench-${release ? "release" : "kill"}-${rate}-${counter}`;
  const sink: RenewalReport[] = [];
  let pool: Candidate[] = [];
  for (let i = 0; i < nCandidates; i++) pool.push(await candidate(env, lease, release, sink));
  const out: Trial[] = [];
  let flaps = 0;
  const stopLoad = new AbortController();
  const background = backgroundLoad(env, rate, `t${rate}${release ? "r" : "k"}${counter}`, stopLoad.signal);
  const cpuEnd = env.cpu?.();
  const stopped: Candidate[] = [];
  try {
    // Bounded: a flap costs an attempt, at most 3 per trial.
    for (let attempt = 0; out.length < trials && attempt < trials * 3; attempt++) {
      await until(() => leaders(pool).length === 1, 10_000, "a leader");
      const victim = leaders(pool)[0]!;
      await until(() => pool.every((c) => c.elector.leader() === victim.id), 5000, "followers to see the leader");
      // Die at a random point of the renew cycle.
      await sleep(timing.retryPeriodMs * (2 + Math.random()));
      if (!victim.elector.isLeader()) {
        flaps++;
        continue;
      }
      const lastRenew = victim.elector.fence().deadlineMs() - timing.renewDeadlineMs;
      const killedAt = performance.now();
      victim.run.abort();
      stopped.push(victim);
      const rest = pool.filter((c) => c !== victim);
      const counts = rest.map((c) => c.started.length);
      await until(() => rest.some((c, i) => c.started.length > counts[i]!), timing.leaseDurationMs + 10_000, "a takeover");
      const takenAt = Math.min(...rest.flatMap((c, i) => c.started.slice(counts[i])));
      out.push({ takeoverMs: takenAt - killedAt, sinceRenewMs: takenAt - lastRenew });
      pool = [...rest, await candidate(env, lease, release, sink)];
    }
  } finally {
    await stopAll([...pool, ...stopped]);
    stopLoad.abort();
  }
  const cpu = cpuEnd?.();
  return { trials: out, flaps, failedCreates: await background, cpu };
}

function trialRow(label: string, rate: number, set: TrialSet, showSince: boolean): string[] {
  const take = set.trials.map((t) => t.takeoverMs).sort((a, b) => a - b);
  const since = set.trials.map((t) => t.sinceRenewMs).sort((a, b) => a - b);
  return [
    label,
    rate === 0 ? "idle" : `${rate}/s`,
    String(set.trials.length),
    ms(take[0] ?? NaN),
    ms(percentile(take, 50)),
    ms(percentile(take, 90)),
    ms(take.at(-1) ?? NaN),
    showSince ? ms(since[0] ?? NaN) : "-",
    String(set.flaps),
    String(set.failedCreates),
    set.cpu ? formatCpu(set.cpu) : "-",
    verdict(take.at(-1) ?? NaN, TARGET_TAKEOVER_MS),
  ];
}

async function main(): Promise<void> {
  process.stdout.write(`${environmentLine()}\n`);
  process.stdout.write(`timings: lease ${timing.leaseDurationMs} ms, renew deadline ${timing.renewDeadlineMs} ms, retry ${timing.retryPeriodMs} ms (followers ±20 %); ${nCandidates} candidates; ${flags["in-process"] ? `${flags.replicas} apiserver(s) in this process` : "flotilla server in a child process"}\n`);
  const env = await startEnv();
  try {
    const renewRows: string[][] = [];
    for (const rate of loadRates) renewRows.push(await renewWindow(env, rate));
    process.stdout.write(`\n(a) Leader renewals over ${windowMs / 1000} s (ms; gap = largest interval between the starts of two successful renewals, fenced at ${timing.renewDeadlineMs})\n\n`);
    process.stdout.write(
      `${table(["load", "achieved/s (p99 ms, errors)", "renewals", "failed", "rtt p50", "rtt p99", "rtt max", "max gap", "loop delay p99/max", "new terms", "cpu api/nats/bench/other %", `gap<${timing.renewDeadlineMs} & no flap`], renewRows)}\n`,
    );
    const trialRows: string[][] = [];
    for (const rate of takeoverLoads) {
      trialRows.push(trialRow("leader killed (no release)", rate, await takeoverTrials(env, Number(flags.trials), false, rate), true));
      if (Number(flags["release-trials"]) > 0) trialRows.push(trialRow("leader released (shutdown)", rate, await takeoverTrials(env, Number(flags["release-trials"]), true, rate), false));
    }
    process.stdout.write(`\n(b) Takeover: ms from the leader's death to another candidate leading; "since renew" from the start of the dead leader's last successful renewal (must be ≥ ${timing.leaseDurationMs})\n\n`);
    process.stdout.write(`${table(["event", "load", "trials", "min", "median", "p90", "max", "since renew min", "flaps", "failed creates", "cpu api/nats/bench/other %", `max<=${TARGET_TAKEOVER_MS}`], trialRows)}\n`);
  } finally {
    await env.stop();
  }
}

await main();
