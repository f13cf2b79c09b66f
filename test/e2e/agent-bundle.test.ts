/**
 * The node agent as a node is deployed with it: scripts/bundle.ts builds
 * dist/flotilla-agent.cjs (here into a temporary directory), the file is executed
 * directly, so its `#!` line's V8 flags apply, and the real kubectl sees its node and
 * runs a pod on it. A Node that drops one of those flags, or a bundling change that
 * breaks the lazily loaded TLS or YAML, fails here rather than on a user's Pi.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleAgent } from "../../scripts/bundle.ts";
import { startFlotillaAgent, type FlotillaAgent } from "../support/agent.ts";
import { kubectl, kubectlOk, startFlotillaServer, type FlotillaServer } from "../support/flotilla.ts";
import { FLOTILLA_VERSION } from "../../services/flotilla/src/version.ts";

const dir = mkdtempSync(join(tmpdir(), "flotilla-bundle-"));
const bundle = join(dir, "flotilla-agent.cjs");
// `#!/usr/bin/env -S node …` finds node on PATH: this test's own Node 24 first.
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env["PATH"] ?? ""}` };
process.env["PATH"] = env.PATH;
let server: FlotillaServer;
let agent: FlotillaAgent | undefined;

async function until(what: string, fn: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nagent:\n${agent?.logs().slice(-3000) ?? ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  await bundleAgent(bundle);
  server = await startFlotillaServer({ extraArgs: ["--disable-agent"] });
}, 90_000);

afterAll(async () => {
  // The agent stops the pod's processes before it goes: they outlive an agent by design.
  kubectl(server, ["delete", "pods", "--all", "--wait=true", "--timeout=30s"]);
  await agent?.stop();
  agent?.cleanup();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the bundled node agent", () => {
  it("e2e: runs as an executable with the V8 flags of its #! line", () => {
    expect(readFileSync(bundle, "utf8").split("\n", 1)[0]).toMatch(/^#!\/usr\/bin\/env -S node .*--max-opt=1/);
    const r = spawnSync(bundle, ["--version"], { encoding: "utf8", env });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(FLOTILLA_VERSION);
  });

  it("e2e: reads a YAML config file, joins the cluster and runs a pod that kubectl can read", async () => {
    const config = join(dir, "agent.yaml");
    writeFileSync(config, "node-label:\n  - built=bundle\nlog-level: warn\n");
    agent = startFlotillaAgent({ natsUrl: server.natsUrl, nodeName: "bundled", executable: bundle, extraArgs: ["--config", config, "--runtime", "process"] });
    await until("the bundled agent's node Ready", () => kubectl(server, ["get", "node", "bundled", "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}"]).stdout === "True");
    expect(kubectlOk(server, ["get", "node", "bundled", "-o", "jsonpath={.metadata.labels.built}"])).toBe("bundle");
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "from-bundle" }, spec: { runtimeClassName: "process", terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "none", command: ["sh", "-c", "echo hello from the bundle; sleep 3600"], readinessProbe: { tcpSocket: { port: 1 }, periodSeconds: 1 } }] } };
    kubectlOk(server, ["apply", "-f", "-"], JSON.stringify(pod));
    await until("the pod Running", () => kubectl(server, ["get", "pod", "from-bundle", "-o", "jsonpath={.status.phase}"]).stdout === "Running");
    await until("its log", () => kubectl(server, ["logs", "from-bundle"]).stdout.includes("hello from the bundle"));
    expect(kubectlOk(server, ["exec", "from-bundle", "--", "echo", "hi"]).trim()).toBe("hi");
    // A probe that fails (nothing listens on port 1) keeps the pod not Ready, and says why.
    await until("the probe's failure in the pod's events", () => kubectl(server, ["describe", "pod", "from-bundle"]).stdout.includes("Readiness probe failed"));
  }, 90_000);
});
