/**
 * list(prefix): every current value under a prefix, and a revision the result is
 * exactly consistent with.
 *
 * How: read the stream's last sequence L from the leader, then run an ordered consumer
 * with "last per subject" delivery over `prefix>` (one message per key, then every later
 * change, in sequence order) until a message arrives with pending = 0. At that moment
 * the accumulated state is exact for every revision from that message's sequence s up to
 * the stream end the serving replica had — but that replica may be a lagging follower
 * (R1 ephemeral consumers are placed on a random stream peer). So the leader is asked
 * for the newest message matching the filter (STREAM.MSG.GET last_by_subj with a
 * wildcard): if it is not newer than s, nothing under the prefix changed in (s, L], and
 * the list is exact at max(L, s). Otherwise keep consuming up to it and ask again.
 *
 * One consumer, one pass over the matching keys: 10,000 keys are one stream of
 * messages, not 10,000 requests.
 */
import type { ListResult, StoreEntry } from "./types.ts";
import { decodeValue, isDeleteMarker, keyOfSubject, prefixFilter } from "./messages.ts";
import { StoreUnavailableError } from "./errors.ts";
import { mapUnavailable } from "./nats-errors.ts";
import { CONSUMER_LOST, leaderLastMessage, openOrderedReader, streamRange } from "./stream-reads.ts";
import type { OrderedReader, StoreContext } from "./stream-reads.ts";
import type { JsMsg } from "@nats-io/jetstream";

/**
 * Catch-up rounds before settling for the revision of the last consumed message
 * (exact, but possibly older than L) when writes under the prefix never pause.
 */
const MAX_CATCH_UP_ROUNDS = 8;

/** A consistent snapshot: the items and the revision they are exact at. */
export interface Snapshot extends ListResult {
  /** Last message sequence the snapshot applied (<= revision). */
  appliedRevision: number;
}

export async function listSnapshot(ctx: StoreContext, prefix: string): Promise<Snapshot> {
  const filter = prefixFilter(ctx.names, prefix);
  const before = await streamRange(ctx, "list");
  const reader = await openOrderedReader(ctx, filter.subject, { kind: "lastPerSubject" }, "list");
  try {
    const items = new Map<string, StoreEntry>();
    const applied = await consumeUntilConsistent(ctx, reader, filter.subject, (msg) => {
      const key = keyOfSubject(ctx.names, msg.subject);
      if (!key.startsWith(filter.keyPrefix)) return;
      if (isDeleteMarker(msg.headers)) items.delete(key);
      else items.set(key, { key, revision: msg.seq, value: decodeValue(msg.data) });
    });
    const sorted = [...items.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const revision = applied.exactUpToLeader ? Math.max(before.last, applied.last) : applied.last;
    return { items: sorted, revision, appliedRevision: applied.last };
  } finally {
    reader.close();
  }
}

interface Applied {
  /** Sequence of the last applied message (0 when none). */
  last: number;
  /** The leader confirmed nothing matching was written after `last`. */
  exactUpToLeader: boolean;
}

async function consumeUntilConsistent(ctx: StoreContext, reader: OrderedReader, subject: string, apply: (msg: JsMsg) => void): Promise<Applied> {
  const iterator = reader.messages[Symbol.asyncIterator]();
  // One watchdog for the whole pass (a timer per message costs more than the message):
  // when nothing arrives for stallMs, stopping the consumer ends the pending next().
  const stallMs = Math.max(ctx.config.requestTimeoutMs, 2 * ctx.config.consumerHeartbeatMs);
  let lastProgressMs = Date.now();
  let failure: string | undefined;
  const watchdog = setInterval(() => {
    if (Date.now() - lastProgressMs > stallMs) {
      failure = `no message from the consumer for ${stallMs} ms`;
      reader.close();
    }
  }, Math.min(stallMs, 1000));
  // A consumer lost mid-list (server restart) would be recreated by nats.js only after
  // a long stall; fail fast instead, the caller lists again.
  void (async () => {
    for await (const note of reader.messages.status()) {
      if (CONSUMER_LOST.has(note.type)) {
        failure = `the consumer was lost (${note.type})`;
        reader.close();
      }
    }
  })().catch(() => undefined);
  try {
    let last = 0;
    let caughtUp = reader.initialPending === 0;
    let target = 0;
    for (let round = 0; ; ) {
      if (caughtUp && last >= target) {
        const newest = (await leaderLastMessage(ctx, subject, "list"))?.seq ?? 0;
        if (newest <= last) return { last, exactUpToLeader: true };
        // The state is exact at `last` (pending was 0 there); it just is not at L.
        if (++round > MAX_CATCH_UP_ROUNDS) return { last, exactUpToLeader: false };
        target = newest;
      }
      lastProgressMs = Date.now();
      let next: IteratorResult<JsMsg>;
      try {
        next = await iterator.next();
      } catch (err) {
        throw mapUnavailable(err, "list", false);
      }
      if (next.done) throw new StoreUnavailableError(`list: ${failure ?? "the consumer stopped"} before the snapshot was complete`, false);
      const msg = next.value;
      apply(msg);
      last = msg.seq;
      caughtUp = msg.info.pending === 0;
    }
  } finally {
    clearInterval(watchdog);
  }
}
