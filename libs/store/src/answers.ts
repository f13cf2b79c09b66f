/**
 * JetStream requests that more than one server may answer: a compare-and-set publish
 * always, and the leader reads while the leader guard is not sure there is only one
 * leader (see leader-guard.ts for why two servers can both believe they lead).
 *
 * nats.js's request() keeps the first answer. Here every answer within the window is
 * seen, and the one that can be trusted is kept:
 * - a publish: an ack only comes after the RAFT commit, so any ack is true. A
 *   "wrong last sequence: N" with N below the revision the writer expected may not be:
 *   the key's sequence only grows and the writer read its revision from a leader, so
 *   either a server with an older copy said it, or the key's messages are gone (N = 0
 *   for a key never written or removed). The publish waits a moment for another
 *   answer, then believes it only if the guard sees one healthy leader; otherwise the
 *   outcome is unknown.
 * - a read: a stale leader's copy is a prefix of the committed log, so the answer with
 *   the highest sequence is the freshest.
 */
import { headers as natsHeaders } from "@nats-io/transport-node";
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

/** How casPublish waits and whom it believes. */
export interface CasPublishOptions {
  timeoutMs: number;
  /** After an answer that may be stale, how long to wait for the real leader's. */
  stallMs: number;
  /**
   * Whether, once that wait is over, the possibly stale answer may be believed after all:
   * true while the leader guard sees one healthy leader (then the answer was the real
   * leader's: the key has no message, or its messages were removed).
   */
  believeLowerSequence: () => boolean;
  headers?: MsgHdrs;
}

/**
 * Publish `data` to `subject` only if the subject's last sequence is `expected` (0: no
 * message yet). Returns the new sequence.
 * @throws JsApiAnswerError for a refusal the real leader gave; a TimeoutError-named error
 *   when no trustworthy answer came in time (the write may have been stored); a
 *   NoRespondersError-named one when no server holds the stream's subjects.
 */
export function casPublish(nc: NatsConnection, mux: ReplyMux, subject: string, data: Uint8Array, expected: number, o: CasPublishOptions): Promise<number> {
  const h = o.headers ?? natsHeaders();
  h.set("Nats-Expected-Last-Subject-Sequence", String(expected));
  return new Promise<number>((resolve, reject) => {
    let lower: JsApiAnswerError | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      channel.done();
    };
    const giveUp = (): void => {
      finish();
      if (lower && o.believeLowerSequence()) reject(lower);
      else reject(timeoutError(lower ? `only a possibly stale stream leader answered (${lower.message}); the write may have been stored` : `no answer within ${o.timeoutMs} ms`));
    };
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
        // Possibly a stale leader's: give the real one a moment more, once.
        if (!lower) {
          lower = err;
          clearTimeout(timer);
          timer = setTimeout(giveUp, o.stallMs);
        }
        return;
      }
      finish();
      reject(err);
    });
    timer = setTimeout(giveUp, o.timeoutMs);
    try {
      nc.publish(subject, data, { reply: channel.reply, headers: h });
    } catch (err) {
      finish();
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** Every answer to a JetStream API request within the window (each server that believes it leads sends one). */
async function allAnswers(nc: NatsConnection, subject: string, body: string, stallMs: number, timeoutMs: number): Promise<Msg[]> {
  const out: Msg[] = [];
  const answers = await nc.requestMany(subject, body, { strategy: "stall", stall: stallMs, maxWait: timeoutMs });
  for await (const m of answers) out.push(m);
  if (out.length === 0) throw timeoutError(`no answer to ${subject} within ${timeoutMs} ms`);
  return out;
}

/** Header block of a stored message ("NATS/1.0\r\nK: V\r\n...\r\n\r\n"). */
function decodeHeaders(text: string): MsgHdrs {
  const h = natsHeaders();
  for (const line of text.split("\r\n").slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) h.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return h;
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
      header: sm.hdrs ? decodeHeaders(Buffer.from(sm.hdrs, "base64").toString("utf8")) : undefined,
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
