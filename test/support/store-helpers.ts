/** Helpers shared by the store's integration tests. */
import { expect } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { StoreUnavailableError, type KvStore, type StoreEvent } from "@flotilla/store";

let bucketSeq = 0;
/** A fresh bucket per test keeps revisions and history independent between tests. */
export function freshBucket(): string {
  return `t${process.pid}-${++bucketSeq}`;
}

export function connectTo(servers: string | string[]): Promise<NatsConnection> {
  return connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 250, name: "store-test" });
}

/** The next `n` events of a watch, failing the test if they do not arrive in time. */
export async function take(iter: AsyncIterator<StoreEvent>, n: number, timeoutMs = 20_000): Promise<StoreEvent[]> {
  const out: StoreEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`timed out with ${out.length}/${n} events: ${JSON.stringify(out.slice(-3))}`)), Math.max(left, 1));
    });
    try {
      const r = await Promise.race([iter.next(), timeout]);
      if (r.done) throw new Error(`watch ended after ${out.length}/${n} events`);
      out.push(r.value);
    } finally {
      clearTimeout(timer);
    }
  }
  return out;
}

/** Expect no further event within `ms`. */
export async function expectQuiet(iter: AsyncIterator<StoreEvent>, ms: number): Promise<void> {
  const r = await Promise.race([iter.next(), new Promise<"quiet">((res) => setTimeout(() => res("quiet"), ms))]);
  expect(r).toBe("quiet");
}

/** A write that rides out a server restart: on "unavailable" re-read, then retry. */
export async function createEventually(store: KvStore, key: string, value: unknown, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await store.create(key, value);
    } catch (err) {
      if (!(err instanceof StoreUnavailableError) || Date.now() > deadline) throw err;
      // The create may have landed (timeout during recovery): re-read, never blindly repeat.
      const seen = await store.get(key).catch(() => undefined);
      if (seen) return seen.revision;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

