/**
 * What `--cluster-init` / `--join` mean for one master: its nats-server's cluster
 * block, the cluster token, and the steps before its apiserver may start (secrets
 * shared, store replicated). A master without either flag stays a standalone master.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@flotilla/log";
import { readFile, writeFile } from "node:fs/promises";
import type { NatsClusterOptions } from "../nats-server.ts";
import { BOOTSTRAP_BUCKET, fetchSecrets, publishSecrets } from "./bootstrap.ts";
import { raiseReplicas, streamOf } from "./replicas.ts";

export const TOKEN_FILE = "cluster-token";

export interface MasterClusterFlags {
  clusterInit?: boolean | undefined;
  join?: string[] | undefined;
  clusterHost?: string | undefined;
  clusterPort: string;
  clusterAdvertise?: string | undefined;
  token?: string | undefined;
}

/** `host:port` or `nats-route://host:port` → a route URL. */
export function routeUrl(peer: string): string {
  const p = peer.trim();
  if (/^nats-route:\/\//.test(p)) return p;
  if (/^[a-z]+:\/\//.test(p)) throw new Error(`--join ${peer}: give the master's cluster address as host:port (its --cluster-port, 6222 by default)`);
  return `nats-route://${p.includes(":") ? p : `${p}:6222`}`;
}

/** The nats-server cluster block, or undefined for a standalone master. */
export function clusterOptions(f: MasterClusterFlags, natsHost: string): NatsClusterOptions | undefined {
  const joins = (f.join ?? []).flatMap((j) => j.split(",")).filter(Boolean);
  if (!f.clusterInit && joins.length === 0) return undefined;
  if (f.clusterInit && joins.length > 0) throw new Error("--cluster-init and --join exclude each other: the first master inits, the others join");
  const host = f.clusterHost ?? natsHost;
  const port = Number(f.clusterPort);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--cluster-port must be a port number, got "${f.clusterPort}"`);
  // Clustered JetStream refuses to start without a configured route. The first master
  // knows no peer yet, so it names itself: nats-server drops a route to itself, and the
  // masters that join dial in.
  const self = f.clusterAdvertise ?? `${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${port}`;
  return { host, port, routes: f.clusterInit ? [routeUrl(self)] : joins.map(routeUrl), advertise: f.clusterAdvertise };
}

/** The master's name in the NATS cluster: stable across restarts and unique per master. */
export function serverName(nodeName: string | undefined): string {
  return nodeName ?? hostname();
}

/** The cluster token: given, or (first master only) the one kept in the data dir, made on first start. */
export async function clusterToken(f: MasterClusterFlags, dataDir: string, log: Logger): Promise<string> {
  if (f.token) return f.token;
  if (!f.clusterInit) throw new Error("--join needs --token: the first master's cluster token (in its data dir, file cluster-token)");
  const path = join(dataDir, TOKEN_FILE);
  const existing = await readFile(path, "utf8").then((t) => t.trim(), () => undefined);
  if (existing) return existing;
  const token = randomBytes(24).toString("base64url");
  await writeFile(path, `${token}\n`, { mode: 0o600, flag: "wx" }).catch(async () => undefined);
  const kept = (await readFile(path, "utf8")).trim();
  log.info({ file: path }, "cluster token created: pass it to joining masters with --token");
  return kept;
}

/**
 * Before this master's apiserver starts: share the secrets (publish or fetch), and
 * start raising the store to three replicas in the background.
 */
export async function prepareClusteredMaster(nc: NatsConnection, f: MasterClusterFlags, opts: { dataDir: string; bucket: string; log: Logger; signal: AbortSignal }): Promise<{ replicated: Promise<void> }> {
  const token = await clusterToken(f, opts.dataDir, opts.log);
  const pkiDir = join(opts.dataDir, "pki");
  if (f.clusterInit) await publishSecrets(nc, pkiDir, token, opts.log);
  else await fetchSecrets(nc, pkiDir, token, opts.log, opts.signal);
  const replicated = raiseReplicas(nc, [streamOf(opts.bucket), streamOf(BOOTSTRAP_BUCKET)], opts.log, opts.signal);
  return { replicated };
}
