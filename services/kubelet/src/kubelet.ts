/**
 * The kubelet actor: node registration and health (NodeAgent), the pods bound here
 * (PodManager), and the logs/exec endpoints the apiserver forwards to over NATS.
 * Several kubelets can live in one process (hollow nodes), sharing a NATS connection.
 */
import { ApiClient } from "@flotilla/bus";
import type { Logger } from "@flotilla/log";
import type { NatsConnection } from "@nats-io/transport-node";
import type { KubeletConfig } from "./config.ts";
import { NodeAgent } from "./node-agent.ts";
import type { MachineInfo } from "./node-object.ts";
import { PodManager } from "./pod-manager.ts";
import type { Runtime, RuntimeName } from "./runtime/types.ts";
import { startStreamServer, type StreamServer } from "./streams.ts";

export interface KubeletDeps {
  nc: NatsConnection;
  log: Logger;
  runtimes: ReadonlyMap<RuntimeName, Runtime>;
  machine: MachineInfo;
}

export class Kubelet {
  readonly cfg: KubeletConfig;
  readonly node: NodeAgent;
  readonly pods: PodManager;
  private streams: StreamServer | undefined;
  private readonly deps: KubeletDeps;

  private constructor(cfg: KubeletConfig, deps: KubeletDeps) {
    this.cfg = cfg;
    this.deps = deps;
    const client = new ApiClient(deps.nc, { subjectPrefix: cfg.subjectPrefix, managedFields: false });
    this.node = new NodeAgent({ client, nc: deps.nc, log: deps.log }, cfg, deps.machine);
    this.pods = new PodManager({ client, log: deps.log, runtimes: deps.runtimes }, cfg);
  }

  /** Register, start heartbeating, adopt what the runtimes already run, then follow the pods bound here. */
  static async start(cfg: KubeletConfig, deps: KubeletDeps): Promise<Kubelet> {
    const k = new Kubelet(cfg, deps);
    await k.node.start();
    await k.pods.start();
    k.streams = startStreamServer(deps.nc, cfg, k.pods, deps.log);
    deps.log.info({ node: cfg.nodeName, runtimes: cfg.runtimes, hollow: cfg.hollow }, "kubelet started");
    return k;
  }

  /** Stop acting; containers keep running (a restarted kubelet adopts them). */
  async stop(): Promise<void> {
    this.node.stop();
    this.pods.stop();
    await this.streams?.stop();
  }
}
