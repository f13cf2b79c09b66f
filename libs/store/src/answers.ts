/**
 * JetStream requests that more than one server may answer: a compare-and-set publish
 * always, and the leader reads while the leader guard is not sure there is only one
 * leader (see leader-guard.ts for why two servers can both believe they lead).
 *
 * nats.js's request() keeps the first answer. Here every answer within the window is
 * seen, and the one that can be trusted is kept:
 * - a publish: an ack only comes after the RAFT commit, so any ack is true. A
 *   "wrong last sequence: N" with N below the revision the writer expected may not be:
 *   the key's sequence only grows (deletes and expiries leave markers) and the writer
 *   read its revision from a leader, so a server with an older copy said it. The chaos
 *   suite saw a new leader elected late in a partition vouch for that: the guard had no
 *   time to grow wary. So such a refusal is checked against the stream itself.
 * - a read: a stale leader's copy is a prefix of the committed log, so the answer with
 *   the highest sequence is the freshest.
 */
import { headers as natsHeaders } from "@nats-io/transport-node";
// nats.js's own parser of a stored message's header block (STREAM.MSG.GET returns it base64'd).
import { MsgHdrsImpl } from "@nats-io/nats-core/internal";
import type { Msg, MsgHdrs, NatsConnection } from "@nats-io/transport-node";
import { wrongLastSequence } from "./nats-errors.ts";
import { isNoResponders, type ReplyMux } from "./reply-mux.ts";

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

/** The same name nats.js gives a request nobody answered in time: a write's outcome is then unknown. */
function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: "TimeoutError" });
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
}

/** Header naming each compare-and-set write, so a write whose answer was lost can be recognised in the stream. */
export const WRITE_ID_HEADER = "Flotilla-Write-Id";
const WRITE_ID_PREFIX = `${process.pid.toString(36)}-${Math.floor(Math.random() * 2 ** 32).toString(36)}-`;
let writeIds = 0;

/**
 * Publish `data` to `subject` only if the subject's last sequence is `expected` (0: no
 * message yet). Returns the new sequence.
 *
 * A refusal quoting a sequence below `expected` is not taken at its word (see the file
 * comment): the publish keeps waiting for another answer, and if none comes it reads
 * the subject's newest message from every leader. Its write id tells whether this very
 * write was stored (then it succeeded); otherwise the freshest sequence decides.
 * @throws JsApiAnswerError for a refusal; a TimeoutError-named error when nothing
 *   trustworthy answered in time (the write may have been stored); a
 *   NoRespondersError-named one when no server holds the stream's subjects.
 */
export async function casPublish(nc: NatsConnection, mux: ReplyMux, subject: string, data: Uint8Array, expected: number, o: CasPublishOptions): Promise<number> {
  const h = o.headers ?? natsHeaders();
  const writeId = WRITE_ID_PREFIX + (writeIds++).toString(36);
  h.set("Nats-Expected-Last-Subject-Sequence", String(expected));
  h.set(WRITE_ID_HEADER, writeId);
  const answer = await new Promise<number | JsApiAnswerError | undefined>((resolve, reject) => {
    let lower: JsApiAnswerError | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      channel.done();
    };
    const timer = setTimeout(() => {
      finish();
      resolve(lower);
    }, o.timeoutMs);
    const channel = mux.open((m) => {
      if (isNoResponders(m)) {
        finish();
        reject(Object.assign(new Error(`no responders for ${subject}`), { name: "NoRespondersError" }));
        return;
      }
      let r: { seq?: number; error?: { code?: number; err_code?: number; description?: string } };
      try {
        r = m.json();
      } catch {
        r = { error: { description: "invalid publish acknowledgement" } };
      }
      if (!r.error && typeof r.seq === "number") {
        finish();
        resolve(r.seq);
        return;
      }
      const err = new JsApiAnswerError(r.error ?? { description: "invalid publish acknowledgement" });
      const reported = wrongLastSequence(err);
      if (typeof reported === "number" && reported < expected) {
        // Possibly a stale leader's: keep listening for the real one.
        lower ??= err;
        return;
      }
      finish();
      reject(err);
    });
    try {
      nc.publish(subject, data, { reply: channel.reply, headers: h });
    } catch (err) {
      finish();
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
  if (typeof answer === "number") return answer;
  if (answer === undefined) throw timeoutError(`no answer within ${o.timeoutMs} ms`);
  // Only refusals quoting an older sequence came. Was this write stored after all?
  let newest: LastMessage | null;
  try {
    newest = await o.readFreshest();
  } catch {
    throw timeoutError(`only a possibly stale stream leader answered (${answer.message}), and the key could not be read back; the write may have been stored`);
  }
  if (newest?.header?.get(WRITE_ID_HEADER) === writeId) return newest.seq;
  const seq = newest?.seq ?? 0;
  if (seq === expected) throw timeoutError(`only a possibly stale stream leader answered (${answer.message}) and the key is still at ${expected}; the write may yet be stored`);
  throw new JsApiAnswerError({ code: 400, err_code: 10071, description: `wrong last sequence: ${seq}` });
}

/** Every answer to a JetStream API request within the window (each server that believes it leads sends one). */
async function allAnswers(nc: NatsConnection, subject: string, body: string, stallMs: number, timeoutMs: number): Promise<Msg[]> {
  const out: Msg[] = [];
  const answers = await nc.requestMany(subject, body, { strategy: "stall", stall: stallMs, maxWait: timeoutMs });
  for await (const m of answers) out.push(m);
  if (out.length === 0) throw timeoutError(`no answer to ${subject} within ${timeoutMs} ms`);
  return out;
}

interface MsgGetAnswer {
  message?: { subject: string; seq: number; hdrs?: string; data?: string };
  error?: { code?: number; err_code?: number; description?: string };
}

/** STREAM.MSG.GET last_by_subj, keeping the freshest of every leader's answer (null: no message). */
export async function freshestLastMessage(nc: NatsConnection, stream: string, subject: string, stallMs: number, timeoutMs: number): Promise<LastMessage | null> {
  const msgs = await allAnswers(nc, `${API_PREFIX}.STREAM.MSG.GET.${stream}`, JSON.stringify({ last_by_subj: subject }), stallMs, timeoutMs);
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

/** STREAM.INFO's sequence range, keeping the answer with the highest last sequence. */
export async function freshestStreamState(nc: NatsConnection, stream: string, stallMs: number, timeoutMs: number): Promise<{ first: number; last: number }> {
  const msgs = await allAnswers(nc, `${API_PREFIX}.STREAM.INFO.${stream}`, "", stallMs, timeoutMs);
  let best: { first: number; last: number } | undefined;
  let failure: JsApiAnswerError | undefined;
  for (const m of msgs) {
    const a = m.json<{ state?: { first_seq: number; last_seq: number }; error?: { code?: number; err_code?: number; description?: string } }>();
    if (a.error || !a.state) {
      failure ??= new JsApiAnswerError(a.error ?? { description: "invalid stream info" });
      continue;
    }
    if (!best || a.state.last_seq > best.last) best = { first: a.state.first_seq, last: a.state.last_seq };
  }
  if (best) return best;
  throw failure!;
}
