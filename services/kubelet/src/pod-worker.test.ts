import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { UnavailableError, type PodObject } from "@flotilla/api";
import type { EventRecorder } from "@flotilla/bus";
import { createLogger } from "@flotilla/log";
import { afterEach, describe, expect, it } from "vitest";
import type { EnvSources } from "./env.ts";
import { PodWorker } from "./pod-worker.ts";
import type { ContainerConfig, PodRef, Runtime, RuntimeContainer } from "./runtime/types.ts";
import { SERVICE_ACCOUNT_MOUNT_PATH } from "./volume-mounts.ts";
import { VolumeManager, type VolumeSources } from "./volumes.ts";

const log = createLogger("test", { level: "silent" });
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

/** Records what the worker asks a runtime to start; every container runs until told otherwise. */
function fakeRuntime(supportsMounts: boolean) {
  const started: ContainerConfig[] = [];
  const runtime = {
    name: "process",
    supportsMounts,
    runPodSandbox: async () => ({ ip: "10.0.0.9" }),
    removePodSandbox: async () => undefined,
    startContainer: async (pod: PodRef, config: ContainerConfig, attempt: number): Promise<RuntimeContainer> => {
      started.push(config);
      return { id: `process://${pod.uid}/${config.name}/${attempt}`, pod, containerName: config.name, attempt, status: { state: "running", startedAt: new Date().toISOString() } };
    },
    removeContainer: async () => undefined,
  } as unknown as Runtime;
  return { runtime, started };
}

const env: EnvSources = {
  configMap: async () => undefined,
  secret: async () => undefined,
  serviceEnv: async () => ({ KUBERNETES_SERVICE_HOST: "192.168.1.10", KUBERNETES_SERVICE_PORT: "6443", KUBERNETES_SERVICE_PORT_HTTPS: "6443" }),
};

const pod: PodObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "shop", uid: "uid-w" },
  spec: {
    serviceAccountName: "builder",
    volumes: [
      {
        name: "kube-api-access-q8x2m",
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
            { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
          ],
        },
      },
    ],
    containers: [{ name: "app", image: "x", command: ["sleep", "30"], env: [{ name: "KUBERNETES_SERVICE_PORT", value: "443" }], volumeMounts: [{ name: "kube-api-access-q8x2m", mountPath: SERVICE_ACCOUNT_MOUNT_PATH, readOnly: true }] }],
  },
};

function harness(opts: { supportsMounts: boolean; tokenUp: () => boolean }) {
  const rootDir = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-worker-"));
  const tokens: string[] = [];
  const sources: VolumeSources = {
    configMapData: async (_ns, name) => (name === "kube-root-ca.crt" ? { "ca.crt": Buffer.from("CA") } : undefined),
    secretData: async () => undefined,
    serviceAccountToken: async (_ns, account) => {
      tokens.push(account);
      if (!opts.tokenUp()) throw new UnavailableError("no apiserver answered create serviceaccounts");
      return { token: "jwt-for-web", expirationTimestamp: new Date(Date.now() + 3607_000).toISOString() };
    },
  };
  const events: string[] = [];
  const recorder = { record: (_o: unknown, type: string, reason: string, message: string) => events.push(`${type} ${reason} ${message}`) } as unknown as EventRecorder;
  const statuses: NonNullable<PodObject["status"]>[] = [];
  const { runtime, started } = fakeRuntime(opts.supportsMounts);
  const worker = new PodWorker(
    pod,
    {
      runtime,
      api: { writeStatus: async (_p, s) => void statuses.push(s), confirmDeletion: async () => undefined },
      env,
      volumes: new VolumeManager({ rootDir, sources, log, events: recorder }),
      hostIp: "10.0.0.9",
      backoff: { baseMs: 10_000, maxMs: 300_000 },
      log,
      events: recorder,
      onDone: () => undefined,
    },
    [],
  );
  cleanup.push(() => {
    worker.stop();
    fs.rmSync(rootDir, { recursive: true, force: true });
  });
  return { rootDir, worker, started, statuses, events, tokens };
}

async function until(check: () => boolean, ms = 6000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("pod worker volumes", () => {
  it("pod worker: waits in ContainerCreating with FailedMount until the token comes, then starts with it mounted and the apiserver's env", async () => {
    let up = false;
    const h = harness({ supportsMounts: true, tokenUp: () => up });
    h.worker.kick();
    await until(() => h.statuses.length > 0);
    expect(h.statuses.at(-1)?.containerStatuses?.[0]?.state).toEqual({
      waiting: { reason: "ContainerCreating", message: 'MountVolume.SetUp failed for volume "kube-api-access-q8x2m" : failed to fetch token: no apiserver answered create serviceaccounts' },
    });
    expect(h.events).toEqual(['Warning FailedMount MountVolume.SetUp failed for volume "kube-api-access-q8x2m" : failed to fetch token: no apiserver answered create serviceaccounts']);
    expect(h.started).toEqual([]);
    expect(h.tokens).toEqual(["builder"]);

    up = true; // the retry (after 2 s) succeeds
    await until(() => h.started.length > 0);
    const volumeDir = path.join(h.rootDir, "pods/uid-w/volumes/kubernetes.io~projected/kube-api-access-q8x2m");
    expect(h.started[0]?.mounts).toEqual([{ hostPath: volumeDir, containerPath: SERVICE_ACCOUNT_MOUNT_PATH, readOnly: true }]);
    expect(h.started[0]?.env).toEqual({ KUBERNETES_SERVICE_HOST: "192.168.1.10", KUBERNETES_SERVICE_PORT: "443", KUBERNETES_SERVICE_PORT_HTTPS: "6443" });
    expect(fs.readFileSync(path.join(volumeDir, "token"), "utf8")).toBe("jwt-for-web");
    expect(fs.readFileSync(path.join(volumeDir, "namespace"), "utf8")).toBe("shop");

    await h.worker.remove();
    expect(fs.existsSync(path.join(h.rootDir, "pods/uid-w"))).toBe(false);
  });

  it("pod worker: on a runtime that cannot mount, the injected token volume is left out and the pod still starts", async () => {
    const h = harness({ supportsMounts: false, tokenUp: () => true });
    h.worker.kick();
    await until(() => h.started.length > 0);
    expect(h.started[0]?.mounts).toBeUndefined();
    expect(h.tokens).toEqual([]);
    expect(h.events).toEqual(["Normal Started Started container app"]);
  });
});
