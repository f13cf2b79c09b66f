/**
 * Workloads end to end with the real kubectl: Deployments roll out, roll over without
 * dropping below `replicas - maxUnavailable` ready pods, roll back, scale; deleting a
 * Deployment cascades (or orphans), and deleting a namespace empties it. The server
 * runs its own node plus two agents, all on the process runtime.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ApiClient } from "@flotilla/bus";
import type { PodObject } from "@flotilla/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFlotillaAgent, type FlotillaAgent } from "../support/agent.ts";
import { kubectl, kubectlOk, startFlotillaServer, type FlotillaServer } from "../support/flotilla.ts";

let server: FlotillaServer;
let nc: NatsConnection;
let client: ApiClient;
const agents: FlotillaAgent[] = [];

function deployment(name: string, opts: { replicas?: number; version?: string; namespace?: string; strategy?: Record<string, unknown> } = {}): string {
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, ...(opts.namespace ? { namespace: opts.namespace } : {}) },
    spec: {
      replicas: opts.replicas ?? 3,
      selector: { matchLabels: { app: name } },
      ...(opts.strategy ? { strategy: opts.strategy } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: { runtimeClassName: "process", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: `example/${name}:${opts.version ?? "v1"}`, command: ["sleep", "3600"], env: [{ name: "VERSION", value: opts.version ?? "v1" }] }] },
      },
    },
  });
}

async function until(what: string, fn: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nserver:\n${server.logs().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const json = <T,>(args: string[]): T => JSON.parse(kubectlOk(server, [...args, "-o", "json"])) as T;
type Listed<T> = { items: T[] };
type Meta = { metadata: { name: string; uid: string; annotations?: Record<string, string>; ownerReferences?: { uid: string }[]; deletionTimestamp?: string }; spec?: { replicas?: number; nodeName?: string; template?: { spec: { containers: { image: string }[] } } }; status?: { replicas?: number; readyReplicas?: number } };
const podsOf = (app: string, ns = "default") => json<Listed<Meta>>(["get", "pods", "-n", ns, "-l", `app=${app}`]).items;
const livePods = (app: string, ns = "default") => podsOf(app, ns).filter((p) => !p.metadata.deletionTimestamp);
const imageOf = (p: Meta): string | undefined => (p as unknown as PodObject).spec?.containers[0]?.image;

beforeAll(async () => {
  // Pods on an unreachable node are evicted after 2 s here (300 s by default).
  server = await startFlotillaServer({ extraArgs: ["--runtime", "process", "--pod-eviction-timeout-ms", "2000"] });
  for (const name of ["wl-node-2", "wl-node-3"]) agents.push(startFlotillaAgent({ natsUrl: server.natsUrl, nodeName: name, extraArgs: ["--runtime", "process"] }));
  nc = await connect({ servers: server.natsUrl });
  client = new ApiClient(nc);
  await until("three Ready nodes", () => kubectl(server, ["get", "nodes", "-o", "jsonpath={.items[*].status.conditions[?(@.type=='Ready')].status}"]).stdout === "True True True");
}, 90_000);

afterAll(async () => {
  // Wait for the pods to go: their processes outlive a stopped agent by design.
  kubectl(server, ["delete", "deployments,replicasets,pods", "--all", "--wait=true", "--timeout=30s"]);
  await nc?.close();
  for (const a of agents) {
    await a.stop();
    a.cleanup();
  }
  await server?.stop();
});

describe("workloads", () => {
  it("e2e: a Deployment of 3 rolls out over the nodes; kubectl rollout status completes", () => {
    kubectlOk(server, ["apply", "-f", "-"], deployment("web"));
    expect(kubectlOk(server, ["rollout", "status", "deployment/web", "--timeout=60s"])).toContain('deployment "web" successfully rolled out');
    const pods = livePods("web");
    expect(pods).toHaveLength(3);
    expect(new Set(pods.map((p) => p.spec?.nodeName)).size).toBeGreaterThanOrEqual(2);
    const rs = json<Listed<Meta>>(["get", "rs", "-l", "app=web"]).items;
    expect(rs).toHaveLength(1);
    expect(rs[0]!.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    expect(pods.every((p) => p.metadata.ownerReferences?.[0]?.uid === rs[0]!.metadata.uid)).toBe(true);
    expect(kubectlOk(server, ["get", "deployment", "web"])).toMatch(/web\s+3\/3\s+3\s+3/);
  }, 90_000);

  it("e2e: a new image rolls pods over without ever fewer than replicas - maxUnavailable ready; history and undo work", async () => {
    // Watch the pods: the fewest Ready (and not terminating) pods at any moment of the rollout.
    // (kubectl runs synchronously here, so the watch's events are read after each call;
    // they are read in order, so the minimum is still over every state.)
    const ready = new Map<string, { ready: boolean; image: string | undefined }>();
    let fewest = Number.POSITIVE_INFINITY;
    const watch = client.watch("pods", "default", { labelSelector: "app=web" });
    const watching = (async () => {
      for await (const ev of watch) {
        const p = ev.object as unknown as PodObject;
        const isReady = ev.type !== "DELETED" && !p.metadata?.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
        ready.set(p.metadata?.name ?? "", { ready: isReady, image: p.spec?.containers[0]?.image });
        const n = [...ready.values()].filter((r) => r.ready).length;
        fewest = Math.min(fewest, n);
      }
    })();
    await until("the watch's initial state: 3 ready", () => [...ready.values()].filter((r) => r.ready).length === 3);
    fewest = 3; // from here on: the initial list arrived one pod at a time
    kubectlOk(server, ["set", "image", "deployment/web", "main=example/web:v2"]);
    expect(kubectlOk(server, ["rollout", "status", "deployment/web", "--timeout=90s"])).toContain("successfully rolled out");
    // Read the watch up to the end of the rollout before judging it.
    await until("the watch to show three ready v2 pods and no ready v1", () => {
      const r = [...ready.values()].filter((x) => x.ready);
      return r.length === 3 && r.every((x) => x.image === "example/web:v2");
    });
    watch.stop();
    await watching;
    expect(ready.size).toBeGreaterThanOrEqual(6); // it saw the old and the new pods
    // 3 replicas, maxUnavailable 25% rounds down to 0: never fewer than 3 ready.
    expect(fewest).toBeGreaterThanOrEqual(3);
    await until("old pods gone", () => livePods("web").length === 3);
    expect(new Set(livePods("web").map(imageOf))).toEqual(new Set(["example/web:v2"]));

    const history = kubectlOk(server, ["rollout", "history", "deployment/web"]);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\s*\n1\s+.*\n2\s+/);
    const before = json<Listed<Meta>>(["get", "rs", "-l", "app=web"]).items;
    expect(before).toHaveLength(2);

    kubectlOk(server, ["rollout", "undo", "deployment/web"]);
    expect(kubectlOk(server, ["rollout", "status", "deployment/web", "--timeout=90s"])).toContain("successfully rolled out");
    const after = json<Listed<Meta>>(["get", "rs", "-l", "app=web"]).items;
    // The old ReplicaSet is used again (no third one) and becomes revision 3.
    expect(after.map((r) => r.metadata.uid).sort()).toEqual(before.map((r) => r.metadata.uid).sort());
    const v1 = after.find((r) => r.spec?.template?.spec.containers[0]?.image === "example/web:v1")!;
    expect(v1.spec?.replicas).toBe(3);
    expect(v1.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
    await until("v1 pods only", () => livePods("web").every((p) => imageOf(p) === "example/web:v1") && livePods("web").length === 3, 60_000);
  }, 180_000);

  it("e2e: scale 3 → 10 → 2", async () => {
    kubectlOk(server, ["scale", "deployment/web", "--replicas=10"]);
    expect(kubectlOk(server, ["rollout", "status", "deployment/web", "--timeout=90s"])).toContain("successfully rolled out");
    expect(livePods("web").length).toBe(10);
    kubectlOk(server, ["scale", "deployment/web", "--replicas=2"]);
    await until("2 pods", () => livePods("web").length === 2);
    // READY follows once the ReplicaSet's and then the Deployment's status catch up.
    await until("READY 2/2", () => /web\s+2\/2/.test(kubectlOk(server, ["get", "deployment", "web"])));
  }, 150_000);

  it("e2e: a ReplicaSet whose pods are refused reports ReplicaFailure, and recovers once they are admitted", async () => {
    const rs = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "needs-sa" },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "needs-sa" } },
        template: { metadata: { labels: { app: "needs-sa" } }, spec: { serviceAccountName: "builder", runtimeClassName: "process", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "example/sa:v1", command: ["sleep", "3600"] }] } },
      },
    };
    kubectlOk(server, ["apply", "-f", "-"], JSON.stringify(rs));
    type Status = { status?: { replicas?: number; readyReplicas?: number; conditions?: { type: string; status: string; reason?: string; message?: string }[] } };
    const failure = () => json<Status>(["get", "rs", "needs-sa"]).status?.conditions?.find((c) => c.type === "ReplicaFailure");
    await until("ReplicaFailure on the ReplicaSet", () => failure()?.status === "True");
    expect(failure()).toMatchObject({ reason: "FailedCreate" });
    expect(failure()?.message).toContain("builder");
    expect(podsOf("needs-sa")).toHaveLength(0);
    kubectlOk(server, ["create", "serviceaccount", "builder"]);
    await until("3 ready pods and no ReplicaFailure", () => {
      const st = json<Status>(["get", "rs", "needs-sa"]).status;
      return st?.readyReplicas === 3 && !st.conditions?.some((c) => c.type === "ReplicaFailure");
    });
    kubectlOk(server, ["delete", "rs", "needs-sa"]);
  }, 120_000);

  it("e2e: deleting a Deployment removes its ReplicaSets and pods; --cascade=orphan leaves the pods", async () => {
    kubectlOk(server, ["delete", "deployment", "web"]);
    await until("web's ReplicaSets and pods gone", () => json<Listed<Meta>>(["get", "rs", "-l", "app=web"]).items.length === 0 && podsOf("web").length === 0);

    kubectlOk(server, ["apply", "-f", "-"], deployment("keep", { replicas: 2 }));
    kubectlOk(server, ["rollout", "status", "deployment/keep", "--timeout=60s"]);
    kubectlOk(server, ["delete", "deployment", "keep", "--cascade=orphan"]);
    await until("keep's Deployment gone", () => kubectl(server, ["get", "deployment", "keep"]).code !== 0);
    kubectlOk(server, ["delete", "rs", "-l", "app=keep", "--cascade=orphan"]);
    await until("keep's ReplicaSet gone", () => json<Listed<Meta>>(["get", "rs", "-l", "app=keep"]).items.length === 0);
    await new Promise((r) => setTimeout(r, 2000)); // time for a wrong cascade to show
    const orphans = livePods("keep");
    expect(orphans).toHaveLength(2);
    expect(orphans.every((p) => (p.metadata.ownerReferences ?? []).length === 0)).toBe(true);
    kubectlOk(server, ["delete", "pods", "-l", "app=keep", "--wait=false"]);
  }, 120_000);

  it("e2e: kill -9 of a node: its Deployment pods are evicted and replaced on the other nodes", async () => {
    kubectlOk(server, ["apply", "-f", "-"], deployment("survivor", { replicas: 3 }));
    kubectlOk(server, ["rollout", "status", "deployment/survivor", "--timeout=60s"]);
    const onVictim = () => livePods("survivor").filter((p) => p.spec?.nodeName === "wl-node-3");
    // Spread over the three nodes; the victim must hold one for the test to mean anything.
    expect(onVictim().length).toBeGreaterThan(0);
    await agents[1]!.kill9();
    const t0 = Date.now();
    await until("3 Ready survivor pods, none on the dead node", () => {
      const ready = livePods("survivor").filter((p) => (p as unknown as PodObject).status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      return ready.length === 3 && ready.every((p) => p.spec?.nodeName !== "wl-node-3");
    }, 60_000);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(kubectlOk(server, ["get", "node", "wl-node-3", "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}"])).toBe("Unknown");
    // The node comes back on its data: it stops what was evicted while it was away.
    const dataDir = agents[1]!.dataDir;
    agents[1] = startFlotillaAgent({ natsUrl: server.natsUrl, nodeName: "wl-node-3", dataDir, extraArgs: ["--runtime", "process"] });
    await until("the evicted pods gone from the returning node", () => podsOf("survivor").every((p) => p.spec?.nodeName !== "wl-node-3"), 60_000);
    expect(livePods("survivor")).toHaveLength(3);
    kubectlOk(server, ["delete", "deployment", "survivor", "--wait=false"]);
  }, 180_000);

  it("e2e: deleting a namespace removes everything in it, then the namespace", async () => {
    kubectlOk(server, ["create", "namespace", "doomed"]);
    kubectlOk(server, ["apply", "-f", "-"], deployment("inner", { replicas: 2, namespace: "doomed" }));
    kubectlOk(server, ["create", "configmap", "settings", "-n", "doomed", "--from-literal=a=b"]);
    kubectlOk(server, ["rollout", "status", "deployment/inner", "-n", "doomed", "--timeout=60s"]);
    kubectlOk(server, ["delete", "namespace", "doomed", "--wait=false"]);
    // Terminating while its content goes (which can take less than this kubectl call).
    const phase = kubectl(server, ["get", "namespace", "doomed", "-o", "jsonpath={.status.phase}"]);
    if (phase.code === 0) expect(phase.stdout).toBe("Terminating");
    await until("the namespace gone", () => kubectl(server, ["get", "namespace", "doomed"]).code !== 0, 60_000);
    expect(kubectl(server, ["get", "pods", "-n", "doomed", "-o", "name"]).stdout.trim()).toBe("");
  }, 120_000);
});
