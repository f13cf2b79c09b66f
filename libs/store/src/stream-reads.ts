/**
 * Reads of the bucket's stream shared by get, list and watch: the leader-only requests
 * (STREAM.INFO and STREAM.MSG.GET, which in a cluster only the stream leader answers)
 * and the ordered consumers that stream many messages (served by whichever replica the
 * server placed the consumer on — possibly a follower that lags the leader).
 */
import { DeliverPolicy } from "@nats-io/jetstream";
import type { Consumer, ConsumerMessages, JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { freshestLastMessage, freshestOf, gatherLastMessages, type LastMessage } from "./answers.ts";
import { StoreUnavailableError } from "./errors.ts";
import { claimantCount, type Census, type LeaderGuard } from "./leader-guard.ts";
import type { GatherOptions, ReplyMux } from "./reply-mux.ts";
import type { BucketNames } from "./messages.ts";
import { mapUnavailable } from "./nats-errors.ts";
import type { KvStoreConfig } from "./options.ts";
import type { OwnWrites } from "./own-writes.ts";

/** What the store's parts share. */
export interface StoreContext {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: BucketNames;
  config: KvStoreConfig;
  /** Set with `shareWrittenValues`: values written here, for this process's watches. */
  ownWrites?: OwnWrites;
  /** Replies to this store's compare-and-set publishes. */
  replies: ReplyMux;
  /** Whether the stream leader's answers can be trusted (absent: always). */
  guard?: LeaderGuard;
}

/**
 * How a leader read must be made now: "fast" (the first answer), "wary" (every
 * leader's answer, the freshest kept; with a census of the claimants when the guard
 * asks for one), or refused while no leader has a quorum.
 */
async function readMode(ctx: StoreContext, what: string): Promise<"fast" | "wary"> {
  const health = ctx.guard ? await ctx.guard.healthNow() : "ok";
  if (health === "ok") return "fast";
  if (health === "degraded") return "wary";
  throw unavailable(what);
}

function unavailable(what: string, why = "no stream leader that has heard from a quorum of replicas answers (it may be cut off with a stale copy)"): StoreUnavailableError {
  return new StoreUnavailableError(`store unavailable during ${what}: ${why}`, false);
}

/** How many answers a freshest read waits for, and how long (the guard knows how many leaders answer). */
export function gatherFor(ctx: StoreContext): GatherOptions {
  return ctx.guard?.gather ?? { minAnswers: 1, minWaitMs: 0, stallMs: ctx.config.multiAnswerStallMs, timeoutMs: ctx.config.requestTimeoutMs };
}

/** A census that found a leader with a quorum among its claimants; refuses the read otherwise. */
async function trustedCensus(guard: LeaderGuard, what: string): Promise<Census> {
  const census = await guard.census();
  if (census.health === "suspect") throw unavailable(what);
  return census;
}

/** The stream's sequence range, from the leader. */
export interface StreamRange {
  /** Oldest message still kept (0 or last+1 when the stream holds none). */
  first: number;
  /** Sequence of the last message ever stored: the store's current revision. */
  last: number;
}

/**
 * STREAM.INFO: in a cluster only the stream leader answers it, so `last` is never
 * behind a write that was acknowledged before the call. While wary, every claimant's
 * answer comes with its name and followers (a census), and the highest range wins
 * once a leader with a quorum is among them.
 */
export async function streamRange(ctx: StoreContext, what: string): Promise<StreamRange> {
  const mode = await readMode(ctx, what);
  try {
    if (mode === "wary") {
      const views = (await trustedCensus(ctx.guard!, what)).views.filter((v) => v.lastSeq !== undefined);
      if (views.length === 0) throw unavailable(what, "no stream leader reported the stream's state");
      const best = views.reduce((a, b) => (b.lastSeq! > a.lastSeq! ? b : a));
      return { first: best.firstSeq ?? 0, last: best.lastSeq! };
    }
    const si = await ctx.jsm.streams.info(ctx.names.stream);
    return { first: si.state.first_seq, last: si.state.last_seq };
  } catch (err) {
    throw mapUnavailable(err, what, false);
  }
}

/**
 * STREAM.MSG.GET (`last_by_subj`): answered by the stream leader only, unlike DIRECT.GET
 * which any replica may answer from a possibly stale copy. `subject` may contain
 * wildcards: then the newest message on any matching subject is returned.
 *
 * While wary, every leader's answer is gathered and the highest sequence kept. When an
 * old leader may come back (LeaderGuard.needsCensus), the answers cannot say who gave
 * them, so a census runs beside the read: the read needs an answer from every claimant
 * it names (one of them has a quorum), asked once the census is in. Counting from the
 * guard's last round is not enough then: an old leader whose network came back since
 * answers first, and the real leader's answer may come after the stall (the chaos
 * suite's stale reads after a heal).
 */
export async function leaderLastMessage(ctx: StoreContext, subject: string, what: string): Promise<LastMessage | null> {
  const mode = await readMode(ctx, what);
  try {
    if (mode === "wary") {
      const gather = gatherFor(ctx);
      if (!ctx.guard!.needsCensus) return await freshestLastMessage(ctx.replies, gather, ctx.names.stream, subject);
      // The census first, then the read. Asked together, an old leader could answer the
      // read from its stale copy, then learn the new term before it got to the census
      // (a server handles the two requests in either order): one claimant was counted and
      // its stale answer taken alone (a chaos-suite stale read after a heal, about 1 in
      // 60 partition rounds). Asked after, a server missing from the census has stepped
      // down and answers the read no more, and every one in it is waited for.
      const claimants = claimantCount((await trustedCensus(ctx.guard!, what)).views);
      const msgs = await gatherLastMessages(ctx.replies, { ...gather, minAnswers: claimants }, ctx.names.stream, subject);
      if (msgs.length < claimants) throw unavailable(what, `${claimants} servers claim the stream's lead and only ${msgs.length} answered the read`);
      return freshestOf(msgs);
    }
    const sm = await ctx.jsm.streams.getMessage(ctx.names.stream, { last_by_subj: subject });
    return sm && { subject: sm.subject, seq: sm.seq, header: sm.header, data: sm.data };
  } catch (err) {
    throw mapUnavailable(err, what, false);
  }
}

/** Server-originated consumer notifications that prove the consumer is alive. */
export const CONSUMER_LIVENESS: ReadonlySet<string> = new Set(["heartbeat", "debug", "discard", "flow_control"]);
/**
 * Notifications after which nats.js would recreate the consumer itself. Its recreation
 * (nats.js 3.4.0) keeps the pull accounting of the lost consumer, so after a server
 * restart it asks for a handful of messages, gets none, and stalls until two idle
 * heartbeats are missed (~15 s measured). Readers are therefore replaced by the store
 * instead (watch: from its own cursor, within milliseconds of the reconnect; list:
 * fails fast with StoreUnavailableError).
 */
export const CONSUMER_LOST: ReadonlySet<string> = new Set(["reset", "consumer_not_found", "consumer_deleted"]);

/** Where an ordered consumer starts. */
export type ConsumerStart = { kind: "lastPerSubject" } | { kind: "afterRevision"; revision: number };

/** An ordered consumer and its message iterator; `close()` stops and deletes it. */
export interface OrderedReader {
  consumer: Consumer;
  messages: ConsumerMessages;
  /** Pending-count of the consumer when created: 0 means nothing matched at that moment. */
  initialPending: number;
  close(): void;
}

/**
 * Open an ordered pull consumer over `subjectFilter`: messages arrive with strictly
 * increasing sequences, and nats.js recreates the consumer from the last delivered
 * sequence + 1 when it sees a gap. When the consumer is lost altogether the store
 * replaces the reader itself (see CONSUMER_LOST).
 */
export async function openOrderedReader(ctx: StoreContext, subjectFilter: string, start: ConsumerStart, what: string): Promise<OrderedReader> {
  const { config } = ctx;
  let consumer: Consumer;
  let messages: ConsumerMessages;
  let initialPending: number;
  try {
    consumer = await ctx.js.consumers.get(ctx.names.stream, {
      filter_subjects: subjectFilter,
      ...(start.kind === "lastPerSubject"
        ? { deliver_policy: DeliverPolicy.LastPerSubject }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.revision + 1 }),
      // A consumer left behind by a crashed client goes away on its own.
      inactive_threshold: Math.max(60_000, 4 * config.consumerHeartbeatMs),
    });
    initialPending = (await consumer.info(true)).num_pending;
    messages = await consumer.consume({
      max_messages: config.fetchBatchSize,
      idle_heartbeat: config.consumerHeartbeatMs,
      // The server wants a pull to outlive at least two heartbeats.
      expires: Math.max(30_000, 4 * config.consumerHeartbeatMs),
    });
  } catch (err) {
    throw mapUnavailable(err, what, false);
  }
  let closed = false;
  return {
    consumer,
    messages,
    initialPending,
    close() {
      if (closed) return;
      closed = true;
      messages.stop();
      // Best effort: the inactivity threshold removes it anyway if this fails.
      consumer.delete().catch(() => undefined);
    },
  };
}
