/**
 * Which answers from the stream's leader can be trusted right now.
 *
 * Why this exists: nats-server's RAFT leader steps down only after 10 s without a
 * quorum (lostQuorumInterval), while the majority elects a new leader after 4–9 s
 * (election timeout). From then until the old leader steps down, or until a healed
 * partition brings it the new term, the old leader keeps answering STREAM.INFO,
 * STREAM.MSG.GET and compare-and-set publishes from its stale copy, and a client takes
 * whichever answer arrives first — usually its own server's. The chaos suite saw both:
 * a GET returning a revision older than an acknowledged write, and CAS writes answered
 * "wrong last sequence" by the old leader while the new one stored them.
 *
 * The guard asks for the stream's info every `leaderCheckIntervalMs`, collecting every
 * answer (each server that believes it leads answers), and judges:
 * - ok: one leader, and it has heard from every follower within `peerActiveLimitMs`
 *   (followers answer its heartbeats about every second, measured on 2.15.1);
 * - degraded: a follower has been silent for longer, or not heard from since the
 *   leader's election (it may be an old leader still answering its own clients, or
 *   coming back with its stale copy), or two leaders answered: reads are then wary
 *   (stream-reads.ts: every leader's answer, the freshest kept; and a census of the
 *   claimants beside each read while an old leader may come back, censusNeeded);
 * - suspect: no answering leader has heard from a quorum: it may itself be the stale one,
 *   so reads fail with StoreUnavailableError instead of returning what it holds.
 * A leader cut off at time t has followers silent since about t; none of them can
 * campaign before t + 4 s, so a check every 0.5 s against a 2.5 s silence flags the
 * danger before a second leader can exist. A follower silent for more than
 * `peerGoneAfterMs` (past the 10 s after which a cut-off leader steps down) is no longer
 * a danger: it can only come back as a follower.
 */
import type { KvStoreConfig } from "./options.ts";
import type { GatherOptions, ReplyMux } from "./reply-mux.ts";

export type LeaderHealth = "ok" | "degraded" | "suspect";

/** A follower as one answering leader sees it. */
export interface PeerView {
  name: string;
  /** Time since the leader last heard from it. */
  activeMs: number;
}

/** One answer to STREAM.INFO: a server that believes it leads the stream. */
export interface LeaderView {
  leader: string;
  /** How long it has led, by its clock against ours (STREAM.INFO's leader_since), when known. */
  ageMs?: number;
  /** The stream's configured replicas. */
  replicas: number;
  followers: PeerView[];
  /** The stream's sequence range in this leader's copy (a stale copy's ends lower). */
  firstSeq?: number;
  lastSeq?: number;
}

/** One round of STREAM.INFO: every claimant that answered, and the verdict on them. */
export interface Census {
  health: LeaderHealth;
  views: LeaderView[];
}

export interface GuardLimits {
  peerActiveLimitMs: number;
  peerGoneAfterMs: number;
}

/** Pure judgement of one round of answers (see the file comment). */
export function assessLeaders(views: readonly LeaderView[], limits: GuardLimits): LeaderHealth {
  if (views.length === 0) return "suspect";
  // One replica: only one server holds the stream, there is no other copy to be behind.
  if (views.every((v) => v.replicas <= 1)) return "ok";
  const hasQuorum = (v: LeaderView): boolean => 1 + v.followers.filter((p) => p.activeMs < limits.peerActiveLimitMs).length >= Math.floor(v.replicas / 2) + 1;
  const withQuorum = views.filter(hasQuorum);
  if (withQuorum.length === 0) return "suspect";
  if (claimantCount(views) > 1) return "degraded";
  const v = withQuorum[0]!;
  const silent = v.followers.some((p) => p.activeMs >= limits.peerActiveLimitMs && p.activeMs < limits.peerGoneAfterMs);
  return silent || hasUnheardFollower(v, limits) ? "degraded" : "ok";
}

/** Distinct servers that claimed the lead in one round. */
export function claimantCount(views: readonly LeaderView[]): number {
  return new Set(views.map((v) => v.leader)).size;
}

/**
 * A leader elected late in a partition has not yet heard from the old one either, but
 * not for long enough to call it silent (chaos suite: elected 8.4 s into a 10 s cut).
 * A follower it has not heard from since its election may be that old leader.
 */
function hasUnheardFollower(v: LeaderView, limits: GuardLimits): boolean {
  const young = v.ageMs !== undefined && v.ageMs < limits.peerGoneAfterMs;
  return young && v.followers.some((p) => p.activeMs >= v.ageMs! - UNHEARD_MARGIN_MS);
}

/**
 * Whether a wary read must count the claimants itself (a census, stream-reads.ts): when
 * a server that may be an old leader could start answering before the next round —
 * two claimants already, or the leader has a follower not heard from since its
 * election, or its age is unknown. A follower that is merely silent after being heard
 * since the election cannot be an old leader (answering the new term deposed it), so
 * then the last round's count is enough and reads stay cheaper (the lease polls during
 * a master's death are such reads).
 */
export function censusNeeded(views: readonly LeaderView[], limits: GuardLimits): boolean {
  return claimantCount(views) > 1 || views.some((v) => v.ageMs === undefined || hasUnheardFollower(v, limits));
}

/**
 * A follower whose silence is within this of the leader's age has not been heard from
 * since the election. Generous: the age compares two machines' clocks.
 */
const UNHEARD_MARGIN_MS = 1000;

interface StreamInfoAnswer {
  config?: { num_replicas?: number };
  state?: { first_seq?: number; last_seq?: number };
  cluster?: { leader?: string; leader_since?: string; replicas?: { name: string; active?: number }[] };
  error?: unknown;
}

/** A STREAM.INFO answer as a LeaderView; undefined for an error answer. */
export function leaderViewOf(answer: StreamInfoAnswer): LeaderView | undefined {
  if (answer.error !== undefined || !answer.config) return undefined;
  const replicas = answer.config.num_replicas ?? 1;
  const since = answer.cluster?.leader_since ? Date.parse(answer.cluster.leader_since) : Number.NaN;
  const ageMs = Number.isNaN(since) ? undefined : Math.max(0, Date.now() - since);
  // `active` is in nanoseconds. No time at all means never heard: a server turning
  // candidate forgets when it last heard from each peer (nats-server 2.15), so a new
  // leader lists the old one, cut off since, without one. That silence is as old as the
  // leadership at least (measured: test/integration/frozen-leader.test.ts).
  const followers = (answer.cluster?.replicas ?? []).map((r) => ({ name: r.name, activeMs: r.active ? r.active / 1e6 : (ageMs ?? 0) }));
  const range = answer.state ? { firstSeq: answer.state.first_seq ?? 0, lastSeq: answer.state.last_seq ?? 0 } : {};
  return { leader: answer.cluster?.leader ?? "", replicas, followers, ...range, ...(ageMs === undefined ? {} : { ageMs }) };
}

export class LeaderGuard {
  readonly #mux: ReplyMux;
  readonly #subject: string;
  readonly #config: KvStoreConfig;
  #last: LeaderHealth = "ok";
  #lastBadMs = Number.NEGATIVE_INFINITY;
  /** When a round last found that reads must take a census (censusNeeded). */
  #lastCensusMs = Number.NEGATIVE_INFINITY;
  #replicas = 1;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #checking: Promise<Census> | undefined;
  /** The round after the one in flight, shared by every census() that came during it. */
  #queued: Promise<Census> | undefined;
  /** Distinct servers that claimed the lead in the last round that heard any. */
  #leaders = 1;

  constructor(mux: ReplyMux, stream: string, config: KvStoreConfig) {
    this.#mux = mux;
    this.#subject = `$JS.API.STREAM.INFO.${stream}`;
    this.#config = config;
  }

  /** The first check runs before this resolves, so the store never opens trusting blindly. */
  async start(): Promise<void> {
    await this.check();
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /**
   * "ok" only once every check has said so for `leaderSettleMs`: a healed peer may still
   * be stepping down. A single-replica stream is always "ok" (no other copy exists).
   */
  get health(): LeaderHealth {
    if (this.#replicas <= 1) return "ok";
    if (this.#last !== "ok") return this.#last;
    return performance.now() - this.#lastBadMs < this.#config.leaderSettleMs ? "degraded" : "ok";
  }

  /**
   * How to gather a read that every leader answers: wait (for a check interval at most:
   * a claimant may have stepped down since) for as many answers as leaders answered the
   * last check, then for stragglers.
   */
  get gather(): GatherOptions {
    return { minAnswers: this.#leaders, minWaitMs: this.#config.leaderCheckIntervalMs, stallMs: this.#config.multiAnswerStallMs, timeoutMs: this.#config.requestTimeoutMs };
  }

  /** Whether a wary read must take a census now: a round asked for it within `leaderSettleMs`. */
  get needsCensus(): boolean {
    return performance.now() - this.#lastCensusMs < this.#config.leaderSettleMs;
  }

  /** The health for a read: a "suspect" verdict is checked again first (it may be a finished election). */
  async healthNow(): Promise<LeaderHealth> {
    if (this.health !== "suspect") return this.health;
    await this.check();
    return this.health;
  }

  /** One round: every answer within the stall window. Concurrent callers share a round. */
  async check(): Promise<LeaderHealth> {
    return (await this.#round()).health;
  }

  /**
   * A round that starts no earlier than this call, for a wary read: a server that came
   * back since the last round (a healed old leader) is among its answers. Callers that
   * come while a round is in flight share the next one, so rounds never pile up.
   */
  census(): Promise<Census> {
    if (!this.#checking) return this.#round();
    this.#queued ??= this.#checking.then(
      () => this.#startQueued(),
      () => this.#startQueued(),
    );
    return this.#queued;
  }

  #startQueued(): Promise<Census> {
    this.#queued = undefined;
    return this.#round();
  }

  #round(): Promise<Census> {
    this.#checking ??= this.#check().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #check(): Promise<Census> {
    const views: LeaderView[] = [];
    try {
      // Every answer until none came for a stall. Not the reads' count: a round that
      // waited for a claimant that has since stepped down would hold up every read.
      for (const m of await this.#mux.gather(this.#subject, "", { minAnswers: 1, minWaitMs: 0, stallMs: this.#config.multiAnswerStallMs, timeoutMs: this.#config.requestTimeoutMs })) {
        const view = leaderViewOf(m.json<StreamInfoAnswer>());
        if (view) views.push(view);
      }
    } catch {
      // No responders or a closed connection: no leader answered.
    }
    const health = assessLeaders(views, this.#config);
    if (views.length > 0) {
      this.#replicas = Math.max(...views.map((v) => v.replicas));
      this.#leaders = claimantCount(views);
    }
    this.#last = health;
    if (health !== "ok") this.#lastBadMs = performance.now();
    if (health !== "ok" && censusNeeded(views, this.#config)) this.#lastCensusMs = performance.now();
    return { health, views };
  }

  #schedule(): void {
    if (this.#stopped) return;
    const delay = this.#replicas <= 1 && this.#last === "ok" ? this.#config.singleReplicaCheckIntervalMs : this.#config.leaderCheckIntervalMs;
    this.#timer = setTimeout(() => {
      void this.check().finally(() => this.#schedule());
    }, delay);
    this.#timer.unref();
  }
}
