import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { NotFoundError, type PodObject } from "@flotilla/api";
import type { EventRecorder } from "@flotilla/bus";
import { createLogger } from "@flotilla/log";
import { afterEach, describe, expect, it } from "vitest";
import { SERVICE_ACCOUNT_MOUNT_PATH } from "./volume-mounts.ts";
import { MountError, VolumeManager, type PodVolumes, type VolumeSources } from "./volumes.ts";

const log = createLogger("test", { level: "silent" });
const dirs: string[] = [];
const live: PodVolumes[] = [];

afterEach(async () => {
  for (const v of live.splice(0)) v.stop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-volumes-"));
  dirs.push(d);
  return d;
}

type TokenCall = { ns: string; account: string; rq: Parameters<VolumeSources["serviceAccountToken"]>[2] };

/** An apiserver stand-in: ConfigMaps and Secrets by name, numbered tokens. */
function fakeSources(opts: { tokenTtlMs?: number; failTokens?: boolean } = {}) {
  const configMaps = new Map<string, Record<string, string>>([["kube-root-ca.crt", { "ca.crt": "-----BEGIN CERTIFICATE-----" }]]);
  const tokenCalls: TokenCall[] = [];
  const sources: VolumeSources = {
    configMapData: async (_ns, name) => {
      const d = configMaps.get(name);
      return d && Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Buffer.from(v)]));
    },
    secretData: async () => undefined,
    serviceAccountToken: async (ns, account, rq) => {
      tokenCalls.push({ ns, account, rq });
      if (opts.failTokens) throw new NotFoundError({ group: "", resource: "serviceaccounts", name: account });
      return { token: `tok-${tokenCalls.length}`, expirationTimestamp: new Date(Date.now() + (opts.tokenTtlMs ?? rq.expirationSeconds * 1000)).toISOString() };
    },
  };
  return { sources, configMaps, tokenCalls };
}

function fakeEvents() {
  const recorded: { type: string; reason: string; message: string }[] = [];
  const events = { record: (_o: unknown, type: string, reason: string, message: string) => recorded.push({ type, reason, message }) } as unknown as EventRecorder;
  return { events, recorded };
}

const saVolume = {
  name: "kube-api-access-abcde",
  projected: {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
    ],
  },
};

function podWith(volumes: NonNullable<PodObject["spec"]>["volumes"], mounts: { name: string; mountPath: string; readOnly?: boolean }[]): PodObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "shop", uid: "uid-7" }, spec: { volumes, containers: [{ name: "app", image: "x", volumeMounts: mounts }] } };
}

function setup(pod: PodObject, opts: { sources: VolumeSources; resyncMs?: number; serviceAccountMounts?: boolean; events?: EventRecorder }) {
  const rootDir = tmp();
  const mgr = new VolumeManager({ rootDir, sources: opts.sources, log, events: opts.events, ...(opts.resyncMs ? { resyncMs: opts.resyncMs } : {}) });
  const vols = mgr.forPod({ uid: "uid-7", namespace: "shop", name: "web" }, () => pod, { serviceAccountMounts: opts.serviceAccountMounts ?? true });
  live.push(vols);
  return { rootDir, vols };
}

const waitFor = async (check: () => boolean, ms = 5000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("pod volumes", () => {
  it("volumes: the service-account volume makes token, ca.crt and namespace readable at the container's mount", async () => {
    const { sources, tokenCalls } = fakeSources();
    const pod = podWith([saVolume], [{ name: saVolume.name, mountPath: SERVICE_ACCOUNT_MOUNT_PATH, readOnly: true }]);
    const { rootDir, vols } = setup(pod, { sources });
    await vols.setUp();
    const mounts = await vols.mountsFor(pod.spec!.containers[0]!, {});
    const hostPath = path.join(rootDir, "pods/uid-7/volumes/kubernetes.io~projected", saVolume.name);
    expect(mounts).toEqual([{ hostPath, containerPath: SERVICE_ACCOUNT_MOUNT_PATH, readOnly: true }]);
    expect(fs.readFileSync(path.join(hostPath, "token"), "utf8")).toBe("tok-1");
    expect(fs.readFileSync(path.join(hostPath, "ca.crt"), "utf8")).toBe("-----BEGIN CERTIFICATE-----");
    expect(fs.readFileSync(path.join(hostPath, "namespace"), "utf8")).toBe("shop");
    expect(fs.statSync(path.join(hostPath, "token")).mode & 0o777).toBe(0o644);
    expect(tokenCalls).toEqual([{ ns: "shop", account: "default", rq: { expirationSeconds: 3607, pod: { name: "web", uid: "uid-7" } } }]);
  });

  it("volumes: a missing ConfigMap fails the set-up with a FailedMount event; a retry succeeds once it exists", async () => {
    const { sources, configMaps } = fakeSources();
    configMaps.delete("kube-root-ca.crt");
    const { events, recorded } = fakeEvents();
    const { vols } = setup(podWith([saVolume], []), { sources, events });
    const err = await vols.setUp().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MountError);
    expect(vols.ready).toBe(false);
    expect(recorded).toEqual([{ type: "Warning", reason: "FailedMount", message: `MountVolume.SetUp failed for volume "${saVolume.name}" : configmap "kube-root-ca.crt" not found` }]);
    configMaps.set("kube-root-ca.crt", { "ca.crt": "CA" });
    await vols.setUp();
    expect(vols.ready).toBe(true);
  });

  it("volumes: a failed token request is a FailedMount too", async () => {
    const { sources } = fakeSources({ failTokens: true });
    const { events, recorded } = fakeEvents();
    const { vols } = setup(podWith([saVolume], []), { sources, events });
    await expect(vols.setUp()).rejects.toThrow('failed to fetch token: serviceaccounts "default" not found');
    expect(recorded.map((e) => e.reason)).toEqual(["FailedMount"]);
  });

  it("volumes: resyncs rewrite a changed ConfigMap and renew the token only when 80 % of its lifetime has passed", async () => {
    const { sources, configMaps, tokenCalls } = fakeSources({ tokenTtlMs: 1500 });
    const cmVolume = { name: "conf", configMap: { name: "app" } };
    configMaps.set("app", { "app.conf": "v1" });
    const { rootDir, vols } = setup(podWith([saVolume, cmVolume], []), { sources, resyncMs: 50 });
    await vols.setUp();
    const conf = path.join(rootDir, "pods/uid-7/volumes/kubernetes.io~configmap/conf/app.conf");
    const token = path.join(rootDir, "pods/uid-7/volumes/kubernetes.io~projected", saVolume.name, "token");
    expect(fs.readFileSync(conf, "utf8")).toBe("v1");
    configMaps.set("app", { "app.conf": "v2" });
    await waitFor(() => fs.readFileSync(conf, "utf8") === "v2");
    // Granted 1.5 s: the renewal is due after 1.2 s, not at the 50 ms resyncs before.
    expect(tokenCalls).toHaveLength(1);
    await waitFor(() => fs.readFileSync(token, "utf8") === "tok-2");
    expect(tokenCalls.length).toBeLessThanOrEqual(3);
  });

  it("volumes: tear-down removes the pod's directories but never a hostPath's contents, even through a link", async () => {
    const { sources } = fakeSources();
    const shared = path.join(tmp(), "shared");
    const pod = podWith(
      [
        { name: "host", hostPath: { path: shared, type: "DirectoryOrCreate" } },
        { name: "scratch", emptyDir: {} },
      ],
      [{ name: "scratch", mountPath: "/scratch" }],
    );
    const { rootDir, vols } = setup(pod, { sources });
    await vols.setUp();
    fs.writeFileSync(path.join(shared, "keep"), "mine");
    const scratch = path.join(rootDir, "pods/uid-7/volumes/kubernetes.io~empty-dir/scratch");
    expect(fs.statSync(scratch).mode & 0o777).toBe(0o777);
    fs.symlinkSync(shared, path.join(scratch, "link"));
    await vols.tearDown();
    expect(fs.existsSync(path.join(rootDir, "pods/uid-7"))).toBe(false);
    expect(fs.readFileSync(path.join(shared, "keep"), "utf8")).toBe("mine");
  });

  it("volumes: without service-account mounts the token volume is neither set up nor mounted; unsupported types fail", async () => {
    const { sources, tokenCalls } = fakeSources();
    const pod = podWith([saVolume, { name: "scratch", emptyDir: {} }], [{ name: saVolume.name, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }, { name: "scratch", mountPath: "/s" }]);
    const { vols } = setup(pod, { sources, serviceAccountMounts: false });
    await vols.setUp();
    expect(tokenCalls).toEqual([]);
    expect((await vols.mountsFor(pod.spec!.containers[0]!, {})).map((m) => m.containerPath)).toEqual(["/s"]);

    const pvc = podWith([{ name: "data", persistentVolumeClaim: { claimName: "c" } }], []);
    await expect(setup(pvc, { sources }).vols.setUp()).rejects.toThrow("volume type persistentVolumeClaim is not supported by this kubelet");
  });
});
