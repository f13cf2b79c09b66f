/**
 * Pod volumes on this node, as Kubernetes' volume manager lays them out:
 *
 *   <dataDir>/pods/<uid>/volumes/kubernetes.io~empty-dir/<volume>     emptyDir
 *   <dataDir>/pods/<uid>/volumes/kubernetes.io~configmap/<volume>     configMap   (atomic writer)
 *   <dataDir>/pods/<uid>/volumes/kubernetes.io~secret/<volume>        secret      (atomic writer)
 *   <dataDir>/pods/<uid>/volumes/kubernetes.io~downward-api/<volume>  downwardAPI (atomic writer)
 *   <dataDir>/pods/<uid>/volumes/kubernetes.io~projected/<volume>     projected   (atomic writer)
 *
 * hostPath volumes are the host's own path, checked (or created) by their type and never
 * deleted. Every volume is set up before the pod's first container starts; a failure
 * (a missing non-optional ConfigMap or Secret, a refused token request) keeps the pod in
 * ContainerCreating with a FailedMount event until a retry succeeds.
 *
 * After that, the API-data volumes are re-rendered on a timer per pod: every resync
 * period (ConfigMap and Secret changes, label changes for the downward API) and when a
 * token is due (volume-token.ts). An unchanged payload costs a few reads and no write.
 *
 * Not done: emptyDir medium Memory is a plain directory (a tmpfs needs root and would
 * count against nobody's memory here), sizeLimit is not enforced, and Secret and token
 * files are on the data dir's disk rather than on a tmpfs as Kubernetes keeps them —
 * the data dir (0750 per pod) is the protection.
 */
import { ApiError, type ContainerObject, type PodObject } from "@flotilla/api";
import type { EventRecorder } from "@flotilla/bus";
import type { Logger } from "@flotilla/log";
import { chmod, mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import type { ContainerConfig, PodRef } from "./runtime/types.ts";
import { PayloadPathError, writeAtomic } from "./volume-atomic-writer.ts";
import { MountConfigError, MountError, prepareHostPath, removeTree, resolveSubPath } from "./volume-fs.ts";
import { isServiceAccountVolume, planMounts, type VolumeHost } from "./volume-mounts.ts";
import { apiVolumePayload, type Fetched, type KeyData, type TokenProjection, type VolumeObject } from "./volume-projection.ts";
import { needsRefresh, refreshAtMs, requestedSeconds, tokenKey, tokenLifetime, type CachedToken } from "./volume-token.ts";

export { MountConfigError, MountError } from "./volume-fs.ts";

type Mount = NonNullable<ContainerConfig["mounts"]>[number];

/** What the volume manager reads from the apiserver. undefined: the object does not exist. */
export interface VolumeSources {
  /** A ConfigMap's data and binaryData as bytes. */
  configMapData(namespace: string, name: string): Promise<KeyData | undefined>;
  /** A Secret's data, base64-decoded to bytes. */
  secretData(namespace: string, name: string): Promise<KeyData | undefined>;
  /** TokenRequest for the account, bound to the pod. */
  serviceAccountToken(namespace: string, serviceAccount: string, rq: { audiences?: string[]; expirationSeconds: number; pod: { name: string; uid: string } }): Promise<{ token: string; expirationTimestamp: string }>;
}

export interface VolumeManagerOptions {
  /** The kubelet's data dir; pods' volumes go under `<rootDir>/pods`. */
  rootDir: string;
  sources: VolumeSources;
  log: Logger;
  events?: EventRecorder | undefined;
  /** Re-read ConfigMaps and Secrets this often (±10 % per pod, so pods do not resync in step). @default 60000 */
  resyncMs?: number;
}

/** A failed refresh (the token request, typically) is retried no sooner than this. */
const MIN_RESYNC_MS = 10_000;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

const PLUGIN_DIRS = {
  emptyDir: "kubernetes.io~empty-dir",
  configMap: "kubernetes.io~configmap",
  secret: "kubernetes.io~secret",
  downwardAPI: "kubernetes.io~downward-api",
  projected: "kubernetes.io~projected",
} as const;
type PluginKind = keyof typeof PLUGIN_DIRS;
const API_DATA: ReadonlySet<string> = new Set(["configMap", "secret", "downwardAPI", "projected"]);

function kindOf(v: VolumeObject): PluginKind | "hostPath" | undefined {
  for (const k of ["hostPath", "emptyDir", "configMap", "secret", "downwardAPI", "projected"] as const) if (v[k] !== undefined) return k;
  // No source at all defaults to emptyDir (the apiserver fills that in; be as lenient).
  return Object.keys(v).every((k) => k === "name") ? "emptyDir" : undefined;
}

/** Errors worth a FailedMount (the apiserver's answer, the filesystem); anything else is a bug and propagates. */
function asMountError(volume: string, err: unknown, prefix = ""): MountError | undefined {
  if (err instanceof MountError) return err;
  if (err instanceof ApiError || err instanceof PayloadPathError || typeof (err as NodeJS.ErrnoException)?.code === "string") {
    return new MountError(volume, `${prefix}${(err as Error).message}`, { cause: err });
  }
  return undefined;
}

/** The node's pod volumes: hands out one PodVolumes per pod and removes those of pods that are gone. */
export class VolumeManager {
  readonly opts: Required<Omit<VolumeManagerOptions, "events">> & Pick<VolumeManagerOptions, "events">;

  constructor(opts: VolumeManagerOptions) {
    this.opts = { resyncMs: 60_000, ...opts };
  }

  podDir(uid: string): string {
    return path.join(this.opts.rootDir, "pods", uid);
  }

  /**
   * A pod's volumes. Without `serviceAccountMounts` the apiserver-injected token volume
   * is neither set up nor mounted (a runtime that cannot mount; see PodWorker).
   */
  forPod(ref: PodRef, pod: () => PodObject, opts: { serviceAccountMounts: boolean }): PodVolumes {
    return new PodVolumes(this, ref, pod, opts.serviceAccountMounts);
  }

  /** Remove the volume directories of pods not in `live` (deleted while the kubelet was down). */
  async removeOrphans(live: ReadonlySet<string>): Promise<void> {
    const dir = path.join(this.opts.rootDir, "pods");
    const uids = await readdir(dir).catch(() => [] as string[]);
    for (const uid of uids) {
      if (live.has(uid) || !SEGMENT.test(uid)) continue;
      const skipped = await removeTree(path.join(dir, uid));
      if (skipped.length > 0) this.opts.log.warn({ uid, skipped }, "orphaned pod volumes still have mounts; left in place");
    }
  }
}

/** One pod's volumes: set up once, refreshed on a timer, torn down with the pod. */
export class PodVolumes {
  private readonly mgr: VolumeManager;
  private readonly ref: PodRef;
  private readonly pod: () => PodObject;
  private readonly serviceAccountMounts: boolean;
  private readonly tokens = new Map<string, CachedToken>();
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Every volume has been set up once; containers may start. */
  ready = false;

  constructor(mgr: VolumeManager, ref: PodRef, pod: () => PodObject, serviceAccountMounts: boolean) {
    this.mgr = mgr;
    this.ref = ref;
    this.pod = pod;
    this.serviceAccountMounts = serviceAccountMounts;
  }

  /** Set every volume up (once; later calls return at once). Throws MountError, after recording FailedMount. */
  async setUp(): Promise<void> {
    if (this.ready) return;
    await this.serial(async () => {
      if (this.ready || this.stopped) return;
      if (!SEGMENT.test(this.ref.uid)) throw new MountError("", `pod uid ${JSON.stringify(this.ref.uid)} cannot be a directory name`);
      await mkdir(this.mgr.podDir(this.ref.uid), { recursive: true, mode: 0o750 });
      for (const v of this.volumes()) {
        try {
          await this.setUpOne(v);
        } catch (err) {
          const me = asMountError(v.name, err);
          if (!me) throw err;
          this.failedMount(me);
          throw me;
        }
      }
      this.ready = true;
      this.schedule();
    });
  }

  /** The container's mounts (subPaths resolved). Throws MountConfigError for a mount that cannot be prepared. */
  async mountsFor(container: ContainerObject, env: Readonly<Record<string, string>>): Promise<Mount[]> {
    const hosts = new Map<string, VolumeHost>();
    for (const v of this.pod().spec?.volumes ?? []) {
      const host = this.hostOf(v);
      if (host) hosts.set(v.name, host);
    }
    const out: Mount[] = [];
    for (const plan of planMounts(container, hosts, env, this.skipped())) {
      let hostPath = plan.volumePath;
      if (plan.subPath) {
        hostPath = await resolveSubPath(plan.volumePath, plan.subPath, plan.createSubPath).catch((err: unknown) => {
          if (err instanceof MountConfigError) throw err;
          throw new MountConfigError(`volumeMount "${plan.volume}" subPath ${JSON.stringify(plan.subPath)}: ${(err as Error).message}`, { cause: err });
        });
      }
      out.push({ hostPath, containerPath: plan.containerPath, readOnly: plan.readOnly });
    }
    return out;
  }

  /** Stop refreshing (the kubelet stops, or the pod finished). Files stay. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Stop and delete the pod's volume directories (never a hostPath's contents, never through a symlink). */
  async tearDown(): Promise<void> {
    this.stop();
    await this.serial(async () => {
      const skipped = await removeTree(this.mgr.podDir(this.ref.uid));
      if (skipped.length > 0) this.mgr.opts.log.warn({ pod: `${this.ref.namespace}/${this.ref.name}`, skipped }, "pod volumes still have mounts; left in place");
    });
  }

  private volumes(): VolumeObject[] {
    return (this.pod().spec?.volumes ?? []).filter((v) => this.serviceAccountMounts || !isServiceAccountVolume(v));
  }

  private skipped(): Set<string> {
    return new Set((this.pod().spec?.volumes ?? []).filter((v) => !this.serviceAccountMounts && isServiceAccountVolume(v)).map((v) => v.name));
  }

  private dirOf(kind: PluginKind, name: string): string {
    if (!SEGMENT.test(name)) throw new MountError(name, `volume name ${JSON.stringify(name)} cannot be a directory name`);
    return path.join(this.mgr.podDir(this.ref.uid), "volumes", PLUGIN_DIRS[kind], name);
  }

  private hostOf(v: VolumeObject): VolumeHost | undefined {
    const kind = kindOf(v);
    if (kind === undefined || !SEGMENT.test(v.name)) return undefined;
    if (kind === "hostPath") return { hostPath: v.hostPath!.path, apiData: false };
    return { hostPath: this.dirOf(kind, v.name), apiData: API_DATA.has(kind) };
  }

  private async setUpOne(v: VolumeObject): Promise<void> {
    const kind = kindOf(v);
    if (kind === undefined) {
      const type = Object.keys(v).find((k) => k !== "name") ?? "unknown";
      throw new MountError(v.name, `volume type ${type} is not supported by this kubelet`);
    }
    if (kind === "hostPath") return prepareHostPath(v.name, v.hostPath!.path, v.hostPath!.type ?? "");
    const dir = this.dirOf(kind, v.name);
    if (kind === "emptyDir") {
      // 0777 as Kubernetes makes it, so a container running as any user can write there;
      // chmod only when new, so a mode the pod changed is kept.
      if ((await mkdir(dir, { recursive: true })) !== undefined) await chmod(dir, 0o777);
      return;
    }
    await writeAtomic(dir, apiVolumePayload(v, this.pod(), await this.fetch(v)));
  }

  /** Read every object a volume's payload needs: ConfigMaps, Secrets and tokens. */
  private async fetch(v: VolumeObject): Promise<Fetched> {
    const ns = this.ref.namespace;
    const configMaps = new Map<string, KeyData | undefined>();
    const secrets = new Map<string, KeyData | undefined>();
    const cm = async (name: string): Promise<void> => {
      if (!configMaps.has(name)) configMaps.set(name, await this.mgr.opts.sources.configMapData(ns, name));
    };
    const sec = async (name: string): Promise<void> => {
      if (!secrets.has(name)) secrets.set(name, await this.mgr.opts.sources.secretData(ns, name));
    };
    if (v.configMap) await cm(v.configMap.name ?? "");
    if (v.secret) await sec(v.secret.secretName ?? "");
    for (const src of v.projected?.sources ?? []) {
      if (src.configMap) await cm(src.configMap.name ?? "");
      if (src.secret) await sec(src.secret.name ?? "");
      if (src.serviceAccountToken) await this.token(v.name, src.serviceAccountToken);
    }
    return {
      configMap: (name) => configMaps.get(name),
      secret: (name) => secrets.get(name),
      token: (src) => this.tokens.get(tokenKey(src))!.token,
    };
  }

  /**
   * The cached token for this source, requested anew when due. A failed renewal keeps
   * the old token while it is still valid (the next resync retries); with none valid
   * it is a FailedMount.
   */
  private async token(volume: string, src: TokenProjection): Promise<void> {
    const key = tokenKey(src);
    const cached = this.tokens.get(key);
    const now = Date.now();
    if (!needsRefresh(cached, now)) return;
    const seconds = requestedSeconds(src.expirationSeconds);
    const pod = this.pod();
    const account = pod.spec?.serviceAccountName || "default";
    try {
      const rq = { expirationSeconds: seconds, pod: { name: this.ref.name, uid: this.ref.uid }, ...(src.audience ? { audiences: [src.audience] } : {}) };
      const got = await this.mgr.opts.sources.serviceAccountToken(this.ref.namespace, account, rq);
      if (typeof got.token !== "string" || got.token === "") throw new MountError(volume, "failed to fetch token: the TokenRequest reply has no token");
      this.tokens.set(key, { token: got.token, ...tokenLifetime(Date.now(), seconds, got.expirationTimestamp) });
    } catch (err) {
      if (cached && now < cached.expiresAtMs) {
        this.mgr.opts.log.warn({ pod: `${this.ref.namespace}/${this.ref.name}`, err: (err as Error).message }, "service account token renewal failed; keeping the current token");
        return;
      }
      throw asMountError(volume, err, "failed to fetch token: ") ?? err;
    }
  }

  private schedule(): void {
    // Most pods have only the token volume, but one without any API-data volume needs no timer at all.
    if (this.stopped || !this.volumes().some((v) => API_DATA.has(kindOf(v) ?? ""))) return;
    const now = Date.now();
    const resync = this.mgr.opts.resyncMs * (0.9 + Math.random() * 0.2);
    let next = now + resync;
    for (const t of this.tokens.values()) next = Math.min(next, refreshAtMs(t));
    const delay = Math.max(next - now, Math.min(MIN_RESYNC_MS, resync));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.resync(), delay);
    // The kubelet lives for other reasons; a pod's refresh timer alone must not keep a process up.
    this.timer.unref();
  }

  /** Re-render the API-data volumes; failures are events, the containers keep what they have. Runs forever, once per period, until stop(). */
  private async resync(): Promise<void> {
    await this.serial(async () => {
      if (this.stopped) return;
      for (const v of this.volumes()) {
        const kind = kindOf(v);
        if (kind === undefined || !API_DATA.has(kind)) continue;
        try {
          await this.setUpOne(v);
        } catch (err) {
          const me = asMountError(v.name, err);
          if (me) this.failedMount(me);
          else this.mgr.opts.log.error({ err, pod: `${this.ref.namespace}/${this.ref.name}`, volume: v.name }, "volume refresh failed");
        }
      }
    }).finally(() => this.schedule());
  }

  private failedMount(err: MountError): void {
    const involved = { kind: "Pod", name: this.ref.name, namespace: this.ref.namespace, uid: this.ref.uid };
    this.mgr.opts.events?.record(involved, "Warning", "FailedMount", `MountVolume.SetUp failed for volume "${err.volume}" : ${err.message}`);
    this.mgr.opts.log.info({ pod: `${this.ref.namespace}/${this.ref.name}`, volume: err.volume, err: err.message }, "volume set-up failed");
  }

  /** Run `fn` after every earlier set-up, refresh or tear-down of this pod has settled. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
