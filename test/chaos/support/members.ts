/**
 * One cluster member (a master or a node) as a chaos test handles it: a Docker container
 * it can kill, stop, freeze, start again on the same file system, cut off from the
 * cluster network and reconnect, and read the logs of.
 *
 * The operations go to the Docker Engine API (dockerode, through testcontainers' client)
 * rather than the docker CLI: a CLI process costs ~100 ms, too much for a test that
 * kills and restarts in a loop. Only logs use the CLI, which demultiplexes the stream
 * and writes it as text. Starting again is `docker start` on the same container,
 * never a new one: the data dir lives in the container's writable layer, so a master
 * comes back with its JetStream files, PKI and identity.
 */
import { execFile } from "node:child_process";
import type Dockerode from "dockerode";
import type { StartedTestContainer } from "testcontainers";
import { apiGet, GiveUpError, kubectl, kubectlOk, until, type ApiAccess, type KubectlOptions, type KubectlResult } from "./kube.ts";

/** How long start() waits for a member to be ready again. */
const READY_TIMEOUT_MS = 90_000;
const LOG_TAIL_LINES = 200;

export type Role = "master" | "node";

export interface StartOptions {
  /** Wait until the member is ready (see Member.waitReady). @default true */
  wait?: boolean;
}

/** The member's container stopped while a test waited for it to become ready. */
export class MemberExitedError extends GiveUpError {
  override name = "MemberExitedError";
  readonly member: string;
  readonly exitCode: number;
  constructor(member: string, exitCode: number, logs: string) {
    super(`${member} exited with code ${exitCode} before it was ready; its last output:\n${logs}`);
    this.member = member;
    this.exitCode = exitCode;
  }
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** What every member can do. */
export interface Member {
  /** "m1", "n2": also its host name and its alias on the cluster network. */
  readonly name: string;
  readonly role: Role;
  readonly containerId: string;
  /** Its address on the cluster network: fixed, across restarts and partitions. */
  readonly ip: string;
  /** Send a signal to the container's processes (SIGKILL: a power cut; the container stops). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * When the container's process last exited, by Docker's record (ms since the epoch),
   * or undefined while it runs. Docker notes it when it sees the exit, so it is at or
   * after the real moment, and can be well before a slow `kill()` call returns.
   */
  exitedAtMs(): Promise<number | undefined>;
  /** SIGTERM (a graceful shutdown), SIGKILL after `timeoutS`. @default timeoutS 10 */
  stop(timeoutS?: number): Promise<void>;
  /** Start the same container again (same data), after kill() or stop(). */
  start(opts?: StartOptions): Promise<void>;
  /** stop() then start(). */
  restart(opts?: StartOptions): Promise<void>;
  /** Freeze every process (cgroup freezer): a hung machine, whose TCP peers see silence, not a reset. */
  pause(): Promise<void>;
  unpause(): Promise<void>;
  /**
   * Leave the cluster network: a partition. The host then cannot reach this member's
   * mapped ports either (Docker publishes them through that network).
   */
  disconnect(): Promise<void>;
  /** Rejoin the cluster network under the same alias and address. */
  connect(): Promise<void>;
  /** Whether the container is running. */
  running(): Promise<boolean>;
  /** The last `tail` lines of the container's output. */
  logs(tail?: number): Promise<string>;
  /** Run a command in the container (busybox applets, node). */
  exec(cmd: string[]): Promise<ExecResult>;
  /**
   * Wait until ready: the process says so in its output since the last start ("master
   * ready", "kubelet started"), and a master's /readyz answers 200 through the mapped
   * port. Throws MemberExitedError at once if the container stops meanwhile.
   */
  waitReady(timeoutMs?: number): Promise<void>;
}

/** A master: also its Kubernetes API and NATS port on the host. */
export interface Master extends Member {
  readonly role: "master";
  /** https://127.0.0.1:<mapped 6443> */
  readonly apiUrl: string;
  /** nats://127.0.0.1:<mapped 4222>; a client that must stay on this master sets `ignoreClusterUpdates`. */
  readonly natsUrl: string;
  /** The kubeconfig on the host, pointing at apiUrl. */
  readonly kubeconfig: string;
  /** The server URL, CA and admin token (for apiGet). */
  readonly api: ApiAccess;
  kubectl(args: readonly string[], opts?: KubectlOptions): Promise<KubectlResult>;
  kubectlOk(args: readonly string[], opts?: KubectlOptions): Promise<string>;
}

export interface MemberDeps {
  docker: Dockerode;
  /** The cluster network's name. */
  network: string;
}

/** `docker logs` with its flags; stdout and stderr together (Flotilla logs to stdout, Node's crashes go to stderr). */
function dockerLogs(id: string, flags: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile("docker", ["logs", ...flags, id], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve(err && !stdout && !stderr ? `(docker logs ${id}: ${err.message})` : `${stdout}${stderr}`);
    });
  });
}

/** Dockerode answers 304 to starting a running or stopping a stopped container: not an error here. */
function ignoreNotModified(err: unknown): void {
  if ((err as { statusCode?: number }).statusCode !== 304) throw err;
}

export class ContainerMember implements Member {
  readonly name: string;
  readonly role: Role;
  readonly containerId: string;
  readonly ip: string;
  protected readonly deps: MemberDeps;
  protected readonly container: StartedTestContainer;
  /** Unix seconds of the last start, for waitReady. */
  #startedAt = 0;

  /** The log message (pino's "msg") that says the process is ready. */
  readonly #readyMessage: string;

  constructor(name: string, role: Role, ip: string, container: StartedTestContainer, deps: MemberDeps) {
    this.name = name;
    this.role = role;
    this.ip = ip;
    this.container = container;
    this.containerId = container.getId();
    this.deps = deps;
    this.#readyMessage = role === "master" ? "master ready" : "kubelet started";
  }

  #handle(): Dockerode.Container {
    return this.deps.docker.getContainer(this.containerId);
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await this.#handle().kill({ signal });
  }

  async exitedAtMs(): Promise<number | undefined> {
    const info = await this.#handle().inspect();
    // A never-stopped container reads "0001-01-01T00:00:00Z"; Date.parse keeps ms of the ns stamp.
    const at = Date.parse(info.State.FinishedAt);
    return info.State.Running || !(at > 0) ? undefined : at;
  }

  async stop(timeoutS = 10): Promise<void> {
    await this.#handle().stop({ t: timeoutS }).catch(ignoreNotModified);
  }

  async start(opts: StartOptions = {}): Promise<void> {
    // Readiness reads only the output after this (docker logs --since takes fractional seconds).
    const startedAt = Date.now() / 1000;
    const wasRunning = await this.#handle()
      .start()
      .then(
        () => false,
        (err: unknown) => (ignoreNotModified(err), true),
      );
    // Already running: its ready line is older than any new start time, and it is not new.
    if (wasRunning) return;
    this.#startedAt = startedAt;
    if (opts.wait ?? true) await this.waitReady();
  }

  async restart(opts: StartOptions = {}): Promise<void> {
    await this.stop();
    await this.start(opts);
  }

  async pause(): Promise<void> {
    await this.#handle().pause();
  }

  async unpause(): Promise<void> {
    await this.#handle().unpause();
  }

  async disconnect(): Promise<void> {
    await this.deps.docker.getNetwork(this.deps.network).disconnect({ Container: this.containerId, Force: true });
  }

  async connect(): Promise<void> {
    await this.deps.docker.getNetwork(this.deps.network).connect({ Container: this.containerId, EndpointConfig: { Aliases: [this.name], IPAMConfig: { IPv4Address: this.ip } } });
  }

  async running(): Promise<boolean> {
    const info = await this.#handle().inspect();
    return info.State.Running;
  }

  logs(tail = LOG_TAIL_LINES): Promise<string> {
    return dockerLogs(this.containerId, ["--tail", String(tail)]);
  }

  async exec(cmd: string[]): Promise<ExecResult> {
    const r = await this.container.exec(cmd);
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  }

  async waitReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const marker = `"msg":"${this.#readyMessage}"`;
    await until(
      `${this.name}: ${this.#readyMessage}`,
      async () => {
        if ((await dockerLogs(this.containerId, ["--since", this.#startedAt.toFixed(3)])).includes(marker)) return true;
        const { State } = await this.#handle().inspect();
        if (!State.Running && !State.Restarting) throw new MemberExitedError(this.name, State.ExitCode, await this.logs(40));
        return false;
      },
      timeoutMs,
      () => this.logs(),
    );
  }
}

export class MasterMember extends ContainerMember implements Master {
  declare readonly role: "master";
  readonly apiUrl: string;
  readonly natsUrl: string;
  #api: ApiAccess | undefined;

  constructor(name: string, ip: string, container: StartedTestContainer, deps: MemberDeps, ports: { api: number; nats: number }) {
    super(name, "master", ip, container, deps);
    this.apiUrl = `https://127.0.0.1:${ports.api}`;
    this.natsUrl = `nats://127.0.0.1:${ports.nats}`;
  }

  /** Known once the master first wrote its kubeconfig (the harness copies it out then). */
  get api(): ApiAccess {
    if (!this.#api) throw new Error(`${this.name}: its kubeconfig has not been read yet`);
    return this.#api;
  }

  set api(api: ApiAccess) {
    this.#api = api;
  }

  get kubeconfig(): string {
    return this.api.kubeconfig;
  }

  kubectl(args: readonly string[], opts?: KubectlOptions): Promise<KubectlResult> {
    return kubectl(this.api, args, opts);
  }

  kubectlOk(args: readonly string[], opts?: KubectlOptions): Promise<string> {
    return kubectlOk(this.api, args, opts);
  }

  override async waitReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await super.waitReady(timeoutMs);
    if (this.#api) {
      const api = this.#api;
      await until(`${this.name}: /readyz`, async () => (await apiGet(api, "/readyz", 2000)).status === 200, Math.max(deadline - Date.now(), 1000), () => this.logs());
    }
  }
}
