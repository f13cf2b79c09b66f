/**
 * The pods bound to this node: an informer on `spec.nodeName=<me>` feeds one PodWorker
 * per pod. At start the runtimes are asked what they already run, so a restarted
 * kubelet adopts its containers instead of starting them twice; containers of pods
 * that no longer exist are removed.
 */
import { NotFoundError } from "@flotilla/api/errors";
import type { PodObject } from "@flotilla/api";
import { EventRecorder, type ApiClient } from "@flotilla/bus";
import { Informer } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";
import { ApiSources } from "./api-sources.ts";
import type { KubeletConfig } from "./config.ts";
import { PodWorker, type PodApi } from "./pod-worker.ts";
import type { Runtime, RuntimeContainer, RuntimeName } from "./runtime/types.ts";
import { VolumeManager } from "./volumes.ts";

const MANAGER = "kubelet";

export class PodManager {
  private readonly client: ApiClient;
  private readonly cfg: KubeletConfig;
  private readonly log: Logger;
  private readonly runtimes: ReadonlyMap<RuntimeName, Runtime>;
  private readonly workers = new Map<string, PodWorker>();
  private readonly adopted = new Map<string, RuntimeContainer[]>();
  private informer: Informer<PodObject> | undefined;
  readonly api: PodApi;
  /** ConfigMaps, Secrets, tokens and the apiserver's endpoint, for env and volumes. */
  readonly sources: ApiSources;
  /**
   * None for hollow nodes: they run nothing, and a token request per pod would distort
   * the scale benchmarks they exist for.
   */
  private readonly volumes: VolumeManager | undefined;
  /** None for hollow nodes: a thousand of them would flood the API with Started events. */
  private readonly events: EventRecorder | undefined;

  constructor(deps: { client: ApiClient; log: Logger; runtimes: ReadonlyMap<RuntimeName, Runtime> }, cfg: KubeletConfig) {
    this.client = deps.client;
    this.log = deps.log;
    this.runtimes = deps.runtimes;
    this.cfg = cfg;
    this.events = cfg.hollow ? undefined : new EventRecorder(deps.client, "kubelet", deps.log, cfg.nodeName);
    this.api = {
      writeStatus: async (pod, status) => {
        const m = pod.metadata ?? {};
        await this.client.patch("pods", m.namespace, m.name ?? "", "application/merge-patch+json", { metadata: { uid: m.uid }, status }, { fieldManager: MANAGER, subresource: "status" });
      },
      confirmDeletion: async (pod) => {
        const m = pod.metadata ?? {};
        await this.client.delete("pods", m.namespace, m.name ?? "", { gracePeriodSeconds: 0, preconditions: { uid: m.uid ?? "" } }).catch((err: unknown) => {
          if (!(err instanceof NotFoundError)) throw err;
        });
      },
    };
    this.sources = new ApiSources(deps.client, { serviceEnv: !cfg.hollow });
    this.volumes = cfg.hollow ? undefined : new VolumeManager({ rootDir: cfg.dataDir, sources: this.sources, log: deps.log, events: this.events });
  }

  async start(): Promise<void> {
    for (const rt of this.runtimes.values()) {
      rt.onExit((c) => this.workers.get(c.pod.uid)?.containerExited(c));
      for (const c of await rt.listContainers()) {
        const list = this.adopted.get(c.pod.uid) ?? [];
        list.push(c);
        this.adopted.set(c.pod.uid, list);
      }
    }
    this.informer = new Informer<PodObject>(this.client, { resource: "pods", fieldSelector: `spec.nodeName=${this.cfg.nodeName}` }, this.log);
    this.informer.on({ add: (p) => this.upsert(p), update: (_o, p) => this.upsert(p), delete: (p) => this.gone(p) });
    this.informer.start();
    await this.informer.synced;
    await this.removeOrphans();
  }

  /** Containers whose pod is not bound here any more (deleted while the kubelet was down). */
  private async removeOrphans(): Promise<void> {
    const live = new Set(this.informer!.list().map((p) => p.metadata?.uid ?? ""));
    await this.volumes?.removeOrphans(live).catch((err: unknown) => this.log.warn({ err }, "could not remove orphaned pod volumes"));
    for (const [uid, containers] of this.adopted) {
      if (live.has(uid)) continue;
      const c = containers[0]!;
      this.log.info({ pod: `${c.pod.namespace}/${c.pod.name}`, uid }, "removing containers of a pod that is gone");
      const rt = this.runtimeOfId(c.id);
      await rt?.removePodSandbox(c.pod, 2000).catch((err: unknown) => this.log.warn({ err }, "cleanup failed"));
    }
    this.adopted.clear();
  }

  private runtimeOfId(id: string): Runtime | undefined {
    return this.runtimes.get(id.split("://")[0] as RuntimeName);
  }

  /** The runtime a pod asks for (runtimeClassName names the handler), or the node's default. */
  private runtimeFor(pod: PodObject): Runtime | undefined {
    const wanted = pod.spec?.runtimeClassName;
    if (!wanted) return this.runtimes.get(this.cfg.runtimes[0]!);
    return this.runtimes.get(wanted as RuntimeName);
  }

  private upsert(pod: PodObject): void {
    const uid = pod.metadata?.uid ?? "";
    const existing = this.workers.get(uid);
    if (existing) return existing.update(pod);
    const runtime = this.runtimeFor(pod);
    if (!runtime) {
      void this.reject(pod, `runtime "${pod.spec?.runtimeClassName ?? ""}" is not available on node ${this.cfg.nodeName}`);
      return;
    }
    const worker = new PodWorker(
      pod,
      {
        runtime,
        api: this.api,
        env: this.sources,
        volumes: this.volumes,
        hostIp: this.cfg.nodeIp,
        backoff: { baseMs: this.cfg.crashLoopBackoffBaseMs, maxMs: this.cfg.crashLoopBackoffMaxMs },
        log: this.log,
        events: this.events,
        onDone: (u) => this.workers.delete(u),
      },
      this.adopted.get(uid) ?? [],
    );
    this.adopted.delete(uid);
    this.workers.set(uid, worker);
    worker.kick();
  }

  private async reject(pod: PodObject, message: string): Promise<void> {
    if (pod.status?.phase === "Failed") return;
    const status = { phase: "Failed", reason: "UnsupportedRuntime", message };
    await this.api.writeStatus(pod, status).catch((err: unknown) => this.log.warn({ err }, "could not fail the pod"));
  }

  private gone(pod: PodObject): void {
    const w = this.workers.get(pod.metadata?.uid ?? "");
    if (w) void w.remove().catch((err: unknown) => this.log.warn({ err }, "pod cleanup failed"));
  }

  worker(uid: string): PodWorker | undefined {
    return this.workers.get(uid);
  }

  /** Find a pod's worker by namespace/name (logs and exec requests name pods). */
  find(namespace: string, name: string): PodWorker | undefined {
    for (const w of this.workers.values()) if (w.ref.namespace === namespace && w.ref.name === name) return w;
    return undefined;
  }

  stop(): void {
    this.informer?.stop();
    for (const w of this.workers.values()) w.stop();
  }
}
