/**
 * `flotilla scheduler` and `flotilla controller-manager`: one control-plane actor alone,
 * joined to a cluster through its NATS servers (`flotilla server` runs both itself).
 * Useful to run them elsewhere, and to benchmark or restart one without the others.
 */
import { readFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { connectBus } from "@flotilla/bus";
import { createLogger } from "@flotilla/log";
import { DEFAULT_NODE_GRACE_PERIOD_MS } from "./defaults.ts";
import { untilSignal } from "./signals.ts";
import { CONTROLLER_MANAGER_LEASE, SCHEDULER_LEASE, candidateIdentity, runElected } from "./elected.ts";

interface ActorFlags {
  server: string[];
  logLevel: string;
  nodeGracePeriodMs?: string;
  podEvictionTimeoutMs?: string;
  clusterCidr?: string;
  rootCaFile?: string;
  serviceAccountPrivateKeyFile?: string;
}

function common(cmd: Command): Command {
  return cmd
    .addOption(new Option("--server <url...>", "NATS URL(s) of the masters").env("FLOTILLA_SERVER").default(["nats://127.0.0.1:4222"]))
    .addOption(new Option("--log-level <level>", "trace, debug, info, warn, error").env("FLOTILLA_LOG_LEVEL").default("info"));
}

export function schedulerCommand(): Command {
  return common(new Command("scheduler").description("run the scheduler alone")).action(async (_o: ActorFlags, c: Command) => {
    const f = c.opts<ActorFlags>();
    const log = createLogger("scheduler", { level: f.logLevel });
    const servers = f.server.flatMap((u) => u.split(","));
    const nc = await connectBus({ servers, name: "flotilla-scheduler", log });
    const { startScheduler } = await import("@flotilla/scheduler");
    const abort = new AbortController();
    const run = runElected(servers, SCHEDULER_LEASE, candidateIdentity(), log, abort.signal, async () => {
      const s = await startScheduler(nc, log);
      return { stop: async () => s.stop() };
    });
    await untilSignal();
    abort.abort();
    await run;
    await nc.drain();
  });
}

/** Signs token Secrets' tokens with the key in `path`; the apiserver package knows the token format. */
async function tokenGenerator(path: string) {
  const { legacyTokenGenerator, readServiceAccountPrivateKey } = await import("@flotilla/apiserver");
  return legacyTokenGenerator(await readServiceAccountPrivateKey(path));
}

export function controllerManagerCommand(): Command {
  return common(new Command("controller-manager").description("run the controller-manager alone"))
    .addOption(new Option("--node-grace-period-ms <ms>", "silence after which a node is NotReady (heartbeats come every 1 s)").default(String(DEFAULT_NODE_GRACE_PERIOD_MS)))
    .addOption(new Option("--pod-eviction-timeout-ms <ms>", "cap on how long pods stay on an unreachable node"))
    .addOption(new Option("--cluster-cidr <cidr>", "IPv4 range node podCIDRs come from").default("10.42.0.0/16"))
    .addOption(new Option("--root-ca-file <path>", "the cluster CA (a master's <data-dir>/pki/ca.crt), published to every namespace as the kube-root-ca.crt ConfigMap"))
    .addOption(new Option("--service-account-private-key-file <path>", "the apiservers' service-account signing key (a master's <data-dir>/pki/sa.key), to fill in the tokens of service-account-token Secrets"))
    .action(async (_o: ActorFlags, c: Command) => {
      const f = c.opts<ActorFlags>();
      const rootCaPem = f.rootCaFile ? await readFile(f.rootCaFile, "utf8") : undefined;
      // Read before connecting, so a wrong key file stops the command with its name.
      const serviceAccountTokenGenerator = f.serviceAccountPrivateKeyFile ? await tokenGenerator(f.serviceAccountPrivateKeyFile) : undefined;
      const log = createLogger("controller-manager", { level: f.logLevel });
      const servers = f.server.flatMap((u) => u.split(","));
      const nc = await connectBus({ servers, name: "flotilla-controller-manager", log });
      const { startControllerManager } = await import("@flotilla/controller-manager");
      const abort = new AbortController();
      const run = runElected(servers, CONTROLLER_MANAGER_LEASE, candidateIdentity(), log, abort.signal, () =>
        startControllerManager(nc, log, {
          node: { gracePeriodMs: Number(f.nodeGracePeriodMs), clusterCidr: f.clusterCidr ?? "10.42.0.0/16", ...(f.podEvictionTimeoutMs ? { podEvictionTimeoutMs: Number(f.podEvictionTimeoutMs) } : {}) },
          ...(rootCaPem ? { rootCaPem } : {}),
          ...(serviceAccountTokenGenerator ? { serviceAccountTokenGenerator } : {}),
        }),
      );
      await untilSignal();
      abort.abort();
      await run;
      await nc.drain();
    });
}
