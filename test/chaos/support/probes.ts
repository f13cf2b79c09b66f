/**
 * What the chaos scenarios measure, from the host: who holds a Lease (through one
 * master's API), whether a write goes through, which master's nats-server leads the
 * store's stream (JetStream's own view, over a NATS connection per master), and the
 * state of a Deployment and its pods.
 *
 * Every probe has a short timeout of its own: a killed or partitioned master may never
 * answer, and a probe that waits for it would stretch the figure it measures.
 */
import { request } from "node:https";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { ApiTarget } from "../../support/https.ts";
import type { ApiAccess, HttpResult } from "./kube.ts";
import type { Master } from "./members.ts";

export type Api = Pick<ApiAccess, "server" | "caPem" | "token">;

/** The store's stream (the KV bucket "flotilla"). */
export const STORE_STREAM = "KV_flotilla";
export const LEASES = ["kube-scheduler", "kube-controller-manager"] as const;
export type LeaseName = (typeof LEASES)[number];

/** Any method, JSON body; rejects on a connection error or after `timeoutMs`. */
export function apiRequest(api: Api, method: string, path: string, body: unknown, timeoutMs: number): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${api.token}` };
    if (text !== undefined) headers["content-type"] = method === "PATCH" ? "application/merge-patch+json" : "application/json";
    const req = request(new URL(path, api.server), { method, ca: api.caPem, headers, timeout: timeoutMs, agent: false }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (data += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} on ${api.server}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(text);
  });
}

/** The CasWorkload's view of a master: the mapped API port with the cluster's CA and token. */
export function casTarget(m: Master): ApiTarget {
  return { port: Number(new URL(m.apiUrl).port), ca: m.api.caPem, token: m.api.token };
}

/** The Lease's holderIdentity as one master reads it ("" when released), or undefined when it does not answer. */
export async function leaseHolder(m: Master, lease: LeaseName, timeoutMs = 1000): Promise<string | undefined> {
  try {
    const r = await apiRequest(m.api, "GET", `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${lease}`, undefined, timeoutMs);
    if (r.status !== 200) return undefined;
    return (JSON.parse(r.body) as { spec?: { holderIdentity?: string } }).spec?.holderIdentity ?? "";
  } catch {
    return undefined;
  }
}

/** "m2" from "m2_<uuid>"; "" for no holder. */
export const holderMaster = (identity: string): string => identity.split("_")[0] ?? "";

/** Create a ConfigMap through one master; true only when the API acknowledged it. */
export async function tryCreateConfigMap(m: Master, namespace: string, name: string, timeoutMs: number): Promise<boolean> {
  return (await createConfigMap(m, namespace, name, timeoutMs)) === "ok";
}

/** "ok", or why the create was not acknowledged: "m2 503 ServiceUnavailable", "m2 no answer", ... */
async function createConfigMap(m: Master, namespace: string, name: string, timeoutMs: number): Promise<string> {
  try {
    const r = await apiRequest(m.api, "POST", `/api/v1/namespaces/${namespace}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { at: String(Date.now()) } }, timeoutMs);
    if (r.status === 201 || r.status === 200) return "ok";
    let reason = "";
    try {
      reason = (JSON.parse(r.body) as { reason?: string }).reason ?? "";
    } catch {
      // not a Status: the code says enough
    }
    return `${m.name} ${r.status} ${reason}`.trim();
  } catch (e) {
    return `${m.name} ${/no answer/.test(String(e)) ? "no answer" : "connection error"}`;
  }
}

/** Poll `probe` until it is true; resolves with the ms it took from `t0` (performance.now()), or undefined past `timeoutMs`. */
export async function timeUntil(t0: number, probe: () => Promise<boolean>, timeoutMs: number, pauseMs = 100): Promise<number | undefined> {
  while (performance.now() - t0 < timeoutMs) {
    if (await probe()) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  return undefined;
}

export interface WriteProbe {
  /** ms from t0 to the first acknowledged write; undefined when none was. */
  ms: number | undefined;
  /** The acknowledged ConfigMap's name. */
  name: string;
  /** How the writes before it failed, counted: "12× m2 503 ServiceUnavailable, 3× m3 no answer". */
  failures: string;
}

/**
 * Keep writing through the given masters in turn (each write under a fresh name, so a
 * write that timed out but landed does no harm) until one is acknowledged or `timeoutMs`
 * has passed since `t0`.
 */
export async function firstWrite(masters: readonly Master[], namespace: string, prefix: string, t0: number, timeoutMs: number): Promise<WriteProbe> {
  let i = 0;
  let name = "";
  const failed = new Map<string, number>();
  const ms = await timeUntil(t0, async () => {
    name = `${prefix}-${i}`;
    const outcome = await createConfigMap(masters[i++ % masters.length]!, namespace, name, 1000);
    if (outcome !== "ok") failed.set(outcome, (failed.get(outcome) ?? 0) + 1);
    return outcome === "ok";
  }, timeoutMs, 50);
  return { ms, name, failures: [...failed].map(([why, n]) => `${n}× ${why}`).join(", ") };
}

export interface StoreInfo {
  /** The nats-server (= master) name leading the stream's RAFT group. */
  leader: string;
  /** Replicas current with the leader, the leader included. */
  current: number;
  replicas: number;
}

/**
 * One NATS connection per master, each pinned to its master (the cluster gossips
 * in-network addresses, which the host cannot reach), reconnecting forever. JetStream
 * questions go to the first master that answers.
 */
export class StoreView {
  private readonly conns: Map<string, NatsConnection>;

  private constructor(conns: Map<string, NatsConnection>) {
    this.conns = conns;
  }

  static async create(masters: readonly Master[]): Promise<StoreView> {
    const conns = await Promise.all(masters.map(async (m) => [m.name, await connect({ servers: [m.natsUrl], ignoreClusterUpdates: true, maxReconnectAttempts: -1, reconnectTimeWait: 250, name: `chaos-probe-${m.name}` })] as const));
    return new StoreView(new Map(conns));
  }

  /** Stream info through the first of `via` (master names) that answers within 2 s each. */
  async info(via: readonly string[] = [...this.conns.keys()]): Promise<StoreInfo | undefined> {
    for (const name of via) {
      const nc = this.conns.get(name);
      if (!nc || nc.isClosed()) continue;
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2000 });
        const info = await jsm.streams.info(STORE_STREAM);
        const replicas = info.cluster?.replicas ?? [];
        return { leader: info.cluster?.leader ?? "", current: (info.cluster?.leader ? 1 : 0) + replicas.filter((r) => r.current && !r.offline).length, replicas: info.config.num_replicas };
      } catch {
        // this master is down, partitioned or has no leader to ask: try the next
      }
    }
    return undefined;
  }

  /**
   * The stream's cluster as each master's server reports it, on one line, for a failure
   * message: "m2: leader m1 since 12:00:01, m3 current lag 0 seen 0.4 s ago; m3: no answer (timeout)".
   */
  async describe(via: readonly string[] = [...this.conns.keys()]): Promise<string> {
    const views = await Promise.all(via.map(async (name) => {
      const nc = this.conns.get(name);
      if (!nc || nc.isClosed()) return `${name}: no connection`;
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2000 });
        const c = (await jsm.streams.info(STORE_STREAM)).cluster;
        const peers = (c?.replicas ?? []).map((r) => `${r.name} ${r.current ? "current" : "behind"}${r.offline ? " offline" : ""} lag ${r.lag ?? 0} seen ${((r.active ?? 0) / 1e9).toFixed(1)} s ago`);
        return `${name}: leader ${c?.leader || "none"}${c?.leader_since ? ` since ${c.leader_since.slice(11, 23)}` : ""}, ${peers.join(", ")}`;
      } catch (e) {
        return `${name}: no answer (${(e as Error).message})`;
      }
    }));
    return views.join("; ");
  }

  /** Ask the stream's leader to step down (JetStream elects another); through master `via`. */
  async stepDown(via: string): Promise<void> {
    const nc = this.conns.get(via);
    if (!nc) throw new Error(`no NATS connection to ${via}`);
    await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${STORE_STREAM}`, "", { timeout: 3000 });
  }

  async close(): Promise<void> {
    await Promise.all([...this.conns.values()].map((nc) => nc.close().catch(() => undefined)));
  }
}

interface PodItem {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount?: number; containerID?: string }[] };
}

/** The pods matching `selector` (label=value) through one master; undefined when it does not answer. */
export async function listPods(m: Master, namespace: string, selector: string, timeoutMs = 3000): Promise<PodItem[] | undefined> {
  try {
    const r = await apiRequest(m.api, "GET", `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`, undefined, timeoutMs);
    return r.status === 200 ? (JSON.parse(r.body) as { items: PodItem[] }).items : undefined;
  } catch {
    return undefined;
  }
}

export const podReady = (p: PodItem): boolean => !p.metadata.deletionTimestamp && p.status?.phase === "Running" && (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** A Deployment's spec.replicas and status counts through one master. */
export async function deploymentStatus(m: Master, namespace: string, name: string): Promise<{ replicas: number; ready: number; updated: number; available: number } | undefined> {
  try {
    const r = await apiRequest(m.api, "GET", `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`, undefined, 3000);
    if (r.status !== 200) return undefined;
    const d = JSON.parse(r.body) as { spec: { replicas?: number }; status?: { readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number } };
    return { replicas: d.spec.replicas ?? 1, ready: d.status?.readyReplicas ?? 0, updated: d.status?.updatedReplicas ?? 0, available: d.status?.availableReplicas ?? 0 };
  } catch {
    return undefined;
  }
}

/** Set a Deployment's replicas through one master (merge patch); false when it did not go through. */
export async function scaleDeployment(m: Master, namespace: string, name: string, replicas: number): Promise<boolean> {
  try {
    const r = await apiRequest(m.api, "PATCH", `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`, { spec: { replicas } }, 3000);
    return r.status === 200;
  } catch {
    return false;
  }
}

/** Scale a Deployment between 2 and 6 replicas through the given masters in turn, every second, until stopped (the controllers' load). */
export function keepScaling(via: () => readonly Master[], namespace: string, name: string): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const masters = via();
      if (masters.length > 0) await scaleDeployment(masters[i % masters.length]!, namespace, name, 2 + (i % 5));
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** A Deployment of process-runtime pods that sleep. */
export function sleepDeployment(name: string, replicas: number, opts: { tolerationSeconds?: number; avoidNodes?: readonly string[] } = {}): object {
  const { tolerationSeconds, avoidNodes } = opts;
  const affinity = avoidNodes?.length ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "NotIn", values: avoidNodes }] }] } } } : undefined;
  const tolerations = tolerationSeconds === undefined ? undefined : ["node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"].map((key) => ({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds }));
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { runtimeClassName: "process", terminationGracePeriodSeconds: 1, ...(tolerations ? { tolerations } : {}), ...(affinity ? { affinity } : {}), containers: [{ name: "main", image: "none", command: ["sleep", "3600"] }] },
      },
    },
  };
}
