/**
 * Replies for many requests on one wildcard subscription, each request told apart by the
 * last token of its reply subject — what nats.js's request() does internally, but
 * letting a request take every answer (see answers.ts) without the error object nats.js
 * builds per request for async stack traces (≈6 % of the apiserver's CPU at 500
 * creates/s was nats.js building errors, bench/RESULTS.md).
 */
import { createInbox } from "@nats-io/transport-node";
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";

export class ReplyMux {
  readonly #prefix: string;
  readonly #pending = new Map<string, (m: Msg) => void>();
  readonly #sub: Subscription;
  #next = 0;

  constructor(nc: NatsConnection) {
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

  close(): void {
    this.#pending.clear();
    this.#sub.unsubscribe();
  }
}

/** The server's "no responders" status: nobody subscribes to the request's subject. */
export function isNoResponders(m: Msg): boolean {
  return m.data.length === 0 && m.headers?.code === 503;
}
