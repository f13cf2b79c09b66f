/**
 * Replies for many requests on one wildcard subscription, each request told apart by the
 * last token of its reply subject — what nats.js's request() does internally, but
 * letting a request take every answer (see answers.ts) without the error object nats.js
 * builds per request for async stack traces (≈6 % of the apiserver's CPU at 500
 * creates/s was nats.js building errors, bench/RESULTS.md).
 */
import { createInbox } from "@nats-io/transport-node";
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";

/** When a request that several servers may answer has heard enough. */
export interface GatherOptions {
  /** Wait for at least this many answers (the leaders the guard last saw)... */
  minAnswers: number;
  /** ...for this long at most; then one answer is enough. */
  minWaitMs: number;
  /** Then stop once no further answer came for this long. */
  stallMs: number;
  /** Stop by then whatever came; nothing at all is a TimeoutError. */
  timeoutMs: number;
}

export class ReplyMux {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #pending = new Map<string, (m: Msg) => void>();
  readonly #sub: Subscription;
  #next = 0;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
    this.#prefix = `${createInbox()}.`;
    this.#sub = nc.subscribe(`${this.#prefix}*`, {
      callback: (_err, m) => this.#pending.get(m.subject.slice(this.#prefix.length))?.(m),
    });
  }

  /** A reply subject whose answers go to `onAnswer` until `done()`. */
  open(onAnswer: (m: Msg) => void): { reply: string; done: () => void } {
    const token = (this.#next++).toString(36);
    this.#pending.set(token, onAnswer);
    return { reply: this.#prefix + token, done: () => this.#pending.delete(token) };
  }

  /**
   * Every answer to a request, as gathered by `o`. A stall alone is not enough: on a
   * loaded machine the real leader has answered 100+ ms after a stale one (CI), so the
   * stall only starts once as many answers came as there are leaders to hear from.
   * @throws a TimeoutError-named error when nothing answered; a NoRespondersError-named
   *   one when nobody serves the subject.
   */
  gather(subject: string, body: string, o: GatherOptions): Promise<Msg[]> {
    return new Promise((resolve, reject) => {
      const out: Msg[] = [];
      let min = o.minAnswers;
      let stopped = false;
      let deadline: ReturnType<typeof setTimeout> | undefined;
      let relax: ReturnType<typeof setTimeout> | undefined;
      let stall: ReturnType<typeof setTimeout> | undefined;
      const stop = (): void => {
        stopped = true;
        clearTimeout(deadline);
        clearTimeout(relax);
        clearTimeout(stall);
        channel.done();
      };
      const end = (): void => {
        stop();
        if (out.length > 0) resolve(out);
        else reject(timeoutError(`no answer to ${subject} within ${o.timeoutMs} ms`));
      };
      const channel = this.open((m) => {
        if (isNoResponders(m)) {
          if (out.length > 0) return;
          stop();
          reject(Object.assign(new Error(`no responders for ${subject}`), { name: "NoRespondersError" }));
          return;
        }
        out.push(m);
        if (out.length < min) return;
        clearTimeout(stall);
        stall = setTimeout(end, o.stallMs);
      });
      try {
        this.#nc.publish(subject, body, { reply: channel.reply });
      } catch (err) {
        stop();
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      // The windows start once the request has left: nats.js writes it out when the
      // current task's microtasks run, and an immediate runs after them (and after any
      // corked socket's flush). Started at the call, a busy loop right after it (a large
      // list encoded in the same turn, a starved host) used the wait up before anything
      // was sent, and the gather kept the first answer alone: a stale leader's, in a
      // wary read (test/integration/reply-mux.test.ts).
      setImmediate(() => {
        if (stopped) return;
        deadline = setTimeout(end, o.timeoutMs);
        relax = setTimeout(() => {
          min = 1;
          if (out.length > 0) stall ??= setTimeout(end, o.stallMs);
        }, o.minWaitMs);
      });
    });
  }

  close(): void {
    this.#pending.clear();
    this.#sub.unsubscribe();
  }
}

/** The same name nats.js gives a request nobody answered in time: a write's outcome is then unknown. */
export function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: "TimeoutError" });
}

/** The server's "no responders" status: nobody subscribes to the request's subject. */
export function isNoResponders(m: Msg): boolean {
  return m.data.length === 0 && m.headers?.code === 503;
}
