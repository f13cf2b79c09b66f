/**
 * The `docker` container runtime: pods and containers as Docker Engine containers,
 * driven through the Engine API on the daemon's unix socket (docker-client.ts).
 *
 * - Pod sandbox: one "pause" container per pod (image `sandboxImage`, default
 *   flotilla/pause:1, built from the node's static busybox when missing: see
 *   docker-images.ts) owns the pod's network namespace on the default bridge; its IP is
 *   the pod IP. Every container of the pod joins it (`NetworkMode: container:<id>`), so
 *   they share localhost and the hostname.
 * - Containers: named and labelled as docker-model.ts describes, so a restarted kubelet
 *   finds them all again (listContainers). Ids are `docker://<Docker id>`.
 * - Exits: one `die` events stream (docker-events.ts); each exit is inspected (exit
 *   code, times, OOMKilled) and reported to onExit listeners once.
 * - Logs and exec: docker-io.ts.
 *
 * startContainer ensures the sandbox itself if the kubelet did not (runPodSandbox is
 * idempotent). A container that Docker cannot start (bad command, bad mount) is removed
 * again and the daemon's message thrown as StartFailed, so the same attempt can be
 * retried. Containers outlive close(): they keep running and are adopted again.
 */
import { DEFAULT_SOCKET, DockerClient, DockerError, isNotFound } from "./docker-client.ts";
import type { ContainerInspect, CreateContainerBody } from "./docker-client.ts";
import { ExitWatcher } from "./docker-events.ts";
import { DEFAULT_SANDBOX_IMAGE, buildSandboxImage, ensureImage, parseImageRef } from "./docker-images.ts";
import type { DockerRuntimeLog } from "./docker-images.ts";
import { openDockerLogs, startDockerExec } from "./docker-io.ts";
import {
  DockerRuntimeError,
  checkPod,
  checkSegment,
  containerName,
  labelsFor,
  parseRuntimeId,
  podFilter,
  roleFilter,
  roleOf,
  sandboxIp,
  sandboxName,
  toRuntimeContainer,
} from "./docker-model.ts";
import type { Readable } from "node:stream";
import type { ContainerConfig, ExecOptions, ExecSession, LogOptions, PodRef, Runtime, RuntimeContainer, RuntimeName, SandboxInfo } from "./types.ts";

export { DockerError } from "./docker-client.ts";
export { DockerRuntimeError } from "./docker-model.ts";
export type { DockerRuntimeErrorCode } from "./docker-model.ts";
export type { DockerRuntimeLog } from "./docker-images.ts";

export interface DockerRuntimeOptions {
  /** The daemon's socket; default /var/run/docker.sock. */
  socketPath?: string;
  log?: DockerRuntimeLog;
  /** Image of the per-pod network holder; default flotilla/pause:1 (built when missing). */
  sandboxImage?: string;
}

/** How long available() waits for the daemon's ping. */
const AVAILABLE_TIMEOUT_MS = 1000;

/** Runs pods as Docker containers; see the module comment. */
export class DockerRuntime implements Runtime {
  readonly name: RuntimeName = "docker";
  /** Bind mounts; the daemon must see the kubelet's data dir at the same path (a local daemon does). */
  readonly supportsMounts = true;
  readonly #client: DockerClient;
  readonly #log: DockerRuntimeLog;
  readonly #sandboxImage: string;
  readonly #watcher: ExitWatcher;
  readonly #listeners: ((c: RuntimeContainer) => void)[] = [];
  readonly #closing = new AbortController();
  /** Containers believed running: checked again when the events stream had a gap. */
  readonly #running = new Set<string>();
  /** Docker id → finishedAt of the exit already reported, so each exit is reported once. */
  readonly #reported = new Map<string, string>();
  /** Per-pod queue: concurrent sandbox setups of one pod must not create two. */
  readonly #podLocks = new Map<string, Promise<unknown>>();
  #sandboxImageReady: Promise<void> | undefined;

  private constructor(client: DockerClient, opts: DockerRuntimeOptions) {
    this.#client = client;
    this.#log = opts.log ?? { info: () => undefined, warn: () => undefined };
    this.#sandboxImage = opts.sandboxImage ?? DEFAULT_SANDBOX_IMAGE;
    parseImageRef(this.#sandboxImage);
    this.#watcher = new ExitWatcher(client, this.#log, {
      onDie: (id) => void this.#reportExit(id),
      onReconnect: () => [...this.#running].forEach((id) => void this.#reportExit(id)),
    });
  }

  /** Connect to the daemon and subscribe to exits; DaemonUnavailable if it does not answer. */
  static async create(opts: DockerRuntimeOptions = {}): Promise<DockerRuntime> {
    const socketPath = opts.socketPath ?? DEFAULT_SOCKET;
    const client = new DockerClient(socketPath);
    try {
      await client.negotiate();
      const rt = new DockerRuntime(client, opts);
      await rt.#watcher.start();
      rt.#log.info({ socketPath, apiVersion: client.apiVersion }, "docker runtime connected");
      return rt;
    } catch (err) {
      client.close();
      if (err instanceof DockerRuntimeError) throw err;
      throw new DockerRuntimeError("DaemonUnavailable", `the Docker daemon at ${socketPath} does not answer: ${(err as Error).message}`, err);
    }
  }

  /** True if a daemon answers on the socket with a usable API version. */
  static async available(socketPath: string = DEFAULT_SOCKET): Promise<boolean> {
    const client = new DockerClient(socketPath);
    try {
      await client.negotiate(AVAILABLE_TIMEOUT_MS);
      return true;
    } catch {
      return false;
    } finally {
      client.close();
    }
  }

  async runPodSandbox(pod: PodRef): Promise<SandboxInfo> {
    checkPod(pod);
    const sandbox = await this.#ensureSandbox(pod);
    return { ip: sandboxIp(sandbox) };
  }

  async removePodSandbox(pod: PodRef, gracePeriodMs: number): Promise<void> {
    checkSegment(pod.uid, "pod uid");
    const all = await this.#client.containerList([podFilter(pod.uid)]);
    // Exited ones need no stop (and must not be reported as exiting again).
    const containers = all.filter((c) => roleOf(c.Labels) === "container" && c.State !== "exited" && c.State !== "dead");
    const stops = await Promise.allSettled(containers.map((c) => this.#stop(c.Id, gracePeriodMs)));
    const failed = stops.find((r) => r.status === "rejected");
    // Removing a container that would not stop would lose track of a running process.
    if (failed) throw failed.reason;
    for (const c of all) await this.#remove(c.Id, true);
  }

  async startContainer(pod: PodRef, config: ContainerConfig, attempt: number): Promise<RuntimeContainer> {
    checkPod(pod);
    checkSegment(config.name, "container name");
    if (!Number.isSafeInteger(attempt) || attempt < 0) throw new DockerRuntimeError("InvalidConfig", `bad attempt ${attempt}`);
    if (!config.image) throw new DockerRuntimeError("InvalidConfig", `container ${config.name}: no image`);
    const sandbox = await this.#ensureSandbox(pod);
    await ensureImage(this.#client, config.image, config.imagePullPolicy, this.#log, this.#closing.signal);
    const name = containerName(pod, config.name, attempt);
    let id: string;
    try {
      id = await this.#create(name, createBody(pod, config, attempt, sandbox.Id));
    } catch (err) {
      if (err instanceof DockerRuntimeError) throw err;
      throw new DockerRuntimeError("CreateFailed", `container ${config.name} of ${pod.namespace}/${pod.name} could not be created: ${(err as Error).message}`, err);
    }
    try {
      await this.#client.containerStart(id);
    } catch (err) {
      // Left in "created" it would block this attempt's name; the message is what matters.
      await this.#remove(id, true).catch(() => undefined);
      throw new DockerRuntimeError("StartFailed", `container ${config.name} of ${pod.namespace}/${pod.name} could not start: ${(err as Error).message}`, err);
    }
    this.#running.add(id);
    const c = toRuntimeContainer(await this.#client.containerInspect(id));
    if (!c) throw new DockerRuntimeError("StartFailed", `container ${name} lost its labels`); // cannot happen: we set them
    this.#log.info({ id: c.id, name, image: config.image }, "docker container started");
    return c;
  }

  async stopContainer(id: string, gracePeriodMs: number): Promise<void> {
    const dockerId = parseRuntimeId(id);
    await this.#inspectOwn(dockerId);
    await this.#stop(dockerId, gracePeriodMs);
  }

  async removeContainer(id: string): Promise<void> {
    const dockerId = parseRuntimeId(id);
    const info = await this.#inspectOwn(dockerId);
    if (info.State.Running) throw new DockerRuntimeError("StillRunning", `${id} is running: stop it first`);
    await this.#remove(dockerId, false);
  }

  async listContainers(): Promise<RuntimeContainer[]> {
    const list = await this.#client.containerList([roleFilter("container")]);
    const inspected = await Promise.all(list.map((c) => this.#client.containerInspect(c.Id).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)))));
    const out: RuntimeContainer[] = [];
    for (const info of inspected) {
      const c = info && toRuntimeContainer(info);
      if (!c) continue;
      // Adopt: a running container found here is watched like one we started.
      if (c.status.state === "running") this.#running.add(info.Id);
      out.push(c);
    }
    return out;
  }

  onExit(listener: (c: RuntimeContainer) => void): void {
    this.#listeners.push(listener);
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    const dockerId = parseRuntimeId(id);
    const info = await this.#inspectOwn(dockerId);
    return openDockerLogs(this.#client, dockerId, info.Config.Tty, opts, this.#closing.signal);
  }

  async exec(id: string, command: readonly string[], opts: ExecOptions): Promise<ExecSession> {
    const dockerId = parseRuntimeId(id);
    const info = await this.#inspectOwn(dockerId);
    if (!info.State.Running) throw new DockerRuntimeError("NotRunning", `${id} is not running`);
    return startDockerExec(this.#client, dockerId, command, opts, this.#log, this.#closing.signal);
  }

  /** End the events stream, log follows and pooled connections. Containers keep running. */
  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    await this.#watcher.close();
    this.#client.close();
  }

  /** The pod's running sandbox, created (after removing a dead one) if needed. */
  #ensureSandbox(pod: PodRef): Promise<ContainerInspect> {
    return this.#locked(pod.uid, async () => {
      const found = await this.#client.containerList([podFilter(pod.uid), roleFilter("sandbox")]);
      const running = found.find((s) => s.State === "running");
      if (running) return this.#client.containerInspect(running.Id);
      for (const dead of found) {
        // Its network namespace is gone; containers must join a new one (with a new IP).
        this.#log.warn({ pod: `${pod.namespace}/${pod.name}`, sandbox: dead.Id }, "pod sandbox is not running; replacing it");
        await this.#remove(dead.Id, true);
      }
      await this.#ensureSandboxImage();
      const body: CreateContainerBody = {
        Image: this.#sandboxImage,
        Hostname: hostnameOf(pod.name),
        Labels: labelsFor(pod, "sandbox"),
        HostConfig: { NetworkMode: "bridge", RestartPolicy: { Name: "no" } },
      };
      const id = await this.#create(sandboxName(pod), body).catch(async (err: unknown) => {
        if (!isNotFound(err)) throw err;
        // The image was removed since it was checked (image prune): check, build, try again.
        this.#sandboxImageReady = undefined;
        await this.#ensureSandboxImage();
        return this.#create(sandboxName(pod), body);
      });
      try {
        await this.#client.containerStart(id);
        return await this.#client.containerInspect(id);
      } catch (err) {
        await this.#remove(id, true).catch(() => undefined);
        throw new DockerRuntimeError("SandboxFailed", `pod sandbox of ${pod.namespace}/${pod.name} could not start: ${(err as Error).message}`, err);
      }
    });
  }

  /** Check once per runtime that the sandbox image exists; build it if not (retried after a failure). */
  #ensureSandboxImage(): Promise<void> {
    this.#sandboxImageReady ??= (async () => {
      if (await this.#client.imageInspect(this.#sandboxImage)) return;
      await buildSandboxImage(this.#client, this.#sandboxImage, this.#log);
    })();
    const ready = this.#sandboxImageReady;
    ready.catch(() => {
      if (this.#sandboxImageReady === ready) this.#sandboxImageReady = undefined;
    });
    return ready;
  }

  /** Create a container; a leftover of the same name that never started (kubelet died in between) is replaced. */
  async #create(name: string, body: CreateContainerBody): Promise<string> {
    try {
      return await this.#client.containerCreate(name, body);
    } catch (err) {
      if (!(err instanceof DockerError && err.statusCode === 409)) throw err;
    }
    const existing = await this.#client.containerInspect(name);
    if (existing.State.Status !== "created" || !roleOf(existing.Config.Labels)) {
      throw new DockerRuntimeError("AlreadyExists", `container ${name} already exists (${existing.State.Status}) as docker://${existing.Id}`);
    }
    await this.#remove(existing.Id, true);
    return this.#client.containerCreate(name, body);
  }

  /** Stop (Docker: stop signal, grace in whole seconds rounded up, then SIGKILL) and report the exit. */
  async #stop(dockerId: string, gracePeriodMs: number): Promise<void> {
    const seconds = Math.max(0, Math.ceil(gracePeriodMs / 1000));
    try {
      await this.#client.containerStop(dockerId, seconds);
    } catch (err) {
      if (isNotFound(err)) throw new DockerRuntimeError("NotFound", `no container docker://${dockerId}`, err);
      throw new DockerRuntimeError("StopFailed", `docker://${dockerId} did not stop: ${(err as Error).message}`, err);
    }
    // Docker answers once it has exited: report now rather than whenever the event arrives.
    await this.#reportExit(dockerId);
  }

  async #remove(dockerId: string, force: boolean): Promise<void> {
    try {
      await this.#client.containerRemove(dockerId, { force });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.#running.delete(dockerId);
    this.#reported.delete(dockerId);
  }

  /** Inspect one of our (non-sandbox) containers; NotFound for anything else. */
  async #inspectOwn(dockerId: string): Promise<ContainerInspect> {
    let info: ContainerInspect;
    try {
      info = await this.#client.containerInspect(dockerId);
    } catch (err) {
      if (isNotFound(err)) throw new DockerRuntimeError("NotFound", `no container docker://${dockerId}`, err);
      throw err;
    }
    if (roleOf(info.Config.Labels) !== "container") throw new DockerRuntimeError("NotFound", `docker://${dockerId} is not a flotilla container`);
    return info;
  }

  /** Tell listeners about an exit, once per exit. Never throws. */
  async #reportExit(dockerId: string): Promise<void> {
    let info: ContainerInspect;
    try {
      info = await this.#client.containerInspect(dockerId);
    } catch (err) {
      if (isNotFound(err)) this.#running.delete(dockerId); // removed meanwhile: nothing to report
      else this.#log.warn({ err: (err as Error).message, dockerId }, "could not inspect an exited container");
      return;
    }
    const c = toRuntimeContainer(info);
    if (!c || c.status.state !== "exited") return;
    this.#running.delete(dockerId);
    if (this.#reported.get(dockerId) === c.status.finishedAt) return;
    this.#reported.set(dockerId, c.status.finishedAt);
    this.#log.info({ id: c.id, exitCode: c.status.exitCode, reason: c.status.reason }, "docker container exited");
    if (this.#closing.signal.aborted) return;
    for (const listener of this.#listeners) {
      try {
        listener(c);
      } catch (err) {
        this.#log.warn({ err, id: c.id }, "onExit listener threw");
      }
    }
  }

  /** Run `fn` after every earlier call with the same key has settled. */
  async #locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#podLocks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#podLocks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.#podLocks.get(key) === tail) this.#podLocks.delete(key);
    }
  }
}

/** Kubernetes semantics: `command` replaces the image's entrypoint (and its CMD), `args` its CMD. */
function createBody(pod: PodRef, config: ContainerConfig, attempt: number, sandboxId: string): CreateContainerBody {
  const memory = config.limits?.memoryBytes;
  const milliCpu = config.limits?.milliCpu;
  return {
    Image: config.image,
    Entrypoint: config.command.length > 0 ? [...config.command] : undefined,
    Cmd: config.args.length > 0 ? [...config.args] : undefined,
    Env: Object.entries(config.env).map(([k, v]) => `${k}=${v}`),
    WorkingDir: config.workingDir,
    Tty: config.tty ?? false,
    OpenStdin: config.stdin ?? false,
    Labels: labelsFor(pod, "container", { name: config.name, attempt }),
    HostConfig: {
      NetworkMode: `container:${sandboxId}`,
      Memory: memory,
      // Equal to Memory: no swap on top of the limit, as the kubelet does.
      MemorySwap: memory,
      NanoCpus: milliCpu === undefined ? undefined : Math.round(milliCpu * 1_000_000),
      Binds: config.mounts?.map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ":ro" : ""}`),
      RestartPolicy: { Name: "no" },
    },
  };
}

/** A hostname from the pod name: at most 63 characters, not ending in "-" or ".". */
function hostnameOf(podName: string): string {
  return podName.slice(0, 63).replace(/[-.]+$/, "") || "pod";
}
