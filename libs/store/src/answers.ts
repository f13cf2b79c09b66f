/**
 * JetStream requests that more than one server may answer: a compare-and-set publish
 * always, and the leader reads while the leader guard is not sure there is only one
 * leader (see leader-guard.ts for why two servers can both believe they lead).
 *
 * nats.js's request() keeps the first answer. Here every answer within the window is
 * seen, and the one that can be trusted is kept:
 * - a publish: an ack only comes after the RAFT commit, so any ack is true. A refusal
 *   that may not be the real leader's (casPublish's isDoubtful: a sequence below the
 *   one the writer expected, or 10164 without a sequence) is checked against the stream
 *   itself, by the write's id, while the publish keeps listening.
 * - a read: a stale leader's copy is a prefix of the committed log, so the answer with
 *   the highest sequence is the freshest.
 */
import { headers as natsHeaders } from "@nats-io/transport-node";
// nats.js's own parser of a stored message's header block (STREAM.MSG.GET returns it base64'd).
import { MsgHdrsImpl } from "@nats-io/nats-core/internal";
import type { Msg, MsgHdrs, NatsConnection } from "@nats-io/transport-node";
import { wrongLastSequence } from "./nats-errors.ts";
import { isNoResponders, timeoutError, type GatherOptions, type ReplyMux } from "./reply-mux.ts";

/** A JetStream API error answer, shaped like nats.js's JetStreamApiError for nats-errors.ts. */
export class JsApiAnswerError extends Error {
  override name = "JetStreamApiError";
  /** JetStream err_code. */
  readonly code: number;
  /** HTTP-like status. */
  readonly status: number;

  constructor(error: { code?: number; err_code?: number; description?: string }) {
    super(error.description ?? "JetStream API error");
    this.code = error.err_code ?? 0;
    this.status = error.code ?? 500;
  }
}

const API_PREFIX = "$JS.API";
const NO_MESSAGE_FOUND = 10037;

/** A stream message as the store uses it. */
export interface LastMessage {
  subject: string;
  seq: number;
  header: MsgHdrs | undefined;
  data: Uint8Array;
}

/** How casPublish waits, and how it checks an answer it cannot take at its word. */
export interface CasPublishOptions {
  timeoutMs: number;
  headers?: MsgHdrs;
  /** The subject's newest message, from every leader's answer (freshestLastMessage). */
  readFreshest: () => Promise<LastMessage | null>;
  /** How long after a doubtful refusal the stream is first read back; later reads follow each other. @default 25 */
  probeDelayMs?: number;
}

/** Header naming each compare-and-set write, so a write whose answer was lost can be recognised in the stream. */
export const WRITE_ID_HEADER = "Flotilla-Write-Id";
const WRITE_ID_PREFIX = `${process.pid.toString(36)}-${Math.floor(Math.random() * 2 ** 32).toString(36)}-`;
let writeIds = 0;

/** What the stream's newest message on the subject says about this write. */
type Verdict = { kind: "stored"; seq: number } | { kind: "lost"; seq: number } | { kind: "open" };

/**
 * Our write id on the newest message: stored. A newer sequence written by another:
 * lost for good (the leader compares against that sequence now). The expected one, or
 * an older copy: still open — a write in flight may yet land, ours or another's.
 */
function judgeNewest(newest: LastMessage | null, writeId: string, expected: number): Verdict {
  if (newest && newest.header?.get(WRITE_ID_HEADER) === writeId) return { kind: "stored", seq: newest.seq };
  const seq = newest?.seq ?? 0;
  return seq > expected ? { kind: "lost", seq } : { kind: "open" };
}

/** The refusal the server gives a lost compare-and-set, for a loss found by reading the stream. */
function lostTo(seq: number): JsApiAnswerError {
  return new JsApiAnswerError({ code: 400, err_code: 10071, description: `wrong last sequence: ${seq}` });
}

/**
 * Whether a refusal decides the write. It does not when it quotes a sequence below the
 * expected one (a stale copy's), nor when it is 10164, "wrong last sequence" without a
 * number: the leader refuses without comparing while another conditional write to the
 * subject is proposed but not applied. A stale leader keeps such marks from proposals
 * that never committed and answers 10164 to every write on the subject until it steps
 * down, while the real leader stores the write (the chaos suite's failed-but-applied
 * writes after a heal); and the real leader's 10164 may hide a write that already landed.
 */
function isDoubtful(err: JsApiAnswerError, expected: number): boolean {
  const reported = wrongLastSequence(err);
  return reported === null || (typeof reported === "number" && reported < expected);
}

/**
 * Publish `data` to `subject` only if the subject's last sequence is `expected` (0: no
 * message yet). Returns the new sequence.
 *
 * A doubtful refusal (isDoubtful) is not taken at its word: the publish keeps waiting
 * for another answer and meanwhile reads the subject's newest message from every
 * leader, again and again. Its write id tells whether this very write was stored (then
 * it succeeded); a newer sequence means it lost. If neither is known by the timeout,
 * the outcome is unknown.
 * @throws JsApiAnswerError for a refusal; a TimeoutError-named error when nothing
 *   trustworthy answered in time (the write may have been stored); a
 *   NoRespondersError-named one when no server holds the stream's subjects.
 */
export async function casPublish(nc: NatsConnection, mux: ReplyMux, subject: string, data: Uint8Array, expected: number, o: CasPublishOptions): Promise<number> {
  const h = o.headers ?? natsHeaders();
  const writeId = WRITE_ID_PREFIX + (writeIds++).toString(36);
  h.set("Nats-Expected-Last-Subject-Sequence", String(expected));
  h.set(WRITE_ID_HEADER, writeId);
  const probeDelayMs = o.probeDelayMs ?? 25;
  const answer = await new Promise<number | JsApiAnswerError | undefined>((resolve, reject) => {
    let doubtful: JsApiAnswerError | undefined;
    let settled = false;
    let probeTimer: ReturnType<typeof setTimeout> | undefined;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      clearTimeout(probeTimer);
      channel.done();
      return true;
    };
    const probe = async (): Promise<void> => {
      let v: Verdict = { kind: "open" };
      try {
        v = judgeNewest(await o.readFreshest(), writeId, expected);
      } catch {
        // Unreadable for now: the next probe or the timeout decides.
      }
      if (settled) return;
      if (v.kind === "stored" && finish()) resolve(v.seq);
      else if (v.kind === "lost" && finish()) reject(lostTo(v.seq));
      else probeTimer = setTimeout(() => void probe(), probeDelayMs);
    };
    const timer = setTimeout(() => {
      if (finish()) resolve(doubtful);
    }, o.timeoutMs);
    const channel = mux.open((m) => {
      if (settled) return;
      if (isNoResponders(m)) {
        if (finish()) reject(Object.assign(new Error(`no responders for ${subject}`), { name: "NoRespondersError" }));
        return;
      }
      let r: { seq?: number; error?: { code?: number; err_code?: number; description?: string } };
      try {
        r = m.json();
      } catch {
        r = { error: { description: "invalid publish acknowledgement" } };
      }
      if (!r.error && typeof r.seq === "number") {
        if (finish()) resolve(r.seq);
        return;
      }
      const err = new JsApiAnswerError(r.error ?? { description: "invalid publish acknowledgement" });
      if (isDoubtful(err, expected)) {
        // Possibly a stale leader's, or a write in flight: keep listening, and look.
        if (!doubtful) probeTimer = setTimeout(() => void probe(), probeDelayMs);
        doubtful ??= err;
        return;
      }
      if (finish()) reject(err);
    });
    try {
      nc.publish(subject, data, { reply: channel.reply, headers: h });
    } catch (err) {
      if (finish()) reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
  if (typeof answer === "number") return answer;
  if (answer === undefined) throw timeoutError(`no answer within ${o.timeoutMs} ms`);
  // Only doubtful refusals came, and the probes decided nothing: one last look.
  let newest: LastMessage | null;
  try {
    newest = await o.readFreshest();
  } catch {
    throw timeoutError(`only a doubtful refusal came (${answer.message}), and the key could not be read back; the write may have been stored`);
  }
  if (judgeNewest(newest, writeId, expected).kind === "stored") return newest!.seq;
  const seq = newest?.seq ?? 0;
  // Below the expected sequence on every leader that answered, the real one included
  // (had it got the write, it would have answered by now): it cannot land any more.
  if (seq !== expected) throw lostTo(seq);
  throw timeoutError(`only a doubtful refusal came (${answer.message}) and the key is still at ${expected}; the write may yet be stored`);
}

interface MsgGetAnswer {
  message?: { subject: string; seq: number; hdrs?: string; data?: string };
  error?: { code?: number; err_code?: number; description?: string };
}

/** STREAM.MSG.GET last_by_subj, keeping the freshest of every leader's answer (null: no message). */
export async function freshestLastMessage(mux: ReplyMux, gather: GatherOptions, stream: string, subject: string): Promise<LastMessage | null> {
  return freshestOf(await gatherLastMessages(mux, gather, stream, subject));
}

/** Every leader's answer to STREAM.MSG.GET last_by_subj, as gathered by `gather`. */
export function gatherLastMessages(mux: ReplyMux, gather: GatherOptions, stream: string, subject: string): Promise<Msg[]> {
  return mux.gather(`${API_PREFIX}.STREAM.MSG.GET.${stream}`, JSON.stringify({ last_by_subj: subject }), gather);
}

/** The answer with the highest sequence: a stale copy is a prefix of the committed log. */
export function freshestOf(msgs: readonly Msg[]): LastMessage | null {
  let best: LastMessage | null = null;
  let notFound = false;
  let failure: JsApiAnswerError | undefined;
  for (const m of msgs) {
    const a = m.json<MsgGetAnswer>();
    if (a.error) {
      if (a.error.err_code === NO_MESSAGE_FOUND) notFound = true;
      else failure ??= new JsApiAnswerError(a.error);
      continue;
    }
    const sm = a.message;
    if (!sm || (best && best.seq >= sm.seq)) continue;
    best = {
      subject: sm.subject,
      seq: sm.seq,
      header: sm.hdrs ? MsgHdrsImpl.decode(new Uint8Array(Buffer.from(sm.hdrs, "base64"))) : undefined,
      data: sm.data ? new Uint8Array(Buffer.from(sm.data, "base64")) : new Uint8Array(0),
    };
  }
  if (best || notFound) return best;
  throw failure!;
}
