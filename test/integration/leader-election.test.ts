/**
 * Leader election against a real nats-server and two real apiservers: one leader among
 * three candidates, a quick handover on release, a takeover after the lease duration
 * (and not before) when a leader dies, and a leader whose renewals fail stopping
 * before anyone takes over. Every candidate logs its leading intervals on this
 * process's monotonic clock; no two may overlap.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { KubeObject } from "@flotilla/api";
import { ApiClient, EventRecorder, connectBus } from "@flotilla/bus";
import { createLogger } from "@flotilla/log";
import { LEASE_DURATION_MS_ANNOTATION, LeaderElector } from "@flotilla/leader";
import { startNatsServer, type NatsServerHandle } from "../support/nats.ts";
import { startReplica, type Replica } from "../support/apiserver.ts";

const LEASE_MS = 2000;
const RENEW_DEADLINE_MS = 1500;
const RETRY_MS = 250;
const JITTER = 0.2;
/** Slack on upper bounds for a loaded machine (others may run benchmarks beside this). */
const SLACK_MS = 1000;

let nats: NatsServerHandle;
let replicas: Replica[] = [];
let nc: NatsConnection;
let client: ApiClient;
const live: Candidate[] = [];
const proxies: Subscription[] = [];

interface Interval {
  id: string;
  start: number;
  end: number;
}

interface Candidate {
  id: string;
  elector: LeaderElector;
  nc: NatsConnection;
  run: AbortController;
  done: Promise<void>;
  /** Every term this candidate led, on performance.now(). end is Infinity while leading. */
  intervals: Interval[];
  /** Start of the last successful renewal of the current term, read from its fence. */
  lastRenewStart(): number;
}

const log = createLogger("leader-it", { level: process.env["FLOTILLA_LOG_LEVEL"] ?? "warn" });

async function candidate(lease: string, id: string, opts: { subjectPrefix?: string; releaseOnCancel?: boolean } = {}): Promise<Candidate> {
  const cnc = await connectBus({ servers: nats.url, name: id });
  const cclient = new ApiClient(cnc, opts.subjectPrefix ? { subjectPrefix: opts.subjectPrefix } : {});
  const intervals: Interval[] = [];
  const elector = new LeaderElector({
    client: cclient,
    component: lease,
    identity: id,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_DEADLINE_MS,
    retryPeriodMs: RETRY_MS,
    retryJitter: JITTER,
    log: log.child({ candidate: id }),
    recorder: new EventRecorder(cclient, "leader-it", log, id),
    releaseOnCancel: opts.releaseOnCancel ?? true,
    onStartedLeading: (signal) => {
      const iv = { id, start: performance.now(), end: Number.POSITIVE_INFINITY };
      intervals.push(iv);
      signal.addEventListener("abort", () => (iv.end = performance.now()), { once: true });
    },
  });
  const run = new AbortController();
  const done = elector.run(run.signal);
  const c: Candidate = { id, elector, nc: cnc, run, done, intervals, lastRenewStart: () => elector.fence().deadlineMs() - RENEW_DEADLINE_MS };
  live.push(c);
  return c;
}

/** Resolve once `pred` holds, polling every 5 ms; the time it first held, on performance.now(). */
async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!pred()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now();
}

function leaders(cs: Candidate[]): Candidate[] {
  return cs.filter((c) => c.elector.isLeader());
}

/** Time the candidate started its latest term (Infinity if it never led). */
function lastStart(c: Candidate): number {
  return c.intervals.at(-1)?.start ?? Number.POSITIVE_INFINITY;
}

/** The audit: across all candidates of one lease, no two leading intervals overlap. */
function assertNoOverlap(cs: Candidate[]): void {
  const all = cs.flatMap((c) => c.intervals).sort((a, b) => a.start - b.start);
  for (let i = 1; i < all.length; i++) {
    const prev = all[i - 1]!;
    const cur = all[i]!;
    expect(cur.start, `${cur.id} started leading at ${cur.start.toFixed(1)} while ${prev.id} led until ${prev.end.toFixed(1)}`).toBeGreaterThan(prev.end);
  }
}

async function getLease(name: string): Promise<KubeObject & { spec: { holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number; renewTime?: string; acquireTime?: string } }> {
  return (await client.get("leases", "kube-system", name)) as never;
}

/**
 * A bus subject prefix that forwards to the apiservers until `blackhole()`; after that
 * it swallows requests, so the candidate's requests time out (still in flight at its
 * deadline) as behind a network partition.
 */
function proxy(prefix: string): { blackhole(): void } {
  let dropping = false;
  const sub = nc.subscribe(`${prefix}.>`, {
    callback: (_err, msg) => {
      if (dropping) return;
      const subject = `flotilla${msg.subject.slice(prefix.length)}`;
      nc.request(subject, msg.data, { timeout: 5000 }).then(
        (reply) => {
          if (!dropping) msg.respond(reply.data);
        },
        () => undefined,
      );
    },
  });
  proxies.push(sub);
  return { blackhole: () => (dropping = true) };
}

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  replicas = [await startReplica(nats.url, "apiserver-a"), await startReplica(nats.url, "apiserver-b")];
  nc = await connectBus({ servers: nats.url, name: "leader-it" });
  client = new ApiClient(nc);
});

afterEach(async () => {
  for (const c of live.splice(0)) {
    c.run.abort();
    await c.done;
    await c.nc.close().catch(() => undefined);
  }
  for (const s of proxies.splice(0)) s.unsubscribe();
});

afterAll(async () => {
  await nc?.close();
  for (const r of replicas) await r.stop();
  await nats?.stop();
});

let electAttempts = 0;

describe("leader election", () => {
  // Retried: on a starved CI machine a renewal once took longer than the renew deadline,
  // and the fence rightly dropped the leader mid-test (the flap the fence tests cover).
  it("leader election: three candidates elect exactly one leader, which the Lease and an Event name", { retry: 2 }, async () => {
    // A Lease of its own per attempt: a retry must not find the first attempt's.
    const lease = `elect-one-${++electAttempts}`;
    const cs = [await candidate(lease, "cand-a"), await candidate(lease, "cand-b"), await candidate(lease, "cand-c")];
    await until(() => leaders(cs).length === 1, 5000, "a leader");
    const [leader] = leaders(cs);
    // Followers poll every ~250 ms; within a second all of them know the leader.
    await until(() => cs.every((c) => c.elector.leader() === leader!.id), 2000, "everyone to see the leader");
    const first = await getLease(lease);
    expect(first.spec.holderIdentity).toBe(leader!.id);
    expect(first.spec.leaseTransitions).toBe(0);
    expect(first.spec.leaseDurationSeconds).toBe(2);
    expect(first.metadata.annotations?.[LEASE_DURATION_MS_ANNOTATION]).toBe("2000");
    expect(first.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // Three lease durations later: still the same single leader, and it has renewed.
    await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
    expect(leaders(cs).map((c) => c.id)).toEqual([leader!.id]);
    const later = await getLease(lease);
    expect(later.spec.holderIdentity).toBe(leader!.id);
    expect(later.spec.renewTime).not.toBe(first.spec.renewTime);
    expect(later.spec.acquireTime).toBe(first.spec.acquireTime);
    expect(cs.reduce((n, c) => n + c.intervals.length, 0)).toBe(1);
    const events = await client.list("events", "kube-system", { fieldSelector: `involvedObject.name=${lease}` });
    expect(events.items.map((e) => e["message"])).toContain(`${leader!.id} became leader`);
    assertNoOverlap(cs);
  });

  it("leader election: a leader that shuts down releases the lease and another takes over at its next poll", async () => {
    const cs = [await candidate("release", "rel-a"), await candidate("release", "rel-b"), await candidate("release", "rel-c")];
    await until(() => leaders(cs).length === 1, 5000, "a leader");
    const old = leaders(cs)[0]!;
    await until(() => cs.every((c) => c.elector.leader() === old.id), 2000, "everyone to see the leader");
    const abortedAt = performance.now();
    old.run.abort();
    await old.done;
    const rest = cs.filter((c) => c !== old);
    const tookOverAt = await until(() => leaders(rest).length === 1, 5000, "a new leader");
    // A poll period (with jitter) plus two round trips, far below the lease duration.
    expect(tookOverAt - abortedAt).toBeLessThan(RETRY_MS * (1 + JITTER) + 500);
    const lease = await getLease("release");
    expect(lease.spec.holderIdentity).toBe(leaders(rest)[0]!.id);
    expect(lease.spec.leaseTransitions).toBe(1);
    expect(old.elector.isLeader()).toBe(false);
    assertNoOverlap(cs);
  });

  // Retried: on 2 cores a stalled renewal can end a term here (a flap, fenced and safe);
  // the property under test is that conflicts alone do not (CI of 2026-11-22, 1 in ~5 runs).
  it("leader election: others writing the Lease (kubectl annotate) make the leader's compare-and-set conflict but do not dethrone it", { retry: 2 }, async () => {
    const name = `touched-${++electAttempts}`;
    const cs = [await candidate(name, "touch-a"), await candidate(name, "touch-b")];
    await until(() => leaders(cs).length === 1, 5000, "a leader");
    const leader = leaders(cs)[0]!;
    for (let i = 0; i < 10; i++) {
      await client.patch("leases", "kube-system", name, "application/merge-patch+json", { metadata: { annotations: { "example.com/touched": String(i) } } });
      await new Promise((r) => setTimeout(r, 100));
    }
    // Two renewals later the annotation is still there: the leader based its PUT on a fresh read.
    await new Promise((r) => setTimeout(r, 2 * RETRY_MS + 100));
    const lease = await getLease(name);
    expect(lease.metadata.annotations?.["example.com/touched"]).toBe("9");
    expect(lease.spec.holderIdentity).toBe(leader.id);
    expect(leaders(cs)).toEqual([leader]);
    expect(cs.reduce((n, c) => n + c.intervals.length, 0)).toBe(1);
  });

  // Retried like the other timing-bound tests here: its upper bound (lease + retry + 1 s)
  // was missed by 250 ms once in CI while the host stole 25-50 % of the CPU (2026-11-23).
  it("leader election: when a leader dies without releasing, another takes over after the lease duration and not before", { retry: 2 }, async () => {
    // The victim starts alone so that it leads; it dies like a crashed process (no release).
    const victim = await candidate("kill", "kill-a", { releaseOnCancel: false });
    await until(() => victim.elector.isLeader(), 5000, "kill-a to lead");
    const rest = [await candidate("kill", "kill-b"), await candidate("kill", "kill-c")];
    const cs = [victim, ...rest];
    await until(() => rest.every((c) => c.elector.leader() === victim.id), 2000, "everyone to see the leader");
    const lastRenew = victim.lastRenewStart();
    const killedAt = performance.now();
    victim.run.abort(); // releaseOnCancel: false — it stops renewing and leaves the lease as it is
    const tookOverAt = await until(() => leaders(rest).length === 1, LEASE_MS + 3000, "a takeover");
    const successor = leaders(rest)[0]!;
    // Not before: a full lease duration after the start of the dead leader's last successful renewal.
    expect(lastStart(successor) - lastRenew).toBeGreaterThanOrEqual(LEASE_MS);
    // ≈ leaseDuration after the kill: its last renewal was at most a retry period (plus a round trip) before it.
    expect(tookOverAt - killedAt).toBeGreaterThan(LEASE_MS - RETRY_MS - 250);
    expect(tookOverAt - killedAt).toBeLessThan(LEASE_MS + RETRY_MS * (1 + JITTER) + SLACK_MS);
    const lease = await getLease("kill");
    expect(lease.spec.holderIdentity).toBe(successor.id);
    assertNoOverlap(cs);
  });

  for (const failure of ["its requests time out (black hole)", "its NATS connection is closed"] as const) {
    it(`leader election: a leader whose renewals fail because ${failure} stops leading before anyone takes over`, async () => {
      const lease = failure.startsWith("its requests") ? "fence-timeout" : "fence-closed";
      const path = proxy("partitioned");
      const victim = await candidate(lease, `${lease}-a`, { subjectPrefix: "partitioned" });
      await until(() => victim.elector.isLeader(), 5000, "the proxied candidate to lead");
      const followers = [await candidate(lease, `${lease}-b`), await candidate(lease, `${lease}-c`)];
      await until(() => followers.every((c) => c.elector.leader() === victim.id), 2000, "followers to see the leader");
      let abortedAt = Number.POSITIVE_INFINITY;
      victim.elector.leadingSignal!.addEventListener("abort", () => (abortedAt = performance.now()), { once: true });
      const fence = victim.elector.fence();
      const lastRenew = victim.lastRenewStart();
      const failedAt = performance.now();
      if (failure.startsWith("its requests")) path.blackhole();
      else await victim.nc.close();
      const tookOverAt = await until(() => leaders(followers).length === 1, LEASE_MS + 3000, "a takeover");
      expect(abortedAt, "the leader's signal aborted").toBeLessThan(Number.POSITIVE_INFINITY);
      // The fence: the old leader stopped before the new one started, with the margin to spare.
      expect(abortedAt).toBeLessThan(tookOverAt);
      expect(abortedAt).toBeLessThan(lastStart(leaders(followers)[0]!));
      // …and stopped on time: at its renew deadline, and in any case before its lease
      // could expire for the others (a timer on a starved 2-core CI machine fired 220 ms
      // late once; what matters for safety is the lease, the deadline is the margin).
      expect(abortedAt - lastRenew).toBeLessThan(LEASE_MS);
      expect(abortedAt - failedAt).toBeLessThan(LEASE_MS);
      expect(fence.isValid()).toBe(false);
      expect(() => fence.assertValid()).toThrow(/ended/);
      expect(victim.elector.isLeader()).toBe(false);
      assertNoOverlap([victim, ...followers]);
    });
  }

  it("leader election: audit — through releases and deaths, leading intervals never overlap and every handover is counted", async () => {
    const lease = "churn";
    let n = 0;
    const all: Candidate[] = [];
    const spawn = async (): Promise<Candidate> => {
      const kill = n % 2 === 1;
      const c = await candidate(lease, `churn-${n++}`, { releaseOnCancel: !kill });
      all.push(c);
      return c;
    };
    let pool = [await spawn(), await spawn(), await spawn()];
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      await until(() => leaders(pool).length === 1, LEASE_MS + 3000, `a leader in round ${round}`);
      const old = leaders(pool)[0]!;
      old.run.abort();
      pool = pool.filter((c) => c !== old);
      pool.push(await spawn());
      await until(() => leaders(pool).length === 1, LEASE_MS + 3000, `a successor in round ${round}`);
    }
    const final = leaders(pool)[0]!;
    const got = await getLease(lease);
    expect(got.spec.holderIdentity).toBe(final.id);
    expect(got.spec.leaseTransitions).toBe(rounds);
    expect(all.reduce((k, c) => k + c.intervals.length, 0)).toBe(rounds + 1);
    assertNoOverlap(all);
  });
});
