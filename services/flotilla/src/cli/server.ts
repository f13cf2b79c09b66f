/** `flotilla server`: one master — nats-server (embedded or external) and the apiserver. */
import { Command, Option } from "commander";
import { mkdir } from "node:fs/promises";
import { connectBus } from "@flotilla/bus";
import { startApiServer, withDefaults } from "@flotilla/apiserver";
import { createLogger } from "@flotilla/log";
import { startEmbeddedNats, type EmbeddedNats } from "../nats-server.ts";
import { FLOTILLA_VERSION } from "../version.ts";
import { applyConfigFile } from "./config-file.ts";

export const DEFAULT_DATA_DIR = process.getuid?.() === 0 ? "/var/lib/flotilla" : `${process.env["HOME"] ?? "."}/.flotilla`;

interface ServerFlags {
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
}

function int(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got "${v}"`);
  return n;
}

export function serverCommand(): Command {
  const cmd = new Command("server")
    .description("run a master: an embedded nats-server with JetStream (or --nats) and the apiserver")
    .addOption(new Option("--config <file>", "YAML file of settings (keys are these flag names)").env("FLOTILLA_CONFIG"))
    .addOption(new Option("--data-dir <dir>", "state: NATS JetStream files, PKI, kubeconfig").env("FLOTILLA_DATA_DIR").default(DEFAULT_DATA_DIR))
    .addOption(new Option("--nats <url>", "use this NATS server instead of starting one").env("FLOTILLA_NATS"))
    .addOption(new Option("--nats-host <addr>", "client address of the embedded nats-server").env("FLOTILLA_NATS_HOST").default("127.0.0.1"))
    .addOption(new Option("--nats-port <port>", "client port of the embedded nats-server").env("FLOTILLA_NATS_PORT").default("4222"))
    .addOption(new Option("--bind-address <addr>", "address the Kubernetes API listens on").env("FLOTILLA_BIND_ADDRESS").default("0.0.0.0"))
    .addOption(new Option("--port <port>", "HTTPS port of the Kubernetes API").env("FLOTILLA_PORT").default("6443"))
    .addOption(new Option("--advertise-address <addr>", "address written into the kubeconfig").env("FLOTILLA_ADVERTISE_ADDRESS").default("127.0.0.1"))
    .addOption(new Option("--tls-san <name...>", "extra names/IPs for the serving certificate").default([]))
    .addOption(new Option("--service-cidr <cidr>", "IPv4 range of Service ClusterIPs").env("FLOTILLA_SERVICE_CIDR").default("10.43.0.0/16"))
    .addOption(new Option("--log-level <level>", "trace, debug, info, warn, error").env("FLOTILLA_LOG_LEVEL").default("info"))
    .action(async (_opts: ServerFlags, c: Command) => {
      applyConfigFile(c, c.getOptionValue("config") as string | undefined);
      await runServer(c.opts<ServerFlags>());
    });
  return cmd;
}

async function runServer(f: ServerFlags): Promise<void> {
  const log = createLogger("server", { level: f.logLevel });
  await mkdir(f.dataDir, { recursive: true });
  let nats: EmbeddedNats | undefined;
  const url = f.nats ?? (nats = await startEmbeddedNats({ dataDir: f.dataDir, host: f.natsHost, port: int("nats-port", f.natsPort) }, log.child({ actor: "nats" }))).url;
  const nc = await connectBus({ servers: url, name: "flotilla-apiserver" });
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
  log.info({ version: FLOTILLA_VERSION, nats: url, natsServer: nats?.version, kubeconfig: api.kubeconfigPath }, "master ready");

  const ac = new AbortController();
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.once(sig, () => ac.abort());
  await new Promise<void>((r) => ac.signal.addEventListener("abort", () => r()));
  log.info("stopping");
  await api.stop();
  await nc.drain();
  await nats?.stop();
  log.info("stopped");
}
