/**
 * Start one apiserver replica: the store, the watch cache, the HTTPS server and the
 * bus API. Several replicas may run against one bucket; all are active.
 */
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { NatsConnection } from "@nats-io/transport-node";
import { AlreadyExistsError, ApiError, InvalidError, NotFoundError, resourceInfo, type KubeObject } from "@flotilla/api";
import type { Logger } from "@flotilla/log";
import { KvStore, StoreUnavailableError, prefixFor } from "@flotilla/store";
import type { ApiServerConfig } from "./config.ts";
import { createHttpServer } from "./http/server.ts";
import { ensureAdminToken, ensurePki, writeKubeconfig } from "./pki/index.ts";
import { ApiService } from "./registry/service.ts";
import { ServiceAllocator } from "./registry/allocators.ts";
import { DEFAULT_RUNTIME_CLASSES } from "./registry/runtime-class.ts";
import { NodeProxy } from "./registry/node-proxy.ts";
import { WatchCache } from "./storage/watch-cache.ts";
import { startBusApi, type BusApi } from "./bus/server.ts";
import { isIP } from "node:net";
import { Authenticator } from "./auth/authenticator.ts";
import { ensureServiceAccountKeys } from "./auth/sa-keys.ts";
import { DEFAULT_ISSUER } from "./auth/sa-tokens.ts";

export interface ApiServerDeps {
  nc: NatsConnection;
  log: Logger;
}

export interface ApiServerHandle {
  /** https://<advertise>:<port> */
  url: string;
  port: number;
  kubeconfigPath: string;
  adminToken: string;
  caCertPem: string;
  service: ApiService;
  stop(): Promise<void>;
}

export const DEFAULT_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"] as const;

async function createIfAbsent(svc: ApiService, resource: string, namespace: string | undefined, obj: KubeObject, group = ""): Promise<void> {
  const info = resourceInfo(group, resource)!;
  const exists = () => svc.get(info, namespace, obj.metadata.name!).then(() => true, (e: unknown) => (e instanceof NotFoundError ? false : Promise.reject(e)));
  if (await exists()) return;
  try {
    await svc.create(info, namespace, obj, { fieldManager: "flotilla-apiserver" });
  } catch (err) {
    // Another replica starting at the same moment made it: that is the goal.
    if (err instanceof AlreadyExistsError) return;
    // It may also have claimed the object's address (a Service's ClusterIP) first, which
    // shows as Invalid until its object is readable: give that a moment.
    if (!(err instanceof InvalidError)) throw err;
    for (let i = 0; i < 20; i++) {
      if (await exists()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw err;
  }
}

/** What every cluster has: the default namespaces, the `kubernetes` Service and the runtime classes. */
async function bootstrap(svc: ApiService, apiPort: number): Promise<void> {
  for (const name of DEFAULT_NAMESPACES) await createIfAbsent(svc, "namespaces", undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  await createIfAbsent(svc, "services", "default", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kubernetes", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { type: "ClusterIP", clusterIP: svc.allocator.apiServiceIp, ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: apiPort }] },
  });
  for (const rc of DEFAULT_RUNTIME_CLASSES) await createIfAbsent(svc, "runtimeclasses", undefined, structuredClone(rc), "node.k8s.io");
}

/**
 * Retry a start-up step while the store is unavailable: a master cluster forming, or
 * moving its bucket from one replica to three, stalls writes for a few seconds, and
 * after every master lost power the stream may need a minute or more to elect a
 * leader on slow disks. The wait has no end: a master that gave up would take its
 * nats-server down with it, and the others need it for their quorum. Every step here
 * checks before it writes, so a retry after an unknown outcome is safe.
 */
async function untilStoreAnswers<T>(log: Logger, step: () => Promise<T>, quietForMs = 60_000): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      const busy = (err instanceof ApiError && err.code >= 500) || err instanceof StoreUnavailableError;
      if (!busy) throw err;
      const waitedMs = Date.now() - started;
      // Info while it is the usual start-up stall; a warning once it has lasted.
      if (waitedMs < quietForMs) log.info({ err: (err as Error).message }, "store busy during start-up; retrying");
      else log.warn({ err: (err as Error).message, waitedS: Math.round(waitedMs / 1000) }, "store still unavailable; waiting for a quorum of masters");
      await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 2000)));
    }
  }
}

/**
 * List this replica in the `default/kubernetes` Endpoints, as Kubernetes' apiservers do:
 * pods find the API through it (the kubelet passes it as KUBERNETES_SERVICE_HOST/PORT
 * until kube-proxy routes the Service's ClusterIP). Other replicas' addresses are kept;
 * removing those of masters that left is for the HA work (Kubernetes uses leases).
 */
async function publishApiEndpoint(svc: ApiService, ip: string, port: number): Promise<void> {
  if (!isIP(ip)) return;
  const info = resourceInfo("", "endpoints")!;
  const want = { addresses: [{ ip }], ports: [{ name: "https", port, protocol: "TCP" }] };
  const current = await svc.find(info, "default", "kubernetes");
  if (!current) {
    await createIfAbsent(svc, "endpoints", "default", { apiVersion: "v1", kind: "Endpoints", metadata: { name: "kubernetes", labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } }, subsets: [want] } as KubeObject);
    return;
  }
  await svc.guaranteedUpdate(info, "default", "kubernetes", (ep) => {
    type Subset = { addresses?: { ip: string }[]; ports?: { name?: string; port: number; protocol?: string }[] };
    const subsets = ((ep as unknown as { subsets?: Subset[] }).subsets ?? []).filter((s) => s.ports?.[0]?.port === port);
    const subset = subsets[0] ?? { addresses: [], ports: want.ports };
    if (!subset.addresses?.some((a) => a.ip === ip)) subset.addresses = [...(subset.addresses ?? []), { ip }];
    (ep as unknown as { subsets: Subset[] }).subsets = [subset];
    return ep;
  });
}

export async function startApiServer(cfg: ApiServerConfig, deps: ApiServerDeps): Promise<ApiServerHandle> {
  const { nc, log } = deps;
  // History 5 per key: with 1, a value superseded before a watcher reads it is gone from
  // the stream, so live watchers could miss an update; 5 keeps that window wide at a
  // bounded cost in stream size.
  // shareWrittenValues: the watch cache takes the objects this replica writes as they
  // are; the registry never mutates an object once it is handed to the store.
  // Events expire eventTtlMs after their last write, whichever path writes them: the
  // store puts the TTL on every write under `events.`. The expiry marker (a delete for
  // watchers) is kept as long: with history 5, nats-server raises any TTL below the
  // marker TTL to it, so the marker TTL may not exceed the event TTL.
  const store = await KvStore.create(nc, {
    bucket: cfg.bucket,
    replicas: cfg.replicas,
    historyPerKey: 5,
    shareWrittenValues: true,
    markerTtlMs: cfg.eventTtlMs,
    ttlMsByPrefix: { [prefixFor("events")]: cfg.eventTtlMs },
  });
  // The first list may stall while a master cluster forms or re-replicates the store.
  const cache = await untilStoreAnswers(log, () => WatchCache.start(store, log, { historyPerResource: cfg.watchHistoryPerResource }));
  const service = new ApiService(store, cache, new ServiceAllocator(store, { serviceCidr: cfg.serviceCidr }));

  const pkiDir = join(cfg.dataDir, "pki");
  const hosts = [cfg.advertiseAddress, ...cfg.tlsSans];
  if (cfg.bindAddress !== "0.0.0.0" && cfg.bindAddress !== "::") hosts.push(cfg.bindAddress);
  const pki = await ensurePki({ dir: pkiDir, hosts });
  const adminToken = await ensureAdminToken(pkiDir);
  const saKeys = await ensureServiceAccountKeys(pkiDir);
  const audiences = [DEFAULT_ISSUER];
  service.tokenIssuer = { issuer: DEFAULT_ISSUER, audiences, ...saKeys };
  const lookup = (resource: string, namespace: string | undefined, name: string) => service.find(resourceInfo("", resource)!, namespace, name);
  const http = createHttpServer(service, log, {
    certPem: pki.certPem,
    keyPem: pki.keyPem,
    authenticator: new Authenticator(new Map([[adminToken, "admin"]]), { signer: { issuer: DEFAULT_ISSUER, publicKey: saKeys.publicKey }, audiences, lookup }),
    proxy: new NodeProxy(nc, cfg.subjectPrefix),
    flotillaVersion: cfg.version,
    maxWatchSeconds: cfg.maxWatchSeconds,
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(cfg.port, cfg.bindAddress, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `https://${cfg.advertiseAddress.includes(":") ? `[${cfg.advertiseAddress}]` : cfg.advertiseAddress}:${port}`;
  await untilStoreAnswers(log, async () => {
    await bootstrap(service, cfg.port === 0 ? port : cfg.port);
    await publishApiEndpoint(service, cfg.advertiseAddress, port);
  });
  const kubeconfigPath = join(cfg.dataDir, "kubeconfig");
  await writeKubeconfig(kubeconfigPath, { clusterName: "flotilla", server: url, caCertPem: pki.caCertPem, token: adminToken, user: "admin" });
  const bus: BusApi = await startBusApi(nc, service, log, { subjectPrefix: cfg.subjectPrefix });
  log.info({ url, kubeconfig: kubeconfigPath }, "apiserver serving");

  return {
    url,
    port,
    kubeconfigPath,
    adminToken,
    caCertPem: pki.caCertPem,
    service,
    async stop() {
      await bus.stop();
      cache.stop();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await store.close();
    },
  };
}
