/** `flotilla server`: one master — nats-server (embedded or external) and the apiserver. */
import { Command, Option } from "commander";
import { applyConfigFile } from "./config-file.ts";
import { DEFAULT_DATA_DIR, DEFAULT_NODE_GRACE_PERIOD_MS } from "./defaults.ts";

export interface ServerFlags {
  config?: string;
  dataDir: string;
  nats?: string;
  natsHost: string;
  natsPort: string;
  bindAddress: string;
  port: string;
  advertiseAddress: string;
  tlsSan: string[];
  serviceCidr: string;
  logLevel: string;
  disableAgent?: boolean;
  disableScheduler?: boolean;
  disableControllerManager?: boolean;
  nodeName?: string;
  nodeIp?: string;
  runtime?: string[];
  nodeLabel: string[];
  nodeGracePeriodMs: string;
  podEvictionTimeoutMs?: string;
  clusterCidr: string;
  clusterInit?: boolean;
  join?: string[];
  clusterHost?: string;
  clusterPort: string;
  clusterAdvertise?: string;
  token?: string;
  storeSync: string;
}


export function serverCommand(): Command {
  const cmd = new Command("server")
    .description("run a master: an embedded nats-server with JetStream (or --nats), the apiserver, scheduler and controller-manager, and a node")
    .addOption(new Option("--config <file>", "YAML file of settings (keys are these flag names)").env("FLOTILLA_CONFIG"))
    .addOption(new Option("--data-dir <dir>", "state: NATS JetStream files, PKI, kubeconfig").env("FLOTILLA_DATA_DIR").default(DEFAULT_DATA_DIR))
    .addOption(new Option("--nats <url>", "use this NATS server instead of starting one").env("FLOTILLA_NATS"))
    .addOption(new Option("--nats-host <addr>", "client address of the embedded nats-server").env("FLOTILLA_NATS_HOST").default("127.0.0.1"))
    .addOption(new Option("--nats-port <port>", "client port of the embedded nats-server").env("FLOTILLA_NATS_PORT").default("4222"))
    .addOption(new Option("--store-sync <always|interval>", "when the embedded nats-server fsyncs the store: always (before every acknowledgement) or an interval such as 1s (faster writes; a power loss of every master loses up to that long of acknowledged writes)").env("FLOTILLA_STORE_SYNC").default("always"))
    .addOption(new Option("--bind-address <addr>", "address the Kubernetes API listens on").env("FLOTILLA_BIND_ADDRESS").default("0.0.0.0"))
    .addOption(new Option("--port <port>", "HTTPS port of the Kubernetes API").env("FLOTILLA_PORT").default("6443"))
    .addOption(new Option("--advertise-address <addr>", "address written into the kubeconfig").env("FLOTILLA_ADVERTISE_ADDRESS").default("127.0.0.1"))
    .addOption(new Option("--tls-san <name...>", "extra names/IPs for the serving certificate").default([]))
    .addOption(new Option("--service-cidr <cidr>", "IPv4 range of Service ClusterIPs").env("FLOTILLA_SERVICE_CIDR").default("10.43.0.0/16"))
    .addOption(new Option("--log-level <level>", "trace, debug, info, warn, error").env("FLOTILLA_LOG_LEVEL").default("info"))
    .addOption(new Option("--cluster-cidr <cidr>", "IPv4 range node podCIDRs come from").env("FLOTILLA_CLUSTER_CIDR").default("10.42.0.0/16"))
    .addOption(new Option("--node-grace-period-ms <ms>", "silence after which a node is NotReady (heartbeats come every 1 s)").env("FLOTILLA_NODE_GRACE_PERIOD_MS").default(String(DEFAULT_NODE_GRACE_PERIOD_MS)))
    .addOption(new Option("--pod-eviction-timeout-ms <ms>", "cap on how long pods stay on an unreachable node (default: their tolerations, 300 s)").env("FLOTILLA_POD_EVICTION_TIMEOUT_MS"))
    .addOption(new Option("--cluster-init", "first master of an HA cluster: cluster its nats-server with the masters that --join it").env("FLOTILLA_CLUSTER_INIT"))
    .addOption(new Option("--join <host:port...>", "join the masters' cluster through another master's cluster address (list every master you know)").env("FLOTILLA_JOIN"))
    .addOption(new Option("--cluster-host <addr>", "address the nats-server's cluster routes listen on (default: --nats-host)").env("FLOTILLA_CLUSTER_HOST"))
    .addOption(new Option("--cluster-port <port>", "port of the nats-server's cluster routes").env("FLOTILLA_CLUSTER_PORT").default("6222"))
    .addOption(new Option("--cluster-advertise <host:port>", "cluster address the other masters should dial, when not --cluster-host:--cluster-port").env("FLOTILLA_CLUSTER_ADVERTISE"))
    .addOption(new Option("--token <secret>", "cluster token: seals the shared CA and keys for joining masters (--cluster-init makes one when absent)").env("FLOTILLA_TOKEN"))
    .addOption(new Option("--disable-agent", "do not run a node (kubelet) on this master").env("FLOTILLA_DISABLE_AGENT"))
    .addOption(new Option("--disable-scheduler", "do not run the scheduler on this master").env("FLOTILLA_DISABLE_SCHEDULER"))
    .addOption(new Option("--disable-controller-manager", "do not run the controller-manager on this master").env("FLOTILLA_DISABLE_CONTROLLER_MANAGER"))
    .addOption(new Option("--node-name <name>", "name of this master's node (default: the host name)").env("FLOTILLA_NODE_NAME"))
    .addOption(new Option("--node-ip <addr>", "address of this master's node (default: first non-loopback IPv4)").env("FLOTILLA_NODE_IP"))
    .addOption(new Option("--runtime <name...>", "container runtimes of this master's node (default: docker,process when a Docker engine answers, else process)"))
    .addOption(new Option("--node-label <key=value...>", "extra labels of this master's node").default([]))
    .action(async (_opts: ServerFlags, c: Command) => {
      await applyConfigFile(c, c.getOptionValue("config") as string | undefined);
      const { runServer } = await import("./server-run.ts");
      await runServer(c.opts<ServerFlags>());
    });
  return cmd;
}

