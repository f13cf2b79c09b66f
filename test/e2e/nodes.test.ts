/**
 * Nodes, end to end with the real kubectl: three `flotilla agent` processes join a
 * `flotilla server` (without its own node); pods on the process runtime run, log, exec,
 * crash-loop; the scheduler honours nodeSelector and resources; a node killed with -9
 * goes NotReady within 3 s, its pods are evicted after their (capped) toleration, and
 * when it returns nothing runs twice.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFlotillaAgent, type FlotillaAgent } from "../support/agent.ts";
import { KUBECTL, kubectl, kubectlOk, kubectlOnTerminal, startFlotillaServer, TERMINAL_SIZE, type FlotillaServer } from "../support/flotilla.ts";
import { dockerApiAtLeast, BUSYBOX_IMAGE, buildBusyboxImage, dockerSkipReason } from "../support/docker.ts";

const dockerSkip = dockerSkipReason();

const MARK = `flotilla-e2e-${randomBytes(4).toString("hex")}`;
let server: FlotillaServer;
const agents = new Map<string, FlotillaAgent>();

/** A process-runtime pod whose processes carry MARK in their command line, so the test can find (and clean) them. */
function pod(name: string, script: string, extra: Record<string, unknown> = {}, containerExtra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { runtimeClassName: "process", terminationGracePeriodSeconds: 2, containers: [{ name: "main", image: "none", command: ["sh", "-c", script, `${MARK}-${name}`], ...containerExtra }], ...extra },
  });
}

function processesOf(name: string): number {
  const r = spawnSync("pgrep", ["-f", `${MARK}-${name}`], { encoding: "utf8" });
  return r.stdout.split("\n").filter(Boolean).length;
}

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 20_000, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nserver:\n${server.logs().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

function jsonpath(args: string[], path: string): string {
  return kubectl(server, [...args, "-o", `jsonpath=${path}`]).stdout;
}

/**
 * `kubectl exec -it POD -- sh` typed into a terminal: the shell in the pod has a terminal
 * of its own (a /dev/pts device) with the user's terminal size, runs what is typed, and
 * its exit code becomes kubectl's.
 */
async function expectInteractiveShell(podName: string, sizedAtStart = true): Promise<void> {
  const { code, screen } = await kubectlOnTerminal(server, ["exec", "-it", podName, "--", "sh"], "tty; stty size; echo sum-$((20+22)); exit 3\n", /# /);
  expect(screen).toMatch(/\/dev\/pts\/\d+\r\n/);
  expect(screen).toContain(`${TERMINAL_SIZE.rows} ${TERMINAL_SIZE.cols}\r\n`);
  expect(screen).toContain("sum-42\r\n");
  expect(code).toBe(3);
  // A command that asks for its size at once must find the user's, not 0×0. Docker 20.10
  // (API 1.41) cannot size an exec's terminal before it starts: it is resized just after.
  if (!sizedAtStart) return;
  const direct = await kubectlOnTerminal(server, ["exec", "-it", podName, "--", "stty", "size"], "", /^/);
  expect(direct.screen).toContain(`${TERMINAL_SIZE.rows} ${TERMINAL_SIZE.cols}\r\n`);
}

beforeAll(async () => {
  server = await startFlotillaServer({ extraArgs: ["--disable-agent", "--pod-eviction-timeout-ms", "2000"] });
  for (const [name, extra] of [
    ["node-1", []],
    ["node-2", ["--node-label", "disk=ssd"]],
    ["node-3", ["--crash-loop-backoff-base-ms", "3000"]],
  ] as const) {
    agents.set(name, startFlotillaAgent({ natsUrl: server.natsUrl, nodeName: name, extraArgs: [...extra] }));
  }
  await until("three Ready nodes", () => (jsonpath(["get", "nodes"], "{.items[*].status.conditions[?(@.type=='Ready')].status}") === "True True True" ? true : undefined), 30_000);
});

afterAll(async () => {
  kubectl(server, ["delete", "pods", "--all", "--wait=false"]);
  for (const a of agents.values()) {
    await a.stop();
    a.cleanup();
  }
  spawnSync("pkill", ["-9", "-f", MARK]);
  await server?.stop();
});

describe("nodes", () => {
  it("e2e: every node is Ready with the machine's capacity, a Lease and runtime labels", () => {
    const wide = kubectlOk(server, ["get", "nodes", "-o", "wide"]);
    expect(wide).toMatch(/node-1\s+Ready/);
    expect(wide).toContain("127.0.0.1");
    const cpu = jsonpath(["get", "node", "node-1"], "{.status.capacity.cpu}");
    expect(Number(cpu)).toBeGreaterThan(0);
    expect(jsonpath(["get", "node", "node-2"], "{.metadata.labels.disk}")).toBe("ssd");
    expect(jsonpath(["get", "node", "node-1"], "{.metadata.labels.runtime\\.flotilla\\.io/process}")).toBe("true");
    expect(jsonpath(["get", "node", "node-1"], "{.spec.podCIDR}")).toMatch(/^10\.42\.\d+\.0\/24$/);
    const describe = kubectlOk(server, ["describe", "node", "node-1"]);
    expect(describe).toMatch(/Ready\s+True/);
    expect(describe).toContain("HolderIdentity:  node-1");
    expect(describe).toMatch(/Capacity:[\s\S]*cpu:/);
  });

  it("e2e: a process pod runs; logs, logs -f, exec and exec -i work; kubectl wait sees it Ready", async () => {
    kubectlOk(server, ["apply", "-f", "-"], pod("ticker", 'i=0; while true; do echo "tick $i $GREETING"; i=$((i+1)); sleep 0.2; done', {}, { env: [{ name: "GREETING", value: "hello" }] }));
    kubectlOk(server, ["wait", "--for=condition=Ready", "pod/ticker", "--timeout=30s"]);
    expect(kubectlOk(server, ["get", "pod", "ticker"])).toMatch(/ticker\s+1\/1\s+Running\s+0/);
    await until("log lines", () => (kubectlOk(server, ["logs", "ticker"]).includes("tick 2 hello") ? true : undefined));
    expect(kubectlOk(server, ["logs", "ticker", "--tail=1"]).trim().split("\n")).toHaveLength(1);
    // logs -f streams lines as they come.
    const follow = spawn(KUBECTL, ["logs", "-f", "ticker", "--tail=0"], { env: { PATH: process.env["PATH"] ?? "", HOME: `${server.dataDir}/home`, KUBECONFIG: server.kubeconfig } });
    let streamed = "";
    follow.stdout.on("data", (b: Buffer) => (streamed += b.toString()));
    await until("followed lines", () => ((streamed.match(/tick \d+/g) ?? []).length >= 3 ? true : undefined), 15_000);
    follow.kill();
    expect(kubectlOk(server, ["exec", "ticker", "--", "sh", "-c", "echo from-exec $GREETING"]).trim()).toBe("from-exec hello");
    const failed = kubectl(server, ["exec", "ticker", "--", "sh", "-c", "exit 3"]);
    expect(failed.code).toBe(3);
    expect(kubectlOk(server, ["exec", "-i", "ticker", "--", "sh"], "echo piped-$GREETING\n").trim()).toBe("piped-hello");
    await expectInteractiveShell("ticker");
  });

  it.skipIf(dockerSkip !== undefined)(`e2e: a pod on the docker runtime runs a locally built image; logs and exec work${dockerSkip ? ` (skipped: ${dockerSkip})` : ""}`, async () => {
    buildBusyboxImage();
    kubectlOk(server, ["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "in-docker" },
      spec: { runtimeClassName: "docker", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: BUSYBOX_IMAGE, imagePullPolicy: "Never", command: ["sh", "-c", "echo started in docker; exec sleep 600"] }] },
    }));
    kubectlOk(server, ["wait", "--for=condition=Ready", "pod/in-docker", "--timeout=60s"]);
    expect(jsonpath(["get", "pod", "in-docker"], "{.status.containerStatuses[0].containerID}")).toMatch(/^docker:\/\//);
    // The pod IP is the sandbox's address on Docker's bridge, not the node's.
    expect(jsonpath(["get", "pod", "in-docker"], "{.status.podIP}")).not.toBe("127.0.0.1");
    await until("docker logs", () => (kubectlOk(server, ["logs", "in-docker"]).includes("started in docker") ? true : undefined));
    expect(kubectlOk(server, ["exec", "in-docker", "--", "echo", "hi from docker"]).trim()).toBe("hi from docker");
    await expectInteractiveShell("in-docker", dockerApiAtLeast("1.42"));
    kubectlOk(server, ["delete", "pod", "in-docker", "--wait=true", "--timeout=60s"]);
  });

  it("e2e: a crashing container restarts and shows CrashLoopBackOff", async () => {
    kubectlOk(server, ["apply", "-f", "-"], pod("crasher", "echo crashing; exit 1", { nodeName: "node-3" }));
    await until("CrashLoopBackOff", () => (/crasher\s+0\/1\s+CrashLoopBackOff\s+[1-9]/.test(kubectlOk(server, ["get", "pod", "crasher"])) ? true : undefined), 20_000);
    expect(jsonpath(["get", "pod", "crasher"], "{.status.containerStatuses[0].lastState.terminated.exitCode}")).toBe("1");
    expect(kubectlOk(server, ["logs", "crasher", "--previous"])).toContain("crashing");
  });

  it("e2e: a failing liveness probe restarts the container; a failing readiness probe makes it unready", async () => {
    // Healthy while /tmp/<name>-alive exists (the pod directory is its working dir). A
    // probe that only runs slowly is no failure here: with the default 1 s timeout, a
    // starved CI machine (25-50 % steal, 2026-11-23) timed one out and restarted the
    // container under the test's next exec.
    kubectlOk(server, ["apply", "-f", "-"], pod("probed", "touch alive ready; sleep 600", { nodeName: "node-1" }, {
      livenessProbe: { exec: { command: ["test", "-f", "alive"] }, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 10 },
      readinessProbe: { exec: { command: ["test", "-f", "ready"] }, periodSeconds: 1, timeoutSeconds: 10 },
    }));
    kubectlOk(server, ["wait", "--for=condition=Ready", "pod/probed", "--timeout=30s"]);
    kubectlOk(server, ["exec", "probed", "--", "rm", "ready"]);
    await until("probed unready", () => (/probed\s+0\/1\s+Running\s+0/.test(kubectlOk(server, ["get", "pod", "probed"])) ? true : undefined), 15_000);
    kubectlOk(server, ["exec", "probed", "--", "rm", "alive"]);
    await until("probed restarted", () => (Number(jsonpath(["get", "pod", "probed"], "{.status.containerStatuses[0].restartCount}")) >= 1 ? true : undefined), 20_000);
    // The restarted container recreates both files: Ready again.
    kubectlOk(server, ["wait", "--for=condition=Ready", "pod/probed", "--timeout=30s"]);
    const described = kubectlOk(server, ["describe", "pod", "probed"]);
    expect(described).toContain("Liveness probe failed");
    expect(described).toContain("failed liveness probe, will be restarted");
  });

  it("e2e: nodeSelector places a pod on the matching node; a pod too big for every node stays Pending with the reason", async () => {
    kubectlOk(server, ["apply", "-f", "-"], pod("on-ssd", "sleep 600", { nodeSelector: { disk: "ssd" } }));
    await until("on-ssd bound", () => jsonpath(["get", "pod", "on-ssd"], "{.spec.nodeName}") || undefined);
    expect(jsonpath(["get", "pod", "on-ssd"], "{.spec.nodeName}")).toBe("node-2");
    kubectlOk(server, ["apply", "-f", "-"], pod("too-big", "sleep 600", {}, { resources: { requests: { cpu: "1000" } } }));
    await until("FailedScheduling", () => (kubectlOk(server, ["describe", "pod", "too-big"]).includes("FailedScheduling") ? true : undefined));
    const described = kubectlOk(server, ["describe", "pod", "too-big"]);
    expect(described).toContain("0/3 nodes are available: 3 Insufficient cpu.");
    expect(kubectlOk(server, ["get", "pod", "too-big"])).toMatch(/too-big\s+0\/1\s+Pending/);
  });

  it("e2e: kill -9 of a node: NotReady within 3 s, its pods evicted after their toleration, nothing runs twice when it returns", async () => {
    kubectlOk(server, ["apply", "-f", "-"], pod("victim", "sleep 600", { nodeName: "node-1" }));
    kubectlOk(server, ["wait", "--for=condition=Ready", "pod/victim", "--timeout=30s"]);
    await until("victim's process", () => (processesOf("victim") > 0 ? true : undefined));
    const node1 = agents.get("node-1")!;
    await node1.kill9();
    const killedAt = Date.now();
    await until("node-1 NotReady", () => (jsonpath(["get", "node", "node-1"], "{.status.conditions[?(@.type=='Ready')].status}") === "Unknown" ? true : undefined), 10_000, 50);
    const notReadyMs = Date.now() - killedAt;
    expect(notReadyMs).toBeLessThan(3500);
    expect(kubectlOk(server, ["get", "nodes"])).toMatch(/node-1\s+NotReady/);
    expect(jsonpath(["get", "node", "node-1"], "{.spec.taints[*].key}")).toContain("node.kubernetes.io/unreachable");
    // Evicted after the 2 s cap on its 300 s default toleration: marked for deletion.
    await until("victim evicted", () => jsonpath(["get", "pod", "victim"], "{.metadata.deletionTimestamp}") || undefined, 15_000);
    const evictedMs = Date.now() - killedAt;
    // The 2 s cap runs from the taint: eviction cannot come before NotReady + 2 s.
    expect(evictedMs).toBeGreaterThanOrEqual(notReadyMs + 1500);
    process.stdout.write(`kill -9 → NotReady ${notReadyMs} ms, → evicted ${evictedMs} ms\n`);
    // The machine kept running the container while its agent was dead.
    expect(processesOf("victim")).toBeGreaterThan(0);
    const back = startFlotillaAgent({ natsUrl: server.natsUrl, nodeName: "node-1", dataDir: node1.dataDir });
    agents.set("node-1", back);
    await until("node-1 Ready again", () => (jsonpath(["get", "node", "node-1"], "{.status.conditions[?(@.type=='Ready')].status}") === "True" ? true : undefined), 20_000);
    await until("victim gone", () => (kubectl(server, ["get", "pod", "victim"]).code !== 0 ? true : undefined), 20_000);
    await until("victim's processes stopped", () => (processesOf("victim") === 0 ? true : undefined), 10_000);
    await until("taints removed", () => (jsonpath(["get", "node", "node-1"], "{.spec.taints}") === "" ? true : undefined), 10_000);
  });

  it("e2e: a node keeps its pods while the master is down, and reports them again when it is back", async () => {
    kubectlOk(server, ["apply", "-f", "-"], pod("autonomous", "sleep 600", { nodeName: "node-2" }));
    kubectlOk(server, ["wait", "--for=condition=Ready", "pod/autonomous", "--timeout=30s"]);
    const before = processesOf("autonomous");
    const containerId = jsonpath(["get", "pod", "autonomous"], "{.status.containerStatuses[0].containerID}");
    await server.halt();
    // No apiserver, no NATS: heartbeats, lease renewals and watches fail; the pod runs on.
    await new Promise((r) => setTimeout(r, 4000));
    expect(processesOf("autonomous")).toBe(before);
    server = await startFlotillaServer({ reuse: server, extraArgs: ["--disable-agent", "--pod-eviction-timeout-ms", "2000"] });
    await until("node-2 Ready after the restart", () => (jsonpath(["get", "node", "node-2"], "{.status.conditions[?(@.type=='Ready')].status}") === "True" ? true : undefined), 30_000);
    kubectlOk(server, ["wait", "--for=condition=Ready", "pod/autonomous", "--timeout=30s"]);
    // The same container, never restarted, and nothing started twice.
    expect(jsonpath(["get", "pod", "autonomous"], "{.status.containerStatuses[0].containerID}")).toBe(containerId);
    expect(jsonpath(["get", "pod", "autonomous"], "{.status.containerStatuses[0].restartCount}")).toBe("0");
    expect(processesOf("autonomous")).toBe(before);
    // And it acts on the API again: a deletion stops the container.
    kubectlOk(server, ["delete", "pod", "autonomous", "--timeout=30s"]);
    await until("autonomous stopped", () => (processesOf("autonomous") === 0 ? true : undefined), 15_000);
  });
});
