/**
 * The `process` container runtime: each container is `command` + `args` run as a
 * supervised child process, for small machines (Raspberry Pi) and tests. There is no
 * image and no isolation; a pod's "sandbox" is a directory and its IP is the node's.
 *
 * Containers outlive the kubelet (edge autonomy): children are spawned detached in their
 * own process group with output going straight to a file, so a kubelet killed with
 * SIGKILL leaves them running and the next kubelet adopts them (listContainers) instead
 * of starting them twice. The command runs under a small `/bin/sh` wrapper that records
 * its exit status in a file, so the code is known even if it exited while no kubelet was
 * there to see it. Layout and ids: see process-store.ts.
 *
 * Volume `mounts` are bind mounts in a mount namespace of the container's own, which
 * needs root and util-linux (process-mounts.ts); elsewhere a config with mounts is refused.
 *
 * Not enforced: `limits` (no cgroups here), image and pull policy (there is no image),
 * `tty`/`stdin` of the container itself (stdin is /dev/null, output a file). Background
 * processes a command leaves behind after its main process exits are not cleaned up (no
 * cgroup to find them by).
 */
import { mkdir, readFile, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { Readable } from "node:stream";
import { mountNamespaceOf, startExec } from "./process-exec.ts";
import { openLogStream } from "./process-logs.ts";
import { MOUNTS_UNSUPPORTED, findMountTools, mountLaunch, type MountTools } from "./process-mounts.ts";
import { isAlive, signalGroup, spawnWrapper } from "./process-spawn.ts";
import {
  Layout,
  ProcessRuntimeError,
  containerId,
  exitedStatus,
  isDirectory,
  isSafeSegment,
  listDir,
  logPath,
  parseContainerId,
  readExit,
  readPodRecord,
  readState,
  recordExit,
  startErrorPath,
  statePath,
  toContainer,
  writeJsonAtomic,
  writePodRecord,
} from "./process-store.ts";
import type { AttemptRef, AttemptState } from "./process-store.ts";
import type { ContainerConfig, ExecOptions, ExecSession, LogOptions, PodRef, Runtime, RuntimeContainer, RuntimeName, SandboxInfo } from "./types.ts";

export { ProcessRuntimeError } from "./process-store.ts";
export type { ProcessRuntimeErrorCode } from "./process-store.ts";

/** The logger the runtime reports to (pino-compatible subset). */
export interface ProcessRuntimeLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ProcessRuntimeOptions {
  /** Where pods, logs and exit files live; survives kubelet restarts. */
  rootDir: string;
  /** Reported as every pod's IP: processes share the node's network. */
  nodeIp: string;
  log?: ProcessRuntimeLog;
  /** Honour volume mounts (mount namespaces). @default true where the kubelet runs as root with util-linux; false refuses every mount */
  bindMounts?: boolean;
}

/** How often adopted containers (not our children, so no 'exit' event) are checked in /proc. */
export const ADOPTED_POLL_MS = 1000;
/** How often stopContainer checks an adopted container, so a stop is not slowed by the 1 s poll. */
const STOP_POLL_MS = 50;
/** After SIGKILL a process dies at once unless stuck in the kernel; past this, stop gives up. */
const KILL_WAIT_MS = 10_000;
/** Exit code when the status was never written (wrapper killed, or gone while unwatched). */
const UNKNOWN_EXIT = 255;
/**
 * Exit code when the wrapper died without a status after stopContainer signalled it:
 * SIGKILL (past the grace period), or SIGTERM arriving before the wrapper set its trap.
 * 128+signal, as a shell and Docker report it.
 */
const SIGNAL_EXIT = { SIGTERM: 143, SIGKILL: 137 } as const;
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A running container this runtime waits on. */
interface Watch {
  dir: string;
  state: AttemptState;
  /** Our own child: its 'exit' event reports the end. Otherwise adopted and polled in /proc. */
  owned: boolean;
  /** The last signal stopContainer sent: the likely cause if the wrapper died without writing a status. */
  signaled: "SIGTERM" | "SIGKILL" | undefined;
  done: boolean;
  exited: Promise<void>;
  resolve: () => void;
}

/** Runs containers as detached child processes; see the module comment. */
export class ProcessRuntime implements Runtime {
  readonly name: RuntimeName = "process";
  readonly #mountTools: MountTools | undefined;
  readonly #layout: Layout;
  readonly #nodeIp: string;
  readonly #log: ProcessRuntimeLog;
  readonly #watches = new Map<string, Watch>();
  readonly #listeners: ((c: RuntimeContainer) => void)[] = [];
  readonly #closing = new AbortController();
  #poller: NodeJS.Timeout | undefined;
  #polling = false;

  private constructor(opts: ProcessRuntimeOptions) {
    this.#layout = new Layout(opts.rootDir);
    this.#nodeIp = opts.nodeIp;
    this.#log = opts.log ?? { info: () => undefined, warn: () => undefined };
    this.#mountTools = opts.bindMounts === false ? undefined : findMountTools();
    if (!this.#mountTools && opts.bindMounts === undefined) {
      this.#log.warn({}, `${MOUNTS_UNSUPPORTED}: containers with volumes will not start, and pods' service-account tokens are not mounted`);
    }
  }

  get supportsMounts(): boolean {
    return this.#mountTools !== undefined;
  }

  /** Create the runtime on `rootDir` (made if missing). Call listContainers() to adopt what runs there. */
  static async create(opts: ProcessRuntimeOptions): Promise<ProcessRuntime> {
    const rt = new ProcessRuntime(opts);
    await mkdir(rt.#layout.podsDir, { recursive: true });
    return rt;
  }

  async runPodSandbox(pod: PodRef): Promise<SandboxInfo> {
    checkSegment(pod.uid, "pod uid");
    await writePodRecord(this.#layout, pod);
    return { ip: this.#nodeIp };
  }

  async removePodSandbox(pod: PodRef, gracePeriodMs: number): Promise<void> {
    checkSegment(pod.uid, "pod uid");
    const refs = await this.#attemptRefs(pod.uid);
    const results = await Promise.allSettled(refs.map((ref) => this.stopContainer(containerId(ref), gracePeriodMs)));
    const failed = results.find((r) => r.status === "rejected");
    // Deleting the directory of a process that still runs would lose track of it for good.
    if (failed) throw failed.reason;
    await rm(this.#layout.podDir(pod.uid), { recursive: true, force: true });
  }

  async startContainer(pod: PodRef, config: ContainerConfig, attempt: number): Promise<RuntimeContainer> {
    const argv = [...config.command, ...config.args];
    if (argv.length === 0) throw new ProcessRuntimeError("InvalidConfig", `container ${config.name}: the process runtime needs a command or args`);
    checkSegment(pod.uid, "pod uid");
    checkSegment(config.name, "container name");
    if (!Number.isSafeInteger(attempt) || attempt < 0) throw new ProcessRuntimeError("InvalidConfig", `bad attempt ${attempt}`);
    const ref = { podUid: pod.uid, name: config.name, attempt };
    const id = containerId(ref);
    const dir = this.#layout.attemptDir(ref);
    if (await readState(dir)) throw new ProcessRuntimeError("AlreadyExists", `${id} was already started`);
    const mounts = config.mounts ?? [];
    if (mounts.length > 0 && !this.#mountTools) throw new ProcessRuntimeError("InvalidConfig", `container ${config.name}: ${MOUNTS_UNSUPPORTED}`);
    const podDir = this.#layout.podDir(pod.uid);
    const cwd = config.workingDir ?? podDir;
    // With mounts the working directory may lie inside one: the prelude checks it, in the namespace.
    const launch = mounts.length > 0 ? await mountLaunch(this.#mountTools!, mounts, argv, cwd, podDir, startErrorPath(dir)) : undefined;
    await writePodRecord(this.#layout, pod);
    if (!launch && !(await isDirectory(cwd))) throw new ProcessRuntimeError("InvalidConfig", `container ${config.name}: workingDir ${cwd} is not a directory`);
    await mkdir(dir, { recursive: true });
    // config.limits, tty and stdin are not applied: see the module comment.
    // Exactly the configured env; PATH added only so a command (and `sleep` in it) can be found.
    const env: Record<string, string> = { ...config.env };
    if (env.PATH === undefined) env.PATH = process.env.PATH ?? DEFAULT_PATH;

    const startedAt = new Date().toISOString(); // before spawning: never later than the exit file's time
    const { child, startTime } = await spawnWrapper(dir, launch?.argv ?? argv, launch?.spawnCwd ?? cwd, env, launch?.intermediates);
    const preludeError = launch ? await readFile(startErrorPath(dir), "utf8").catch(() => undefined) : undefined;
    if (preludeError !== undefined) {
      // Never started: no state, no attempt left behind, so the retry reuses the attempt number.
      await rm(dir, { recursive: true, force: true });
      throw new ProcessRuntimeError("StartFailed", `container ${config.name}: ${preludeError.trim()}`);
    }
    const state: AttemptState = {
      pod: { uid: pod.uid, namespace: pod.namespace, name: pod.name },
      containerName: config.name,
      attempt,
      pid: child.pid ?? 0,
      pidStartTime: startTime,
      startedAt,
      argv,
      env,
      cwd,
      ...(launch ? { mountNamespace: true } : {}),
    };
    // A kubelet killed between spawn and this write leaves an untracked process: a window
    // of one file write, accepted rather than writing state before knowing the pid.
    await writeJsonAtomic(statePath(dir), state);
    const watch = this.#watch(id, dir, state, true);
    const onExit = (): void => void this.#finalize(id, watch);
    if (child.exitCode !== null || child.signalCode !== null) onExit();
    else child.once("exit", onExit);
    this.#log.info({ id, pid: state.pid, argv }, "process container started");
    return toContainer(state, { state: "running", startedAt: state.startedAt });
  }

  async stopContainer(id: string, gracePeriodMs: number): Promise<void> {
    const { dir, state } = await this.#load(id);
    if (!state) return; // created but never started: nothing runs
    let watch = this.#watches.get(id);
    if (!(await isAlive(state))) {
      if (watch) await (watch.owned ? watch.exited : this.#finalize(id, watch));
      return;
    }
    watch ??= this.#watch(id, dir, state, false);
    watch.signaled = "SIGTERM";
    signalGroup(state.pid, "SIGTERM");
    if (await this.#waitExit(id, watch, gracePeriodMs)) return;
    watch.signaled = "SIGKILL";
    if (await isAlive(state)) signalGroup(state.pid, "SIGKILL");
    this.#log.info({ id, gracePeriodMs }, "process container did not stop in its grace period: killed");
    if (!(await this.#waitExit(id, watch, KILL_WAIT_MS))) throw new ProcessRuntimeError("StopFailed", `${id} (pid ${state.pid}) survived SIGKILL`);
  }

  async removeContainer(id: string): Promise<void> {
    const { dir, state } = await this.#load(id);
    if (state && (await isAlive(state))) throw new ProcessRuntimeError("StillRunning", `${id} is running: stop it first`);
    const watch = this.#watches.get(id);
    if (watch) {
      // Its end is known (not alive); an 'exit' event still due must not report a removed container.
      watch.done = true;
      watch.resolve();
      this.#watches.delete(id);
    }
    await rm(dir, { recursive: true, force: true });
  }

  async listContainers(): Promise<RuntimeContainer[]> {
    const out: RuntimeContainer[] = [];
    for (const podUid of await listDir(this.#layout.podsDir)) {
      if (!isSafeSegment(podUid)) continue;
      const pod = await readPodRecord(this.#layout, podUid);
      for (const ref of await this.#attemptRefs(podUid)) {
        const c = await this.#inspect(ref, pod);
        if (c) out.push(c);
      }
    }
    return out;
  }

  onExit(listener: (c: RuntimeContainer) => void): void {
    this.#listeners.push(listener);
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    const { dir } = await this.#load(id);
    const isFinished = async (): Promise<boolean> => {
      const state = await readState(dir);
      return !state || !(await isAlive(state));
    };
    return openLogStream({ file: logPath(dir), isFinished, closed: this.#closing.signal }, opts);
  }

  async exec(id: string, command: readonly string[], opts: ExecOptions): Promise<ExecSession> {
    const { state } = await this.#load(id);
    if (!state || !(await isAlive(state))) throw new ProcessRuntimeError("NotRunning", `${id} is not running`);
    return startExec(state, command, opts, this.#log, await mountNamespaceOf(id, state, this.#mountTools));
  }

  /**
   * Stop watching and end log follows. Containers keep running: they outlive the kubelet
   * by design. Exec sessions are left to whoever holds them (kill()).
   */
  async close(): Promise<void> {
    this.#closing.abort();
    if (this.#poller) clearInterval(this.#poller);
    this.#poller = undefined;
  }

  async #load(id: string): Promise<{ ref: AttemptRef; dir: string; state: AttemptState | undefined }> {
    const ref = parseContainerId(id);
    const dir = this.#layout.attemptDir(ref);
    if (!(await isDirectory(dir))) throw new ProcessRuntimeError("NotFound", `no container ${id}`);
    return { ref, dir, state: await readState(dir) };
  }

  async #attemptRefs(podUid: string): Promise<AttemptRef[]> {
    const refs: AttemptRef[] = [];
    const containersDir = this.#layout.containersDir(podUid);
    for (const name of await listDir(containersDir)) {
      if (!isSafeSegment(name)) continue;
      for (const attempt of await listDir(`${containersDir}/${name}`)) {
        if (/^\d+$/.test(attempt)) refs.push({ podUid, name, attempt: Number(attempt) });
      }
    }
    return refs;
  }

  /** One attempt as it is now; adopts it if it runs and nobody watches it yet. */
  async #inspect(ref: AttemptRef, pod: PodRef | undefined): Promise<RuntimeContainer | undefined> {
    const id = containerId(ref);
    const dir = this.#layout.attemptDir(ref);
    const state = await readState(dir);
    if (!state) {
      // Made but never started (the kubelet died in between); without pod.json it is unattributable.
      return pod ? { id, pod, containerName: ref.name, attempt: ref.attempt, status: { state: "created" } } : undefined;
    }
    const watch = this.#watches.get(id);
    if (await isAlive(state)) {
      if (!watch) this.#watch(id, dir, state, false);
      return toContainer(state, { state: "running", startedAt: state.startedAt });
    }
    // A watched one is settled by #finalize (our child's 'exit' event is due any moment);
    // one that ended unseen and without a status is settled here, once, as unknown.
    if (watch) await (watch.owned ? watch.exited : this.#finalize(id, watch));
    else await recordExit(dir, UNKNOWN_EXIT);
    const exit = (await readExit(dir)) ?? { exitCode: UNKNOWN_EXIT, finishedAt: new Date().toISOString() };
    return toContainer(state, exitedStatus(state, exit));
  }

  #watch(id: string, dir: string, state: AttemptState, owned: boolean): Watch {
    let resolve = (): void => undefined;
    const exited = new Promise<void>((r) => (resolve = r));
    const watch: Watch = { dir, state, owned, signaled: undefined, done: false, exited, resolve };
    this.#watches.set(id, watch);
    if (!owned) this.#ensurePoller();
    return watch;
  }

  #ensurePoller(): void {
    if (this.#poller || this.#closing.signal.aborted) return;
    this.#poller = setInterval(() => void this.#pollAdopted(), ADOPTED_POLL_MS);
    // The kubelet has other reasons to live; this timer alone must not keep a process up.
    this.#poller.unref();
  }

  async #pollAdopted(): Promise<void> {
    if (this.#polling) return; // a slow /proc read must not stack ticks
    this.#polling = true;
    try {
      const adopted = [...this.#watches].filter(([, w]) => !w.owned && !w.done);
      for (const [id, w] of adopted) {
        if (!(await isAlive(w.state))) await this.#finalize(id, w);
      }
      if (![...this.#watches.values()].some((w) => !w.owned) && this.#poller) {
        clearInterval(this.#poller);
        this.#poller = undefined;
      }
    } finally {
      this.#polling = false;
    }
  }

  /** Wait up to `ms` for the container to end; true if it did. */
  async #waitExit(id: string, watch: Watch, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!watch.done) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await Promise.race([watch.exited, sleep(Math.min(left, STOP_POLL_MS))]);
      if (!watch.owned && !watch.done && !(await isAlive(watch.state))) await this.#finalize(id, watch);
    }
    await watch.exited;
    return true;
  }

  /** Record the end of a watched container once, tell every listener, release waiters. Never throws. */
  async #finalize(id: string, watch: Watch): Promise<void> {
    if (watch.done) return watch.exited;
    watch.done = true;
    try {
      if (this.#watches.get(id) === watch) this.#watches.delete(id);
      if (!(await isDirectory(watch.dir))) return; // removed meanwhile (pod deleted): nothing to report
      await recordExit(watch.dir, watch.signaled ? SIGNAL_EXIT[watch.signaled] : UNKNOWN_EXIT);
      const exit = (await readExit(watch.dir)) ?? { exitCode: UNKNOWN_EXIT, finishedAt: new Date().toISOString() };
      const c = toContainer(watch.state, exitedStatus(watch.state, exit));
      this.#log.info({ id, exitCode: exit.exitCode }, "process container exited");
      if (!this.#closing.signal.aborted) {
        for (const listener of this.#listeners) {
          try {
            listener(c);
          } catch (err) {
            this.#log.warn({ err, id }, "onExit listener threw");
          }
        }
      }
    } catch (err) {
      this.#log.warn({ err, id }, "could not record a process container's exit");
    } finally {
      watch.resolve();
    }
  }
}

function checkSegment(value: string, what: string): void {
  if (!isSafeSegment(value)) throw new ProcessRuntimeError("InvalidConfig", `${what} ${JSON.stringify(value)} cannot be used as a directory name`);
}
