/** apiserver options → a frozen config with defaults and units in names. */
import { resolve } from "node:path";

export interface ApiServerOptions {
  /** Where PKI, tokens and the kubeconfig live. Required. */
  dataDir: string;
  /** Address the HTTPS server binds. @default "0.0.0.0" */
  bindAddress?: string;
  /** HTTPS port; 0 picks a free one (tests). @default 6443 */
  port?: number;
  /** Address written into the kubeconfig. @default "127.0.0.1" */
  advertiseAddress?: string;
  /** Extra DNS names / IPs for the serving certificate. @default [] */
  tlsSans?: string[];
  /** KV bucket holding the cluster. @default "flotilla" */
  bucket?: string;
  /** Bucket replicas (3 for HA masters). @default 1 */
  replicas?: number;
  /** Changes kept per resource for watch resumption. @default 10000 */
  watchHistoryPerResource?: number;
  /** Longest a watch stays open without timeoutSeconds (×1–2 jitter). @default 1800 */
  maxWatchSeconds?: number;
  /**
   * An Event is deleted by the store this long after its last write (create, update or
   * patch), as Kubernetes' apiserver does with its etcd lease (`--event-ttl`, 1 h).
   * Whole seconds, at least 1 s. Also the bucket's expiry-marker TTL (see run.ts).
   * @default 3_600_000 (1 hour)
   */
  eventTtlMs?: number;
  /** IPv4 CIDR Service ClusterIPs come from. @default "10.43.0.0/16" */
  serviceCidr?: string;
  /** NATS subject prefix of the bus API. @default "flotilla" */
  subjectPrefix?: string;
  /** Flotilla version reported by /version. */
  version?: string;
}

export interface ApiServerConfig {
  readonly dataDir: string;
  readonly bindAddress: string;
  readonly port: number;
  readonly advertiseAddress: string;
  readonly tlsSans: readonly string[];
  readonly bucket: string;
  readonly replicas: number;
  readonly watchHistoryPerResource: number;
  readonly maxWatchSeconds: number;
  readonly eventTtlMs: number;
  readonly subjectPrefix: string;
  readonly serviceCidr: string;
  readonly version: string;
}

export function withDefaults(o: ApiServerOptions): ApiServerConfig {
  if (!o.dataDir) throw new Error("apiserver: dataDir is required");
  const port = o.port ?? 6443;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`apiserver: port must be 0-65535, got ${o.port}`);
  const replicas = o.replicas ?? 1;
  if (![1, 3, 5].includes(replicas)) throw new Error(`apiserver: replicas must be 1, 3 or 5, got ${replicas}`);
  const eventTtlMs = o.eventTtlMs ?? 3_600_000;
  // nats-server counts TTLs in whole seconds and refuses a marker TTL under one second.
  if (!Number.isSafeInteger(eventTtlMs) || eventTtlMs < 1000 || eventTtlMs % 1000 !== 0) throw new Error(`apiserver: eventTtlMs must be a whole number of seconds, at least 1000, got ${o.eventTtlMs}`);
  return Object.freeze({
    dataDir: resolve(o.dataDir),
    bindAddress: o.bindAddress ?? "0.0.0.0",
    port,
    advertiseAddress: o.advertiseAddress ?? "127.0.0.1",
    tlsSans: Object.freeze([...(o.tlsSans ?? [])]),
    bucket: o.bucket ?? "flotilla",
    replicas,
    watchHistoryPerResource: o.watchHistoryPerResource ?? 10_000,
    maxWatchSeconds: o.maxWatchSeconds ?? 1800,
    eventTtlMs,
    subjectPrefix: o.subjectPrefix ?? "flotilla",
    serviceCidr: o.serviceCidr ?? "10.43.0.0/16",
    version: o.version ?? "0.0.0-dev",
  });
}
