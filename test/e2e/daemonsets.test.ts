/**
 * DaemonSets end to end with the real kubectl: one pod per node, placed by the default
 * scheduler through node affinity on the node's name; a node that joins later gets its
 * pod; `kubectl rollout status daemonset/x` completes; a new template replaces every pod;
 * `kubectl rollout history|undo daemonset/x` read and apply the DaemonSet's
 * ControllerRevisions; a nodeSelector leaves only the matching node's pod; deleting the
 * DaemonSet takes its revisions with it. The server runs its own node and one agent from
 * the start, a second agent joins later; all on the process runtime.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ApiClient } from "@flotilla/bus";
import type { PodObject } from "@flotilla/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFlotillaAgent, type FlotillaAgent } from "../support/agent.ts";
import { kubectl, kubectlOk, startFlotillaServer, type FlotillaServer } from "../support/flotilla.ts";

const SERVER_NODE = "ds-node-1";
let server: FlotillaServer;
let nc: NatsConnection;
const agents: FlotillaAgent[] = [];

function daemonSet(name: string, opts: { version?: string; nodeSelector?: Record<string, string> } = {}): string {
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          runtimeClassName: "process",
          terminationGracePeriodSeconds: 1,
          ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
          containers: [{ name: "main", image: "none", command: ["sleep", "3600"], env: [{ name: "VERSION", value: opts.version ?? "v1" }] }],
        },
      },
    },
  });
}

async function until(what: string, fn: () => boolean, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nserver:\n${server.logs().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const livePods = (app: string): PodObject[] =>
  (JSON.parse(kubectlOk(server, ["get", "pods", "-l", `app=${app}`, "-o", "json"])) as { items: PodObject[] }).items.filter((p) => !p.metadata?.deletionTimestamp);
const nodesOf = (pods: PodObject[]): string[] => pods.map((p) => p.spec?.nodeName ?? "").sort();
const versionOf = (p: PodObject): string | undefined => p.spec?.containers[0]?.env?.find((e) => e.name === "VERSION")?.value;
const readyNodes = (): string => kubectl(server, ["get", "nodes", "-o", "jsonpath={.items[*].status.conditions[?(@.type=='Ready')].status}"]).stdout;
const rolloutStatus = (name: string): string => kubectlOk(server, ["rollout", "status", `daemonset/${name}`, "--timeout=60s"]);
/** The REVISION column of `kubectl rollout history daemonset/x`. */
const historyRevisions = (name: string): string[] =>
  kubectlOk(server, ["rollout", "history", `daemonset/${name}`])
    .split("\n")
    .map((l) => /^(\d+)\s/.exec(l)?.[1])
    .filter((r): r is string => r !== undefined);
const revisionNames = (app: string): string[] => kubectl(server, ["get", "controllerrevisions", "-l", `app=${app}`, "-o", "name"]).stdout.split("\n").filter(Boolean);
/** The app's ControllerRevisions: revision number → name. */
function revisionsByNumber(app: string): Map<string, string> {
  const list = JSON.parse(kubectlOk(server, ["get", "controllerrevisions", "-l", `app=${app}`, "-o", "json"])) as { items: { revision: number; metadata: { name: string } }[] };
  return new Map(list.items.map((r) => [String(r.revision), r.metadata.name]));
}
const hashOf = (p: PodObject): string => p.metadata?.labels?.["controller-revision-hash"] ?? "";

beforeAll(async () => {
  server = await startFlotillaServer({ extraArgs: ["--runtime", "process", "--node-name", SERVER_NODE] });
  agents.push(startFlotillaAgent({ natsUrl: server.natsUrl, nodeName: "ds-node-2", extraArgs: ["--runtime", "process"] }));
  nc = await connect({ servers: server.natsUrl });
  await until("two Ready nodes", () => readyNodes() === "True True");
}, 90_000);

afterAll(async () => {
  // Let the kubelets stop the daemons' processes before the agents go.
  kubectl(server, ["delete", "daemonsets", "--all", "--wait=false"]);
  await until("no daemon pods", () => kubectl(server, ["get", "pods", "-o", "name"]).stdout.trim() === "", 30_000).catch(() => undefined);
  await nc?.close();
  for (const a of agents) {
    await a.stop();
    a.cleanup();
  }
  await server?.stop();
});

describe("daemonsets", () => {
  it("e2e: a DaemonSet runs one pod on each node, placed by the scheduler, and kubectl rollout status completes", () => {
    kubectlOk(server, ["apply", "-f", "-"], daemonSet("agent"));
    expect(rolloutStatus("agent")).toContain('daemon set "agent" successfully rolled out');
    const pods = livePods("agent");
    expect(nodesOf(pods)).toEqual([SERVER_NODE, "ds-node-2"]);
    for (const p of pods) {
      const terms = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      expect(terms).toEqual([{ matchFields: [{ key: "metadata.name", operator: "In", values: [p.spec?.nodeName] }] }]);
      expect(p.spec?.tolerations?.map((t) => t.key)).toContain("node.kubernetes.io/unreachable");
      expect(p.metadata?.labels?.["controller-revision-hash"]).toMatch(/^[a-z0-9]+$/);
    }
    expect(kubectlOk(server, ["get", "daemonset", "agent"])).toMatch(/agent\s+2\s+2\s+2\s+2\s+2\s/);
    // One revision, named after the hash its pods carry.
    const hash = hashOf(pods[0]!);
    expect(kubectlOk(server, ["get", "controllerrevisions"])).toMatch(new RegExp(`agent-${hash}\\s+daemonset\\.apps/agent\\s+1\\s`));
    expect(historyRevisions("agent")).toEqual(["1"]);
  }, 60_000);

  it("e2e: a node that joins later gets its own daemon pod", async () => {
    agents.push(startFlotillaAgent({ natsUrl: server.natsUrl, nodeName: "ds-node-3", extraArgs: ["--runtime", "process"] }));
    await until("three Ready nodes", () => readyNodes() === "True True True");
    await until("a pod on ds-node-3", () => nodesOf(livePods("agent")).includes("ds-node-3"));
    expect(rolloutStatus("agent")).toContain("successfully rolled out");
    expect(nodesOf(livePods("agent"))).toEqual([SERVER_NODE, "ds-node-2", "ds-node-3"]);
  }, 60_000);

  it("e2e: a changed template replaces the pod on every node, one node at a time (maxUnavailable 1)", async () => {
    const before = new Set(livePods("agent").map((p) => p.metadata?.uid));
    // The fewest ready, not terminating daemon pods at any moment of the rollout.
    const ready = new Map<string, boolean>();
    let fewest = Number.POSITIVE_INFINITY;
    const watch = new ApiClient(nc).watch("pods", "default", { labelSelector: "app=agent" });
    const watching = (async () => {
      for await (const ev of watch) {
        const p = ev.object as unknown as PodObject;
        const isReady = ev.type !== "DELETED" && !p.metadata?.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
        ready.set(p.metadata?.name ?? "", isReady);
        fewest = Math.min(fewest, [...ready.values()].filter(Boolean).length);
      }
    })();
    await until("the watch's initial state: 3 ready", () => [...ready.values()].filter(Boolean).length === 3);
    fewest = 3;
    kubectlOk(server, ["apply", "-f", "-"], daemonSet("agent", { version: "v2" }));
    expect(rolloutStatus("agent")).toContain("successfully rolled out");
    const after = livePods("agent");
    // kubectl ran synchronously, so the watch's events wait unread; replayed in order, they tell the same story.
    await until("the watch caught up", () => after.every((p) => ready.get(p.metadata?.name ?? "") === true));
    watch.stop();
    await watching;
    expect(fewest).toBe(2);
    expect(nodesOf(after)).toEqual([SERVER_NODE, "ds-node-2", "ds-node-3"]);
    expect(after.map(versionOf)).toEqual(["v2", "v2", "v2"]);
    expect(after.some((p) => before.has(p.metadata?.uid))).toBe(false);
  }, 60_000);

  it("e2e: kubectl rollout history lists both templates and shows each; rollout undo brings the first back on every node", () => {
    expect(historyRevisions("agent")).toEqual(["1", "2"]);
    const first = revisionsByNumber("agent").get("1");
    expect(kubectlOk(server, ["rollout", "history", "daemonset/agent", "--revision=1"])).toMatch(/VERSION:\s+v1/);
    expect(kubectlOk(server, ["rollout", "history", "daemonset/agent", "--revision=2"])).toMatch(/VERSION:\s+v2/);

    expect(kubectlOk(server, ["rollout", "undo", "daemonset/agent"])).toContain("daemonset.apps/agent rolled back");
    expect(rolloutStatus("agent")).toContain("successfully rolled out");
    const pods = livePods("agent");
    expect(nodesOf(pods)).toEqual([SERVER_NODE, "ds-node-2", "ds-node-3"]);
    expect(pods.map(versionOf)).toEqual(["v1", "v1", "v1"]);
    // The first template's revision is reused, renumbered, not duplicated, and its hash is on every pod.
    expect(historyRevisions("agent")).toEqual(["2", "3"]);
    const revisions = revisionsByNumber("agent");
    expect([...revisions.keys()].sort()).toEqual(["2", "3"]);
    expect(revisions.get("3")).toBe(first);
    expect(new Set(pods.map((p) => `agent-${hashOf(p)}`))).toEqual(new Set([first]));
    // kubectl recognises the current template in the revision it stored.
    expect(kubectlOk(server, ["rollout", "undo", "daemonset/agent", "--to-revision=3"])).toContain("skipped rollback (current template already matches revision 3)");
    expect(kubectl(server, ["rollout", "undo", "daemonset/agent", "--to-revision=9"]).stderr).toContain("unable to find specified revision 9 in history");
  }, 90_000);

  it("e2e: a nodeSelector matching one node's label leaves a single pod, on that node", async () => {
    kubectlOk(server, ["label", "node", "ds-node-2", "role=edge"]);
    kubectlOk(server, ["apply", "-f", "-"], daemonSet("agent", { version: "v2", nodeSelector: { role: "edge" } }));
    await until("one pod, on ds-node-2", () => nodesOf(livePods("agent")).join() === "ds-node-2");
    expect(rolloutStatus("agent")).toContain("successfully rolled out");
    expect(kubectlOk(server, ["get", "daemonset", "agent"])).toMatch(/agent\s+1\s+1\s+1\s+1\s+1\s+role=edge/);
  }, 60_000);

  it("e2e: deleting a DaemonSet deletes its ControllerRevisions", async () => {
    expect(revisionNames("agent").length).toBeGreaterThan(0);
    kubectlOk(server, ["delete", "daemonset", "agent"]);
    await until("no revisions of agent", () => revisionNames("agent").length === 0);
  }, 60_000);
});
