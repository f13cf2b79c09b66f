/**
 * The chaos harness itself: three masters and three nodes in containers start, the API
 * answers through every master, a process pod runs in a node's container, a master
 * killed with SIGKILL leaves the API answering through the others, and a node cut off
 * from the network (or killed and started again) goes NotReady and comes back. The
 * scenarios in this folder build on these operations, so they are checked here first.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chaosSkipReason } from "./support/skip.ts";
import { startChaosCluster, type ChaosCluster } from "./support/cluster.ts";
import { until } from "./support/kube.ts";
import type { Master } from "./support/members.ts";

const skip = chaosSkipReason();
const NODES = ["n1", "n2", "n3"];

let cluster: ChaosCluster | undefined;

interface NodeList {
  items: { metadata: { name: string }; status: { conditions?: { type: string; status: string }[] } }[];
}

/** Node name → its Ready condition's status ("True", "False", "Unknown"), through one master. */
async function readiness(m: Master): Promise<Record<string, string>> {
  const list = JSON.parse(await m.kubectlOk(["get", "nodes", "-o", "json", "--request-timeout=5s"])) as NodeList;
  return Object.fromEntries(list.items.map((n) => [n.metadata.name, n.status.conditions?.find((c) => c.type === "Ready")?.status ?? "none"]));
}

const logs = async (): Promise<string> => (cluster ? cluster.logs(40) : "");

if (skip) it.skip(`chaos cluster: skipped: ${skip}`, () => undefined);

describe.skipIf(skip !== undefined)("chaos cluster", () => {
  beforeAll(async () => {
    cluster = await startChaosCluster({ masters: 3, nodes: 3 });
    const t = cluster.timings;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(`chaos cluster ${cluster.id} up in ${s(t.total)}: image ${s(t.image)}${t.imageBuilt ? " (built)" : ""}, masters ${s(t.masters)}, nodes ${s(t.nodes)}, nodes Ready ${s(t.nodesReady)}`);
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it("chaos: n1..n3 are Ready through m1 and through m3", async () => {
    for (const m of [cluster!.master("m1"), cluster!.master("m3")]) {
      expect(await readiness(m), `through ${m.name}`).toEqual(Object.fromEntries(NODES.map((n) => [n, "True"])));
    }
    // One admin token and CA for the whole cluster: m1's credentials work on m2.
    expect((await cluster!.master("m1").kubectlOk(["--server", cluster!.master("m2").apiUrl, "get", "namespace", "default", "-o", "name"])).trim()).toBe("namespace/default");
  });

  it("chaos: a process-runtime pod runs in a node's container", async () => {
    const m1 = cluster!.master("m1");
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "sleeper" }, spec: { runtimeClassName: "process", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "none", command: ["sleep", "3600"] }] } };
    await m1.kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(pod) });
    await m1.kubectlOk(["wait", "--for=condition=Ready", "pod/sleeper", "--timeout=60s"]);
    const nodeName = (await m1.kubectlOk(["get", "pod", "sleeper", "-o", "jsonpath={.spec.nodeName}"])).trim();
    expect(NODES).toContain(nodeName);
    // The process runs in that node's container, and in no other.
    for (const n of cluster!.nodes) {
      const ps = await n.exec(["ps", "-o", "args"]);
      expect(ps.stdout.split("\n").some((l) => l.trim() === "sleep 3600"), `sleep 3600 on ${n.name}:\n${ps.stdout}`).toBe(n.name === nodeName);
    }
  });

  it("chaos: after docker kill of m1 the API answers through m3: reads and writes", async () => {
    const [m1, m3] = [cluster!.master("m1"), cluster!.master("m3")];
    await m1.kill();
    expect(await m1.running()).toBe(false);
    // Reads too wait for the store: a list asks it for its current revision, and its RAFT
    // group may have lost its leader with m1 (another is elected within seconds).
    const t0 = performance.now();
    await until("a read through m3", async () => Object.keys(await readiness(m3)).sort().join() === NODES.join(), 30_000, logs);
    const readS = (performance.now() - t0) / 1000;
    // A write that timed out may still have landed: look before writing again.
    await until("a write through m3", async () => (await m3.kubectl(["create", "configmap", "after-kill", "--from-literal=k=v", "--request-timeout=2s"])).code === 0 || (await m3.kubectl(["get", "configmap", "after-kill"])).code === 0, 30_000, logs);
    console.log(`m1 killed: a read through m3 after ${readS.toFixed(1)} s, a write after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect((await m3.kubectlOk(["get", "configmap", "after-kill", "-o", "jsonpath={.data.k}"])).trim()).toBe("v");
  });

  it("chaos: a node cut off from the network goes NotReady and is Ready again once reconnected; killed and started again, Ready again", async () => {
    const [m2, n3] = [cluster!.master("m2"), cluster!.node("n3")];
    await n3.disconnect();
    await until("n3 not Ready", async () => (await readiness(m2))["n3"] !== "True", 60_000, logs);
    await n3.connect();
    await until("n3 Ready again", async () => (await readiness(m2))["n3"] === "True", 60_000, logs);

    await n3.kill();
    await until("n3 not Ready after its kill", async () => (await readiness(m2))["n3"] !== "True", 60_000, logs);
    await n3.start();
    await until("n3 Ready after its restart", async () => (await readiness(m2))["n3"] === "True", 60_000, logs);
  });
});
