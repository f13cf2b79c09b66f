/**
 * GenericContainer with the three things the chaos harness needs and testcontainers'
 * builder does not offer:
 * - one network only. withNetworkAliases() makes testcontainers create the container on
 *   Docker's default bridge and then connect it to the named network, so every member
 *   would sit on two networks, and disconnecting one would not partition it: nats-server
 *   gossips every interface address to clients, and a node's NATS client would fail
 *   over to the bridge address. Here the alias goes into the create request instead.
 * - ports published on 127.0.0.1 only, at host ports the harness chose, so they stay
 *   the same across `docker start` (Docker picks new ones for port 0 on every start),
 *   and a cluster with a known test token is not open on every interface.
 * - an init process (Docker's --init, tini) as PID 1: the node agent's `process` pods
 *   are detached process groups; orphans they leave behind must be reaped by someone,
 *   and Node does not reap children it did not spawn.
 * - no readiness wait of testcontainers' own (RunningWaitStrategy): when its wait fails,
 *   testcontainers removes the container, and with it the output that says why. The
 *   harness waits itself (Member.waitReady).
 */
import { GenericContainer, type WaitStrategy } from "testcontainers";

/** "Ready" as soon as Docker says the container runs. */
class RunningWaitStrategy implements WaitStrategy {
  #timeoutMs = 60_000;
  #set = false;

  async waitUntilReady(): Promise<void> {}

  withStartupTimeout(startupTimeoutMs: number): this {
    this.#timeoutMs = startupTimeoutMs;
    this.#set = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.#set;
  }

  getStartupTimeout(): number {
    return this.#timeoutMs;
  }
}

export class FlotillaContainer extends GenericContainer {
  constructor(image: string) {
    super(image);
    this.withWaitStrategy(new RunningWaitStrategy());
  }

  /** Attach to `network` only, at address `ip`, reachable there as `alias`. */
  onNetwork(network: string, alias: string, ip: string): this {
    this.withNetworkMode(network);
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: { Aliases: [alias], IPAMConfig: { IPv4Address: ip } } } };
    return this;
  }

  /** Publish `containerPort` on 127.0.0.1:`hostPort`. */
  withLoopbackPort(containerPort: number, hostPort: number): this {
    this.createOpts.ExposedPorts = { ...this.createOpts.ExposedPorts, [`${containerPort}/tcp`]: {} };
    this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${containerPort}/tcp`]: [{ HostIp: "127.0.0.1", HostPort: String(hostPort) }] };
    return this;
  }

  withInit(): this {
    this.hostConfig.Init = true;
    return this;
  }
}
