/**
 * How every Flotilla process connects to NATS: one place for the options that matter
 * to an actor (reconnect forever, no per-request stack traces) and for the one
 * adjustment we make to nats.js.
 */
import { connect, type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import { RequestOne } from "@nats-io/nats-core/internal";
import type { Msg } from "@nats-io/nats-core";

export interface BusConnectOptions {
  servers: string | string[];
  /** Shown by `nats server report connections`: the actor's name. */
  name: string;
  /** @default 250 */
  reconnectTimeWaitMs?: number;
  /** @default -1 (forever: an actor outlives restarts of its NATS servers) */
  maxReconnectAttempts?: number;
  /** @default 20_000 */
  connectTimeoutMs?: number;
  /** How often the client pings its server. @default 2000 */
  pingIntervalMs?: number;
  /** Unanswered pings before the connection counts as dead and the client moves on. @default 3 */
  maxPingOut?: number;
  /** Where the connection's losses and recoveries are logged (the actor's logger). @default none */
  log?: ConnectionLog;
}

/** The part of a pino logger the connection's status needs (libs/bus does not depend on libs/log). */
export interface ConnectionLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export async function connectBus(opts: BusConnectOptions): Promise<NatsConnection> {
  installRequestFastPath();
  const options: ConnectionOptions = {
    servers: opts.servers,
    name: opts.name,
    maxReconnectAttempts: opts.maxReconnectAttempts ?? -1,
    reconnectTimeWait: opts.reconnectTimeWaitMs ?? 250,
    timeout: opts.connectTimeoutMs ?? 20_000,
    // nats.js pings every 2 minutes by default, so a server that vanished without a
    // reset (a partition, a frozen or powered-off master) held its clients for minutes.
    // At 2 s × 3 a client moves to another master within ~6-8 s.
    pingInterval: opts.pingIntervalMs ?? 2000,
    maxPingOut: opts.maxPingOut ?? 3,
    // Otherwise nats.js builds an Error per request for async stack traces: about
    // 5 % of the apiserver's CPU per request (measured 2026-11-21).
    noAsyncTraces: true,
  };
  const nc = await connect(options);
  if (opts.log) void logStatus(nc, opts.log);
  return nc;
}

/**
 * A lost server, a stale connection and the reconnect, one line each: without them an
 * actor that went quiet after a partition (a chaos run, 2026-11-22) says nothing about
 * whether it is still trying. The reconnect attempts themselves are not logged (4/s).
 */
async function logStatus(nc: NatsConnection, log: ConnectionLog): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === "disconnect") log.warn({ server: s.server }, "NATS connection lost; reconnecting");
    else if (s.type === "staleConnection") log.warn({}, "NATS server stopped answering pings; moving on");
    else if (s.type === "reconnect") log.info({ server: s.server }, "NATS connection restored");
    else if (s.type === "error") log.warn({ err: s.error.message }, "NATS server error");
  }
}

let installed = false;

/**
 * nats.js 3.4 settles a request and then calls cancel(), which constructs a
 * RequestError("cancelled") to reject the already-resolved promise: one Error with a
 * stack trace per successful request, 5 % of the apiserver's CPU per create (CPU
 * profile, 2026-11-22). On success we do what cancel() does minus that Error; errors
 * and timeouts keep the library's path. bus-connect.test.ts checks that requests still
 * resolve, time out and fail as before, so a nats.js upgrade that changes these
 * internals fails there first.
 */
export function installRequestFastPath(): void {
  if (installed) return;
  installed = true;
  const proto = RequestOne.prototype;
  const original = proto.resolver;
  proto.resolver = function resolver(this: RequestOne, err: Error | null, msg: Msg): void {
    if (err) return original.call(this, err, msg);
    this.timer?.cancel();
    this.deferred.resolve(msg);
    this.mux.cancel(this);
  };
}
