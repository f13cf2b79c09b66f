/**
 * A checker for histories of compare-and-set registers, as the chaos suite records
 * them: clients write keys through the API with "the object must still be at revision
 * R" (create = "must not exist") and read them back, noting for every operation when
 * it was invoked, when it completed and what came of it. Afterwards this decides
 * whether the history is linearizable and whether an acknowledged write was lost.
 *
 * General linearizability checking is NP-complete (Knossos, Porcupine search the
 * orders). Flotilla's store makes it tractable: every write that takes effect gets a
 * unique, totally ordered revision, and every value names the operation that wrote it.
 * The order of the writes to a key is therefore known (by revision), and a history is
 * linearizable exactly when that order is one CAS chain consistent with real time:
 * 1. every revision belongs to one write, and a write has at most one revision;
 * 2. in revision order, each write's expected revision is its predecessor's (a create
 *    comes first); a gap is allowed only where a write of unknown outcome (a timeout)
 *    may have taken effect unseen;
 * 3. real time: a write acknowledged before another was invoked has the lower revision;
 *    a read never returns a revision older than a write acknowledged before the read
 *    began, nor a write that began after the read completed;
 * 4. a write that definitely failed (409, 404) is never seen;
 * 5. no acknowledged write is lost: the final read of each key is at or after every
 *    acknowledged write's revision.
 */

/** A write: create when `from` is null, else compare-and-set from revision `from`. */
export interface WriteOp {
  kind: "write";
  key: string;
  /** Unique id of the operation; the written value carries it. */
  id: string;
  from: number | null;
  invokeMs: number;
  completeMs: number;
  /** ok: acknowledged with `revision`; fail: definitely not applied; unknown: timeout or lost connection. */
  outcome: "ok" | "fail" | "unknown";
  revision?: number;
}

/** A read of a key: the revision and the writer's id it saw, or absent. */
export interface ReadOp {
  kind: "read";
  key: string;
  invokeMs: number;
  completeMs: number;
  outcome: "ok" | "absent" | "unknown";
  revision?: number;
  /** Id of the write whose value was read. */
  writer?: string;
  /** The read after every client stopped and the cluster healed: checks for lost writes. */
  final?: boolean;
}

export type HistoryOp = WriteOp | ReadOp;

export interface Violation {
  key: string;
  rule: "unique-revision" | "chain" | "real-time" | "stale-read" | "future-read" | "failed-write-seen" | "lost-write";
  message: string;
}

export interface CheckResult {
  ok: boolean;
  violations: Violation[];
  /** Per-outcome counts, for the suite's summary. */
  counts: { acknowledged: number; failed: number; unknown: number; reads: number; keys: number };
}

interface Node {
  revision: number;
  write: WriteOp | undefined;
}

function byKey(ops: readonly HistoryOp[]): Map<string, HistoryOp[]> {
  const m = new Map<string, HistoryOp[]>();
  for (const op of ops) {
    const list = m.get(op.key);
    if (list) list.push(op);
    else m.set(op.key, [op]);
  }
  return m;
}

function checkKey(key: string, ops: readonly HistoryOp[], out: Violation[]): void {
  const v = (rule: Violation["rule"], message: string) => out.push({ key, rule, message });
  const writes = new Map<string, WriteOp>();
  for (const op of ops) if (op.kind === "write") writes.set(op.id, op);
  const reads = ops.filter((o): o is ReadOp => o.kind === "read" && o.outcome === "ok");

  // 1. Revisions ↔ writes, from acknowledgements and from what reads saw.
  const nodes = new Map<number, Node>();
  const revisionOf = new Map<string, number>();
  const bind = (revision: number, writerId: string | undefined, how: string) => {
    const w = writerId === undefined ? undefined : writes.get(writerId);
    const node = nodes.get(revision);
    if (node && node.write !== w) v("unique-revision", `revision ${revision} is both ${node.write?.id ?? "an unknown write"} and ${w?.id ?? "an unknown write"} (${how})`);
    if (!node) nodes.set(revision, { revision, write: w });
    if (writerId !== undefined) {
      const had = revisionOf.get(writerId);
      if (had !== undefined && had !== revision) v("unique-revision", `write ${writerId} has revisions ${had} and ${revision}`);
      revisionOf.set(writerId, revision);
    }
  };
  for (const w of writes.values()) if (w.outcome === "ok" && w.revision !== undefined) bind(w.revision, w.id, "acknowledged");
  for (const r of reads) if (r.revision !== undefined) bind(r.revision, r.writer, "read");

  // 4. A definitely failed write is never seen.
  for (const r of reads) {
    const w = r.writer === undefined ? undefined : writes.get(r.writer);
    if (w?.outcome === "fail") v("failed-write-seen", `a read saw ${w.id}, which failed`);
  }

  // 2. One chain in revision order.
  const chain = [...nodes.values()].sort((a, b) => a.revision - b.revision);
  const unknownWrites = [...writes.values()].filter((w) => w.outcome === "unknown");
  for (let i = 0; i < chain.length; i++) {
    const w = chain[i]!.write;
    if (!w) continue;
    const expected = i === 0 ? null : chain[i - 1]!.revision;
    if (w.from === expected) continue;
    // A write we never saw (its client timed out) may sit between the two.
    const gapFillable = unknownWrites.some((u) => u !== w && !revisionOf.has(u.id) && u.invokeMs < w.completeMs);
    const fromKnown = w.from === null || nodes.has(w.from);
    if (fromKnown || !gapFillable) v("chain", `${w.id} (revision ${chain[i]!.revision}) expected revision ${w.from ?? "none (create)"} but follows ${expected ?? "nothing"}`);
  }

  // 3. Real time.
  const acked = [...writes.values()].filter((w) => w.outcome === "ok" && w.revision !== undefined);
  for (const a of acked) {
    for (const b of acked) {
      if (a !== b && a.completeMs < b.invokeMs && a.revision! >= b.revision!) v("real-time", `${a.id} was acknowledged before ${b.id} began, yet has revision ${a.revision} ≥ ${b.revision}`);
    }
  }
  for (const r of reads) {
    const seen = r.revision ?? 0;
    for (const a of acked) if (a.completeMs < r.invokeMs && a.revision! > seen) v("stale-read", `a read began after ${a.id} (revision ${a.revision}) was acknowledged but returned revision ${seen}`);
    const w = r.writer === undefined ? undefined : writes.get(r.writer);
    if (w && w.invokeMs > r.completeMs) v("future-read", `a read returned ${w.id} before that write began`);
  }
  // An absent read after an acknowledged create is stale too.
  for (const r of ops) {
    if (r.kind !== "read" || r.outcome !== "absent") continue;
    for (const a of acked) if (a.completeMs < r.invokeMs) v("stale-read", `a read began after ${a.id} was acknowledged but found no object`);
  }

  // 5. Nothing acknowledged is lost.
  const finals = ops.filter((o): o is ReadOp => o.kind === "read" && o.final === true);
  const last = Math.max(0, ...acked.map((a) => a.revision!));
  if (acked.length > 0 && finals.length === 0) v("lost-write", "no final read of a key with acknowledged writes");
  for (const f of finals) {
    if (f.outcome !== "ok" || (f.revision ?? 0) < last) v("lost-write", `the final read returned ${f.outcome === "ok" ? `revision ${f.revision}` : f.outcome}, but revision ${last} was acknowledged`);
  }
}

export function checkHistory(ops: readonly HistoryOp[]): CheckResult {
  const violations: Violation[] = [];
  const keys = byKey(ops);
  for (const [key, list] of keys) checkKey(key, list, violations);
  const writes = ops.filter((o): o is WriteOp => o.kind === "write");
  return {
    ok: violations.length === 0,
    violations,
    counts: {
      acknowledged: writes.filter((w) => w.outcome === "ok").length,
      failed: writes.filter((w) => w.outcome === "fail").length,
      unknown: writes.filter((w) => w.outcome === "unknown").length,
      reads: ops.length - writes.length,
      keys: keys.size,
    },
  };
}
