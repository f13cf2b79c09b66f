/**
 * A watch over the bus that survives the loss of its apiserver: the server sends
 * heartbeats (as requests this side answers); silence for `missedHeartbeats` periods
 * means the replica is gone, and the watch is re-issued — answered by any live replica
 * — from the last resourceVersion seen, so no event is lost or repeated. A 410 ends the
 * iteration with GoneError: the caller relists (as an informer does).
 */
import { createInbox, type Subscription } from "@nats-io/transport-node";
// Only the errors module at run time: an agent must not load the schemas (memory).
import { errorFromStatus, GoneError, type ApiError } from "@flotilla/api/errors";
import type { WatchEvent } from "@flotilla/api";
import type { ApiClient } from "./client.ts";
import { decode } from "./codec.ts";
import { BusVerb, type BusRequest, type BusWatchMessage } from "./protocol.ts";

export interface BusWatchOptions {
  resource: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this revision; unset: current state first as ADDED, then changes. */
  resourceVersion?: string;
  /** Heartbeat period asked of the server. @default 1000 */
  heartbeatMs?: number;
  /** Heartbeat periods of silence before resuming elsewhere. @default 3 */
  missedHeartbeats?: number;
  /** Events buffered for a slow consumer before the watch fails. @default 100000 */
  maxBufferedEvents?: number;
}

export class BusWatch implements AsyncIterable<WatchEvent> {
  private readonly client: ApiClient;
  private readonly opts: BusWatchOptions;
  private readonly queue: WatchEvent[] = [];
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private stopped = false;
  private sub: Subscription | undefined;
  private lastSeen = 0;
  private watchdog: NodeJS.Timeout | undefined;
  /** The last revision delivered or confirmed by a heartbeat/bookmark. */
  resourceVersion: string;
  /** How many times the watch moved to another apiserver. */
  resumes = 0;

  constructor(client: ApiClient, opts: BusWatchOptions) {
    this.client = client;
    this.opts = opts;
    this.resourceVersion = opts.resourceVersion ?? "";
    void this.open().catch((err: unknown) => this.fail(err as Error));
  }

  private get heartbeatMs(): number {
    return this.opts.heartbeatMs ?? 1000;
  }

  private async open(): Promise<void> {
    const inbox = createInbox();
    const sub = this.client.nc.subscribe(inbox, { callback: (_e, m) => this.onMessage(decode<BusWatchMessage>(m.data), m.reply !== undefined ? () => m.respond() : undefined) });
    this.sub = sub;
    const rq: BusRequest = { inbox, heartbeatMs: this.heartbeatMs };
    if (this.opts.namespace) rq.namespace = this.opts.namespace;
    if (this.opts.labelSelector) rq.labelSelector = this.opts.labelSelector;
    if (this.opts.fieldSelector) rq.fieldSelector = this.opts.fieldSelector;
    if (this.resourceVersion) rq.resourceVersion = this.resourceVersion;
    this.lastSeen = Date.now();
    await this.client.call(BusVerb.Watch, this.opts.resource, rq);
    this.lastSeen = Date.now();
    this.armWatchdog();
  }

  private armWatchdog(): void {
    clearInterval(this.watchdog);
    const limit = this.heartbeatMs * (this.opts.missedHeartbeats ?? 3);
    this.watchdog = setInterval(() => {
      if (this.stopped || Date.now() - this.lastSeen < limit) return;
      clearInterval(this.watchdog);
      this.resume();
    }, this.heartbeatMs);
    this.watchdog.unref();
  }

  /** Re-issue the watch (any replica answers), retrying while no apiserver answers. */
  private resume(): void {
    this.sub?.unsubscribe();
    this.resumes++;
    const attempt = (n: number): void => {
      if (this.stopped) return;
      this.open().catch((err: unknown) => {
        if ((err as ApiError).code === 410) return this.fail(err as Error);
        this.sub?.unsubscribe();
        // Bounded backoff: a master cluster electing a new stream leader takes seconds.
        setTimeout(() => attempt(n + 1), Math.min(100 * 2 ** n, 2000));
      });
    };
    attempt(0);
  }

  private onMessage(msg: BusWatchMessage, ack?: () => void): void {
    this.lastSeen = Date.now();
    ack?.();
    if (msg.type === "HEARTBEAT" || msg.type === "BOOKMARK") {
      if (msg.resourceVersion) this.resourceVersion = msg.resourceVersion;
      return;
    }
    if (msg.type === "ERROR") {
      const err = msg.status ? errorFromStatus(msg.status) : new GoneError("watch ended");
      if (err.code === 410) this.fail(err);
      else this.resume();
      return;
    }
    if (!msg.object) return;
    this.resourceVersion = msg.object.metadata.resourceVersion ?? this.resourceVersion;
    if (this.queue.length >= (this.opts.maxBufferedEvents ?? 100_000)) {
      this.fail(new GoneError("watch consumer fell too far behind; relist"));
      return;
    }
    this.queue.push({ type: msg.type, object: msg.object });
    this.wake?.();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.stop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.watchdog);
    this.sub?.unsubscribe();
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    try {
      for (;;) {
        const e = this.queue.shift();
        if (e) {
          yield e;
          continue;
        }
        if (this.stopped) break;
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
      }
      if (this.failure) throw this.failure;
    } finally {
      this.stop();
    }
  }
}
