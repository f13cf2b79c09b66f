/**
 * One pod on this node: starts its sandbox and containers through a runtime, restarts
 * them by its restart policy with CrashLoopBackOff, reports status when it changes, and
 * on deletion stops everything within the grace period and confirms the deletion.
 *
 * Every trigger (a new version of the pod, a container exit, a backoff timer, a probe
 * result) only marks the worker dirty; one sync runs at a time and re-reads the whole
 * state, so triggers can never interleave half-done changes.
 */
import type { ContainerObject, PodObject } from "@flotilla/api";
import { parseQuantity } from "@flotilla/api/quantity";
import type { Logger } from "@flotilla/log";
import { restartDelayMs, type BackoffConfig } from "./backoff.ts";
import { ContainerConfigError, resolveEnv, type EnvSources } from "./env.ts";
import { podStatus, type ContainerView } from "./pod-status.ts";
import { PodHealth } from "./pod-health.ts";
import type { EventRecorder } from "@flotilla/bus";
import type { ContainerConfig, PodRef, Runtime, RuntimeContainer } from "./runtime/types.ts";
import { rfc3339 } from "@flotilla/api/time";
import { MountConfigError, MountError, type PodVolumes, type VolumeManager } from "./volumes.ts";

type PodStatus = NonNullable<PodObject["status"]>;

/** What a pod worker writes back to the API. */
export interface PodApi {
  /** Replace the pod's status (a merge patch of `status`). */
  writeStatus(pod: PodObject, status: PodStatus): Promise<void>;
  /** Final delete once every container is stopped (grace 0, uid precondition). */
  confirmDeletion(pod: PodObject): Promise<void>;
}

export interface PodWorkerDeps {
  runtime: Runtime;
  api: PodApi;
  env: EnvSources;
  /** Absent on hollow nodes: no volumes, no token requests. */
  volumes?: VolumeManager | undefined;
  hostIp: string;
  backoff: BackoffConfig;
  log: Logger;
  /** Called when the pod is gone from this node (deleted and cleaned up). */
  onDone(uid: string): void;
  events?: EventRecorder | undefined;
}

interface ContainerRecord {
  attempts: RuntimeContainer[];
  waiting?: { reason: string; message?: string } | undefined;
  /** Don't start before this time (backoff, or a retry after a config error). */
  notBeforeMs: number;
}

const RETRY_MS = 2000;
/** Volume set-up retries back off from RETRY_MS, doubling, up to this. */
const MOUNT_RETRY_MAX_MS = 32_000;

/** The container's limits for runtimes that enforce them (docker: memory and CPU). */
function limitsOf(c: ContainerObject): { memoryBytes?: number; milliCpu?: number } {
  const lim = c.resources?.limits;
  const memory = lim?.["memory"] !== undefined ? parseQuantity(lim["memory"]) : undefined;
  const cpu = lim?.["cpu"] !== undefined ? parseQuantity(lim["cpu"]) : undefined;
  return { ...(memory ? { memoryBytes: Math.ceil(memory) } : {}), ...(cpu ? { milliCpu: Math.ceil(cpu * 1000) } : {}) };
}

export class PodWorker {
  pod: PodObject;
  readonly ref: PodRef;
  private readonly deps: PodWorkerDeps;
  private readonly records = new Map<string, ContainerRecord>();
  private sandboxIp: string | undefined;
  private readonly acceptedAt = rfc3339();
  private lastStatus = "";
  private running = false;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  /** When `timer` fires. */
  private timerAtMs = 0;
  private stopped = false;
  private terminating = false;
  private readonly health: PodHealth;
  private readonly volumes: PodVolumes | undefined;
  private mountFailures = 0;
  private mountRetryAtMs = 0;
  private mountMessage = "";
  /** Why the pod's volumes are not set up yet (as of this sync); undefined once they are. */
  private unmounted: string | undefined;

  constructor(pod: PodObject, deps: PodWorkerDeps, adopted: readonly RuntimeContainer[]) {
    this.pod = pod;
    this.deps = deps;
    const m = pod.metadata ?? {};
    this.ref = { uid: m.uid ?? "", namespace: m.namespace ?? "default", name: m.name ?? "" };
    for (const c of [...adopted].sort((a, b) => a.attempt - b.attempt)) this.record(c.containerName).attempts.push(c);
    if (adopted.length > 0) this.sandboxIp = deps.hostIp;
    this.health = new PodHealth(this.ref, {
      runtime: deps.runtime,
      log: deps.log,
      events: deps.events,
      changed: () => this.kick(),
      graceMs: () => (this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000,
    });
    // A runtime that cannot mount (the process runtime without root) still runs pods:
    // the token volume the apiserver adds to every pod is then left out rather than
    // failing pods that never asked for it. Volumes the pod asks for fail clearly there.
    this.volumes = deps.volumes?.forPod(this.ref, () => this.pod, { serviceAccountMounts: deps.runtime.supportsMounts });
  }

  update(pod: PodObject): void {
    this.pod = pod;
    this.kick();
  }

  containerExited(c: RuntimeContainer): void {
    const rec = this.record(c.containerName);
    const i = rec.attempts.findIndex((a) => a.id === c.id);
    if (i >= 0) rec.attempts[i] = c;
    if (i === rec.attempts.length - 1) this.health.detach(c.containerName);
    this.kick();
  }

  /** The runtime this pod runs on. */
  get runtime(): Runtime {
    return this.deps.runtime;
  }

  /** Names of the pod's containers, init containers first. */
  containerNames(): string[] {
    return [...(this.pod.spec?.initContainers ?? []), ...(this.pod.spec?.containers ?? [])].map((c) => c.name);
  }

  /** The latest attempt of a container and the one before it. */
  attempts(name: string): { current?: RuntimeContainer | undefined; previous?: RuntimeContainer | undefined; waiting?: string | undefined } {
    const rec = this.records.get(name);
    return { current: rec?.attempts.at(-1), previous: rec?.attempts.at(-2), waiting: rec?.waiting?.reason };
  }

  /** The kubelet is stopping: timers end, containers keep running. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.health.stopAll();
    this.volumes?.stop();
  }

  /** Request a sync soon; coalesces with one already running. */
  kick(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (!this.running) void this.loop();
  }

  private record(name: string): ContainerRecord {
    let r = this.records.get(name);
    if (!r) this.records.set(name, (r = { attempts: [], notBeforeMs: 0 }));
    return r;
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.dirty && !this.stopped) {
        this.dirty = false;
        try {
          await this.sync();
        } catch (err) {
          this.deps.log.warn({ err, pod: `${this.ref.namespace}/${this.ref.name}` }, "pod sync failed; retrying");
          this.wakeAt(Date.now() + RETRY_MS);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private wakeAt(ms: number): void {
    if (this.stopped) return;
    // An earlier wake-up stays: the sync it triggers re-arms whatever is still pending,
    // whereas replacing it would delay, say, one container's restart to another's.
    if (this.timer !== undefined && this.timerAtMs <= ms) return;
    clearTimeout(this.timer);
    this.timerAtMs = ms;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, Math.max(0, ms - Date.now()));
  }

  private async sync(): Promise<void> {
    if (this.pod.metadata?.deletionTimestamp) return this.terminate();
    const phase = this.pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return this.volumes?.stop(); // nothing will read them any more
    if (this.sandboxIp === undefined) this.sandboxIp = (await this.deps.runtime.runPodSandbox(this.ref)).ip;
    // Every sync, not only before a start: containers adopted after a kubelet restart
    // need their volumes' refresh (the token's above all) to resume.
    this.unmounted = await this.mountVolumes();
    const spec = this.pod.spec;
    const policy = spec?.restartPolicy ?? "Always";
    let initDone = true;
    for (const c of spec?.initContainers ?? []) {
      const latest = this.latest(c.name);
      if (latest?.status.state === "exited" && latest.status.exitCode === 0) continue;
      initDone = false;
      // Init containers restart on failure unless the pod's policy is Never.
      await this.ensure(c, policy === "Never" ? "Never" : "OnFailure");
      break;
    }
    if (initDone) for (const c of spec?.containers ?? []) await this.ensure(c, policy);
    await this.report();
  }

  private latest(name: string): RuntimeContainer | undefined {
    return this.records.get(name)?.attempts.at(-1);
  }

  /** Start the container if it should run now; otherwise note why it waits. */
  private async ensure(c: ContainerObject, policy: string): Promise<void> {
    const rec = this.record(c.name);
    const cur = rec.attempts.at(-1);
    if (cur?.status.state === "running" || cur?.status.state === "created") {
      rec.waiting = undefined;
      if (cur.status.state === "running") this.health.attach(c, cur, this.sandboxIp ?? this.deps.hostIp);
      return;
    }
    let attempt = 0;
    if (cur?.status.state === "exited") {
      const restart = policy === "Always" || (policy === "OnFailure" && cur.status.exitCode !== 0);
      if (!restart) {
        rec.waiting = undefined;
        return;
      }
      attempt = cur.attempt + 1;
      if (rec.notBeforeMs === 0) {
        const ranMs = Date.parse(cur.status.finishedAt) - Date.parse(cur.status.startedAt);
        const delay = restartDelayMs(attempt, ranMs, this.deps.backoff);
        rec.notBeforeMs = Date.now() + delay;
        if (delay > 0) {
          rec.waiting = { reason: "CrashLoopBackOff", message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.name} pod=${this.ref.name}_${this.ref.namespace}(${this.ref.uid})` };
          this.deps.events?.record({ kind: "Pod", name: this.ref.name, namespace: this.ref.namespace, uid: this.ref.uid }, "Warning", "BackOff", "Back-off restarting failed container");
        }
      }
    }
    if (Date.now() < rec.notBeforeMs) return this.wakeAt(rec.notBeforeMs);
    await this.start(c, rec, attempt);
  }

  /**
   * Set the pod's volumes up before its first container starts. undefined once they
   * are; otherwise why not, with a retry (backing off) armed. The FailedMount event is
   * PodVolumes' to record.
   */
  private async mountVolumes(): Promise<string | undefined> {
    const v = this.volumes;
    if (!v || v.ready) return undefined;
    if (Date.now() < this.mountRetryAtMs) {
      this.wakeAt(this.mountRetryAtMs);
      return this.mountMessage;
    }
    try {
      await v.setUp();
      this.mountFailures = 0;
      return v.ready ? undefined : "the pod's volumes are being torn down";
    } catch (err) {
      if (!(err instanceof MountError)) throw err;
      this.mountFailures++;
      this.mountRetryAtMs = Date.now() + Math.min(RETRY_MS * 2 ** (this.mountFailures - 1), MOUNT_RETRY_MAX_MS);
      this.mountMessage = `MountVolume.SetUp failed for volume "${err.volume}" : ${err.message}`;
      this.wakeAt(this.mountRetryAtMs);
      return this.mountMessage;
    }
  }

  private async start(c: ContainerObject, rec: ContainerRecord, attempt: number): Promise<void> {
    // Kubernetes shows a pod whose volumes are not ready as ContainerCreating (the
    // reason is in the FailedMount event); the retry is armed by mountVolumes.
    if (this.unmounted !== undefined) {
      rec.waiting = { reason: "ContainerCreating", message: this.unmounted };
      return;
    }
    const ips = { podIp: this.sandboxIp ?? this.deps.hostIp, hostIp: this.deps.hostIp };
    let env: Record<string, string>;
    let mounts: NonNullable<ContainerConfig["mounts"]>;
    try {
      env = await resolveEnv(c, this.pod, this.deps.env, ips, await this.deps.env.serviceEnv());
      mounts = (await this.volumes?.mountsFor(c, env)) ?? [];
    } catch (err) {
      if (!(err instanceof ContainerConfigError || err instanceof MountConfigError)) throw err;
      rec.waiting = { reason: "CreateContainerConfigError", message: err.message };
      rec.notBeforeMs = Date.now() + RETRY_MS;
      return this.wakeAt(rec.notBeforeMs);
    }
    try {
      const started = await this.deps.runtime.startContainer(this.ref, {
        name: c.name,
        image: c.image ?? "",
        command: c.command ?? [],
        args: c.args ?? [],
        env,
        ...(c.workingDir ? { workingDir: c.workingDir } : {}),
        ...(c.imagePullPolicy ? { imagePullPolicy: c.imagePullPolicy } : {}),
        tty: c.tty === true,
        stdin: c.stdin === true,
        limits: limitsOf(c),
        ...(mounts.length > 0 ? { mounts } : {}),
      }, attempt);
      // Keep the previous attempt for `kubectl logs --previous`; older ones go.
      for (const old of rec.attempts.slice(0, -1)) await this.deps.runtime.removeContainer(old.id).catch(() => undefined);
      rec.attempts = [...rec.attempts.slice(-1), started];
      rec.waiting = undefined;
      rec.notBeforeMs = 0;
      const involved = { kind: "Pod", name: this.ref.name, namespace: this.ref.namespace, uid: this.ref.uid };
      this.deps.events?.record(involved, "Normal", "Started", `Started container ${c.name}`);
      if (started.status.state === "running") this.health.attach(c, started, this.sandboxIp ?? this.deps.hostIp);
    } catch (err) {
      rec.waiting = { reason: "CreateContainerError", message: (err as Error).message };
      rec.notBeforeMs = Date.now() + RETRY_MS;
      this.wakeAt(rec.notBeforeMs);
    }
  }

  private view(c: ContainerObject): ContainerView {
    const rec = this.records.get(c.name);
    const attempts = rec?.attempts ?? [];
    const current = attempts.at(-1);
    const running = current?.status.state === "running";
    return {
      name: c.name,
      image: c.image ?? "",
      current,
      previous: attempts.at(-2),
      restartCount: current?.attempt ?? 0,
      waiting: rec?.waiting,
      ready: running && this.health.ready(c.name),
      started: running && this.health.started(c.name),
    };
  }

  private async report(): Promise<void> {
    const spec = this.pod.spec;
    const status = podStatus({
      pod: this.pod,
      hostIp: this.deps.hostIp,
      podIp: this.sandboxIp,
      initContainers: (spec?.initContainers ?? []).map((c) => this.view(c)),
      containers: (spec?.containers ?? []).map((c) => this.view(c)),
      startTime: this.acceptedAt,
      now: rfc3339(),
    });
    const text = JSON.stringify(status);
    if (text === this.lastStatus) return;
    await this.deps.api.writeStatus(this.pod, status);
    this.lastStatus = text;
  }

  /** Deleted: stop every container within the grace period, clean up, confirm. */
  private async terminate(): Promise<void> {
    if (this.terminating) return;
    this.terminating = true;
    const graceMs = (this.pod.metadata?.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
    try {
      await this.deps.runtime.removePodSandbox(this.ref, graceMs);
      // As Kubernetes, the deletion is confirmed only once the pod's volumes are cleaned up.
      await this.volumes?.tearDown();
      await this.deps.api.confirmDeletion(this.pod);
      clearTimeout(this.timer);
      this.stopped = true;
      this.deps.onDone(this.ref.uid);
    } catch (err) {
      this.terminating = false;
      throw err;
    }
  }

  /** The pod was removed from the API (or moved away): stop at once, without confirming. */
  async remove(): Promise<void> {
    this.stop();
    await this.deps.runtime.removePodSandbox(this.ref, 0);
    await this.volumes?.tearDown();
    this.deps.onDone(this.ref.uid);
  }
}
