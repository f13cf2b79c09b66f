/**
 * The one Docker events subscription of the `docker` runtime: `die` events of flotilla
 * containers, so exits are reported without polling.
 *
 * If the stream breaks (daemon restart, socket error) it is reopened with exponential
 * backoff. Reopening asks for events `since` the last one seen (or the last connect),
 * so the daemon replays what happened in the gap; `onReconnect` lets the runtime check
 * the containers it believes running as well, for gaps longer than the daemon's replay
 * buffer. Duplicates are the runtime's to ignore (it reports each exit once).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { IncomingMessage } from "node:http";
import type { DockerClient } from "./docker-client.ts";
import type { DockerRuntimeLog } from "./docker-images.ts";
import { roleFilter } from "./docker-model.ts";
import { jsonLines } from "./docker-stream.ts";

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;

export interface ExitWatcherHooks {
  /** A container died; its Docker id. Must not throw. */
  onDie(dockerId: string): void;
  /** The stream was reopened after a break. Must not throw. */
  onReconnect(): void;
}

export class ExitWatcher {
  readonly #client: DockerClient;
  readonly #log: DockerRuntimeLog;
  readonly #hooks: ExitWatcherHooks;
  readonly #closing = new AbortController();
  /** Docker's `since`: "<seconds>.<nanoseconds>" of the last event (or connect) seen. */
  #since: string | undefined;
  #loop: Promise<void> | undefined;

  constructor(client: DockerClient, log: DockerRuntimeLog, hooks: ExitWatcherHooks) {
    this.#client = client;
    this.#log = log;
    this.#hooks = hooks;
  }

  /** Open the stream; rejects if the first subscription fails (the daemon is not usable). */
  async start(): Promise<void> {
    const res = await this.#connect();
    this.#loop = this.#run(res);
  }

  /** End the stream and any pending reconnect. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#loop;
  }

  #connect(): Promise<IncomingMessage> {
    const filters = { type: ["container"], event: ["die"], label: [roleFilter("container")] };
    const since = this.#since;
    // Taken before subscribing: a later reconnect then replays from no later than now.
    this.#since = nowSince();
    return this.#client.events(filters, since, this.#closing.signal);
  }

  /** Read events until closed, reconnecting with backoff. Never rejects. */
  async #run(first: IncomingMessage): Promise<void> {
    let res: IncomingMessage | undefined = first;
    let backoff = BACKOFF_MIN_MS;
    const signal = this.#closing.signal;
    while (!signal.aborted) {
      try {
        if (!res) {
          res = await this.#connect();
          backoff = BACKOFF_MIN_MS;
          this.#log.info({}, "docker events stream reconnected");
          this.#hooks.onReconnect();
        }
        await this.#consume(res);
        if (!signal.aborted) this.#log.warn({}, "docker events stream ended; reconnecting");
      } catch (err) {
        if (signal.aborted) return;
        this.#log.warn({ err: (err as Error).message, retryInMs: backoff }, "docker events stream failed; reconnecting");
      }
      res = undefined;
      try {
        await sleep(backoff, undefined, { signal });
      } catch {
        return; // closed while waiting
      }
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    }
  }

  async #consume(res: IncomingMessage): Promise<void> {
    for await (const ev of jsonLines(res)) {
      const actor = ev.Actor as { ID?: unknown } | undefined;
      const id = typeof actor?.ID === "string" ? actor.ID : ev.id;
      if (typeof ev.timeNano === "number") this.#since = nanoSince(ev.timeNano);
      if ((ev.Action ?? ev.status) === "die" && typeof id === "string") this.#hooks.onDie(id);
    }
  }
}

function nowSince(): string {
  const ms = Date.now();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1_000_000).padStart(9, "0")}`;
}

/** Docker's timeNano (beyond 2^53, so already rounded by JSON.parse to about 100 ns) as `since`. */
function nanoSince(timeNano: number): string {
  const ns = BigInt(Math.round(timeNano));
  return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, "0")}`;
}
