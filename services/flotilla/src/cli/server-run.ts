/** What `flotilla server` runs; loaded only for that command (it pulls in the apiserver). */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { connectBus } from "@flotilla/bus";
import { legacyTokenGenerator, readServiceAccountPrivateKey, SA_KEY_FILE, startApiServer, withDefaults } from "@flotilla/apiserver";
import { startControllerManager } from "@flotilla/controller-manager";
import type { RuntimeName } from "@flotilla/kubelet";
import { createLogger } from "@flotilla/log";
import { startScheduler } from "@flotilla/scheduler";
import { parseStoreSync, startEmbeddedNats, type EmbeddedNats } from "../nats-server.ts";
import { clusterOptions, prepareClusteredMaster, serverName } from "../cluster/master.ts";
import { FLOTILLA_VERSION } from "../version.ts";
import { detectRuntimes, parseLabels, startAgent } from "./agent.ts";
import type { ServerFlags } from "./server.ts";
import { untilSignal } from "./signals.ts";
import { CONTROLLER_MANAGER_LEASE, SCHEDULER_LEASE, candidateIdentity, runElected } from "./elected.ts";

function int(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got "${v}"`);
  return n;
}

export async function runServer(f: ServerFlags): Promise<void> {
  const log = createLogger("server", { level: f.logLevel });
  await mkdir(f.dataDir, { recursive: true });
  let nats: EmbeddedNats | undefined;
  const cluster = clusterOptions(f, f.natsHost);
  const natsOpts = { dataDir: f.dataDir, host: f.natsHost, port: int("nats-port", f.natsPort), storeSync: parseStoreSync(f.storeSync), ...(cluster ? { cluster, serverName: serverName(f.nodeName) } : {}) };
  if (f.nats && f.storeSync !== "always") log.warn({ storeSync: f.storeSync }, "--store-sync applies to the embedded nats-server only: ignored with --nats");
  const url = f.nats ?? (nats = await startEmbeddedNats(natsOpts, log.child({ actor: "nats" }))).url;
  const nc = await connectBus({ servers: url, name: "flotilla-apiserver" });
  const abort = new AbortController();
  // A clustered master shares the cluster's CA and keys before its apiserver starts.
  if (cluster) await prepareClusteredMaster(nc, f, { dataDir: f.dataDir, bucket: "flotilla", log, signal: abort.signal });
  const cfg = withDefaults({
    dataDir: f.dataDir,
    bindAddress: f.bindAddress,
    port: int("port", f.port),
    advertiseAddress: f.advertiseAddress,
    tlsSans: f.tlsSan,
    serviceCidr: f.serviceCidr,
    version: FLOTILLA_VERSION,
  });
  const api = await startApiServer(cfg, { nc, log: createLogger("apiserver", { level: f.logLevel }) });
  // The controller manager signs token Secrets' tokens with the key this apiserver checks them with.
  const serviceAccountTokenGenerator = legacyTokenGenerator(await readServiceAccountPrivateKey(join(cfg.dataDir, "pki", SA_KEY_FILE)));
  // The scheduler and controller manager run on every master but act only while they lead.
  const identity = candidateIdentity(f.nodeName);
  const cmNc = f.disableControllerManager ? undefined : await connectBus({ servers: url, name: "flotilla-controller-manager" });
  const cmLog = createLogger("controller-manager", { level: f.logLevel });
  const cmRun =
    cmNc &&
    runElected(url, CONTROLLER_MANAGER_LEASE, identity, cmLog, abort.signal, () =>
      startControllerManager(cmNc, cmLog, {
        node: { gracePeriodMs: int("node-grace-period-ms", f.nodeGracePeriodMs), clusterCidr: f.clusterCidr, ...(f.podEvictionTimeoutMs ? { podEvictionTimeoutMs: int("pod-eviction-timeout-ms", f.podEvictionTimeoutMs) } : {}) },
        rootCaPem: api.caCertPem,
        serviceAccountTokenGenerator,
      }),
    );
  const schedNc = f.disableScheduler ? undefined : await connectBus({ servers: url, name: "flotilla-scheduler" });
  const schedLog = createLogger("scheduler", { level: f.logLevel });
  const schedRun =
    schedNc &&
    runElected(url, SCHEDULER_LEASE, identity, schedLog, abort.signal, async () => {
      const s = await startScheduler(schedNc, schedLog);
      return { stop: async () => s.stop() };
    });
  const agent = f.disableAgent
    ? undefined
    : await startAgent({
        natsUrls: [url],
        dataDir: join(f.dataDir, "agent"),
        nodeName: f.nodeName,
        nodeIp: f.nodeIp,
        runtimes: f.runtime ? (f.runtime.flatMap((r) => r.split(",")) as RuntimeName[]) : await detectRuntimes(),
        labels: parseLabels(f.nodeLabel),
        logLevel: f.logLevel,
        hollowNodes: 0,
      });
  log.info({ version: FLOTILLA_VERSION, nats: url, natsServer: nats?.version, kubeconfig: api.kubeconfigPath, node: agent?.kubelets[0]?.cfg.nodeName }, "master ready");

  await untilSignal();
  log.info("stopping");
  await agent?.stop();
  abort.abort(); // stops the scheduler and controller manager and releases their leases
  await Promise.all([schedRun, cmRun]);
  await schedNc?.drain();
  await cmNc?.drain();
  await api.stop();
  await nc.drain();
  await nats?.stop();
  log.info("stopped");
}
