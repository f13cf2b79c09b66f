/**
 * Service endpoints end to end with the real kubectl: a Service's Endpoints and
 * EndpointSlices list the pods it selects, follow their readiness within a second of the
 * pod's Ready condition changing, and go when the Service goes. The server runs its own
 * node on the process runtime, where every pod has the node's IP (127.0.0.1), so pods
 * are told apart by their targetRef.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ApiClient } from "@flotilla/bus";
import type { EndpointSliceObject, EndpointsObject, PodObject } from "@flotilla/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl, kubectlOk, startFlotillaServer, type FlotillaServer } from "../support/flotilla.ts";

/** In each pod's command line, so processes a failed run leaves behind can be found and ended. */
const MARK = `flotilla-e2e-ep-${randomBytes(4).toString("hex")}`;
const PODS = ["web-1", "web-2"] as const;

let server: FlotillaServer;
let nc: NatsConnection;
let client: ApiClient;

function pod(name: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "web" } },
    spec: {
      runtimeClassName: "process",
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "main",
          image: "none",
          command: ["sh", "-c", "touch ready; sleep 3600", MARK],
          ports: [{ containerPort: 8080 }],
          readinessProbe: { exec: { command: ["test", "-f", "ready"] }, periodSeconds: 1, failureThreshold: 1 },
        },
      ],
    },
  };
}

const SERVICE = { apiVersion: "v1", kind: "Service", metadata: { name: "web", labels: { tier: "front" } }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } };

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nserver:\n${server.logs().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const json = <T,>(args: string[]): T => JSON.parse(kubectlOk(server, [...args, "-o", "json"])) as T;
type Addresses = NonNullable<NonNullable<EndpointsObject["subsets"]>[number]["addresses"]>;
const podsIn = (as: Addresses | undefined) => (as ?? []).map((a) => a.targetRef?.name ?? "").sort();
const ready = (e: EndpointsObject) => podsIn(e.subsets?.flatMap((s) => s.addresses ?? []));
const notReady = (e: EndpointsObject) => podsIn(e.subsets?.flatMap((s) => s.notReadyAddresses ?? []));
const isPodReady = (p: PodObject) => (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/**
 * Runs `act`, then measures from the moment a watch shows `name`'s Ready condition at
 * `wantReady` to the moment a watch shows the Endpoints agreeing (the pod in addresses
 * when ready, in notReadyAddresses when not). Both watches run in this process over
 * the bus, so the two moments are on one clock.
 */
async function readinessToEndpointsMs(name: string, wantReady: boolean, act: () => void): Promise<number> {
  let podAt: number | undefined;
  let endpointsAt: number | undefined;
  const pods = client.watch("pods", "default", { fieldSelector: `metadata.name=${name}` });
  const endpoints = client.watch("endpoints", "default", { fieldSelector: "metadata.name=web" });
  const watching = [
    (async () => {
      for await (const ev of pods) if (podAt === undefined && isPodReady(ev.object as unknown as PodObject) === wantReady) podAt = Date.now();
    })(),
    (async () => {
      for await (const ev of endpoints) {
        const e = ev.object as unknown as EndpointsObject;
        if (endpointsAt === undefined && (wantReady ? ready(e) : notReady(e)).includes(name)) endpointsAt = Date.now();
      }
    })(),
  ];
  try {
    await new Promise((r) => setTimeout(r, 300)); // both watches have replayed the current state
    podAt = endpointsAt = undefined;
    act();
    await until(`${name} ready=${wantReady} in the pod and its Endpoints`, () => podAt !== undefined && endpointsAt !== undefined, 15_000);
  } finally {
    pods.stop();
    endpoints.stop();
    await Promise.all(watching);
  }
  return endpointsAt! - podAt!;
}

beforeAll(async () => {
  server = await startFlotillaServer({ extraArgs: ["--runtime", "process"] });
  nc = await connect({ servers: server.natsUrl });
  client = new ApiClient(nc);
  await until("a Ready node", () => kubectl(server, ["get", "nodes", "-o", "jsonpath={.items[*].status.conditions[?(@.type=='Ready')].status}"]).stdout === "True", 60_000);
  for (const obj of [...PODS.map(pod), SERVICE]) kubectlOk(server, ["apply", "-f", "-"], JSON.stringify(obj));
  kubectlOk(server, ["wait", "--for=condition=Ready", ...PODS.map((p) => `pod/${p}`), "--timeout=60s"]);
}, 90_000);

afterAll(async () => {
  // The process runtime's containers outlive the server: stop them through their pods first.
  if (server) kubectl(server, ["delete", "pods", "-l", "app=web", "--timeout=30s"]);
  await nc?.close();
  await server?.stop();
  const left = spawnSync("pgrep", ["-f", MARK], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).map(Number);
  for (const pid of left) {
    const pgid = Number(spawnSync("ps", ["-o", "pgid=", "-p", String(pid)], { encoding: "utf8" }).stdout.trim());
    if (pgid > 1) process.kill(-pgid, "SIGKILL");
  }
});

describe("endpoints", () => {
  it("e2e: a Service's Endpoints list its two ready pods, with the target port and the service's labels", async () => {
    const e = await until("both pods in the Endpoints", () => {
      const got = json<EndpointsObject>(["get", "endpoints", "web"]);
      return ready(got).length === 2 ? got : undefined;
    });
    expect(ready(e)).toEqual([...PODS]);
    expect(notReady(e)).toEqual([]);
    const podIPs = PODS.map((p) => json<PodObject>(["get", "pod", p]).status?.podIP);
    const [subset] = e.subsets ?? [];
    expect(subset?.addresses?.map((a) => a.ip)).toEqual(podIPs);
    expect(subset?.addresses?.every((a) => a.targetRef?.kind === "Pod" && a.nodeName)).toBe(true);
    expect(subset?.ports).toEqual([{ port: 8080, protocol: "TCP" }]);
    expect(e.metadata?.labels).toEqual({ tier: "front", "endpoints.kubernetes.io/managed-by": "endpoint-controller" });
    expect(kubectlOk(server, ["get", "endpoints", "web"])).toMatch(/web\s+127\.0\.0\.1:8080,127\.0\.0\.1:8080\s/);
  });

  it("e2e: kubectl get endpointslices -l kubernetes.io/service-name=web shows one slice with both pods ready; neither is rewritten while nothing changes", async () => {
    const slices = json<{ items: EndpointSliceObject[] }>(["get", "endpointslices", "-l", "kubernetes.io/service-name=web"]).items;
    expect(slices).toHaveLength(1);
    const [s] = slices;
    expect(s?.metadata?.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(s?.metadata?.labels?.["endpointslice.kubernetes.io/managed-by"]).toBe("endpointslice-controller.k8s.io");
    const svcUid = json<PodObject>(["get", "service", "web"]).metadata?.uid;
    expect(s?.metadata?.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Service", name: "web", uid: svcUid, controller: true, blockOwnerDeletion: true }]);
    expect(s?.addressType).toBe("IPv4");
    expect(s?.ports).toEqual([{ name: "", port: 8080, protocol: "TCP" }]);
    const byPod = Object.fromEntries((s?.endpoints ?? []).map((ep) => [ep.targetRef?.name, ep.conditions]));
    expect(byPod).toEqual(Object.fromEntries(PODS.map((p) => [p, { ready: true, serving: true, terminating: false }])));
    expect(kubectlOk(server, ["get", "endpointslices", "-l", "kubernetes.io/service-name=web"])).toMatch(/web-\S+\s+IPv4\s+8080\s+127\.0\.0\.1,127\.0\.0\.1\s/);

    // Readiness probes keep running (every second) and pod statuses keep being read: no write follows.
    const versions = () => [json<EndpointsObject>(["get", "endpoints", "web"]).metadata?.resourceVersion, json<EndpointSliceObject>(["get", "endpointslice", s?.metadata?.name ?? ""]).metadata?.resourceVersion];
    const before = versions();
    await new Promise((r) => setTimeout(r, 2_000));
    expect(versions()).toEqual(before);
  });

  it("e2e: a pod whose readiness probe fails moves to notReadyAddresses within 1 s of turning unready, and back within 1 s of passing", async () => {
    const downMs = await readinessToEndpointsMs("web-1", false, () => kubectlOk(server, ["exec", "web-1", "--", "rm", "ready"]));
    console.log(`readiness False → Endpoints: ${downMs} ms`);
    expect(downMs).toBeLessThanOrEqual(1000);
    const down = json<EndpointsObject>(["get", "endpoints", "web"]);
    expect([ready(down), notReady(down)]).toEqual([["web-2"], ["web-1"]]);
    const slice = await until("web-1 unready in its slice", () => {
      const s = json<{ items: EndpointSliceObject[] }>(["get", "endpointslices", "-l", "kubernetes.io/service-name=web"]).items[0];
      const c = s?.endpoints.find((ep) => ep.targetRef?.name === "web-1")?.conditions;
      return c?.ready === false ? c : undefined;
    }, 5_000);
    expect(slice).toEqual({ ready: false, serving: false, terminating: false });

    const upMs = await readinessToEndpointsMs("web-1", true, () => kubectlOk(server, ["exec", "web-1", "--", "touch", "ready"]));
    console.log(`readiness True → Endpoints: ${upMs} ms`);
    expect(upMs).toBeLessThanOrEqual(1000);
    expect(ready(json<EndpointsObject>(["get", "endpoints", "web"]))).toEqual([...PODS]);
  }, 60_000);

  it("e2e: deleting the Service removes its Endpoints and its EndpointSlices", async () => {
    kubectlOk(server, ["delete", "service", "web"]);
    await until("the Endpoints and slices of web gone", () => {
      const endpointsGone = kubectl(server, ["get", "endpoints", "web"]).stderr.includes("NotFound");
      const slices = json<{ items: unknown[] }>(["get", "endpointslices", "-l", "kubernetes.io/service-name=web"]).items;
      return endpointsGone && slices.length === 0;
    });
  });
});
