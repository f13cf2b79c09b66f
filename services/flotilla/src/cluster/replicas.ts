/**
 * A master cluster starts with the store on one replica (JetStream cannot place three
 * before three masters exist) and moves it to three as soon as it can: every clustered
 * master tries, every few seconds, to raise each of the cluster's streams to R3 until
 * JetStream accepts. JetStream copies the data to the new replicas itself (RAFT
 * catch-up); writes go on meanwhile. A bucket never goes back down: removing a master
 * for good is a JetStream peer-remove, an operator's decision.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "@flotilla/log";

export const TARGET_REPLICAS = 3;
const RETRY_MS = 3000;

/** Streams behind KV buckets are named KV_<bucket>. */
export const streamOf = (bucket: string): string => `KV_${bucket}`;

/** Resolves once every stream has TARGET_REPLICAS, or when the signal aborts. */
export async function raiseReplicas(nc: NatsConnection, streams: readonly string[], log: Logger, signal: AbortSignal): Promise<void> {
  const pending = new Set(streams);
  let lastError = "";
  while (pending.size > 0 && !signal.aborted) {
    try {
      const jsm = await jetstreamManager(nc, { timeout: 5000 });
      for (const name of [...pending]) {
        const info = await jsm.streams.info(name).catch(() => undefined);
        if (!info) continue; // not created yet
        if (info.config.num_replicas >= TARGET_REPLICAS) {
          pending.delete(name);
          continue;
        }
        await jsm.streams.update(name, { ...info.config, num_replicas: TARGET_REPLICAS });
        log.info({ stream: name, replicas: TARGET_REPLICAS }, "stream replicated across three masters");
        pending.delete(name);
      }
    } catch (err) {
      // Usually "no suitable peers for placement": fewer than three masters so far.
      const msg = (err as Error).message;
      if (msg !== lastError) log.info({ err: msg, streams: [...pending] }, "store not yet on three masters; retrying");
      lastError = msg;
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, RETRY_MS)).catch(() => undefined);
  }
}
