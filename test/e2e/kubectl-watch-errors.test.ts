/**
 * Streaming and bad input through the real kubectl and raw HTTPS: watches stream
 * changes as they happen; every bad request gets a 4xx Status naming the problem,
 * nothing is written, and the server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { KUBECTL, kubectl, kubectlOk, startFlotillaServer, type FlotillaServer } from "../support/flotilla.ts";
import { api, targetFromKubeconfig, type ApiTarget } from "../support/https.ts";

let srv: FlotillaServer;
let target: ApiTarget;

const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: main\n      image: busybox:1.36\n`;

beforeAll(async () => {
  srv = await startFlotillaServer();
  target = targetFromKubeconfig(srv.kubeconfig, srv.apiPort);
});
afterAll(async () => {
  await srv?.stop();
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("watch", () => {
  it("kubectl get pods -w streams a pod being created and deleted", async () => {
    const w = spawn(KUBECTL, ["get", "pods", "-w"], { env: { PATH: process.env["PATH"]!, HOME: join(srv.dataDir, "home"), KUBECONFIG: srv.kubeconfig } });
    let out = "";
    w.stdout.on("data", (b: Buffer) => (out += b.toString()));
    w.stderr.on("data", (b: Buffer) => (out += b.toString()));
    try {
      // kubectl lists, then watches from the list's resourceVersion: whether the pod is
      // made before or after the list, its row appears, and the deletion after it must
      // come through the watch.
      kubectlOk(srv, ["apply", "-f", "-"], pod("watched"));
      await waitFor(() => /watched\s+0\/1\s+Pending/.test(out), "the ADDED pod row");
      kubectlOk(srv, ["delete", "pod", "watched", "--wait=false"]);
      await waitFor(() => (out.match(/watched/g) ?? []).length >= 2, "the DELETED pod row");
    } finally {
      w.kill();
    }
  });
});

describe("bad input", () => {
  it("an unknown field under Strict is a 400 naming it, and nothing is written", () => {
    const r = kubectl(srv, ["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\ndata:\n  a: b\nfoo: 1\n");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown field "foo"');
    expect(kubectl(srv, ["get", "cm", "strict"]).stderr).toContain("not found");
  });

  it("an invalid name is a 422 naming metadata.name", () => {
    const r = kubectl(srv, ["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/metadata\.name: Invalid value: "Bad_Name"/);
  });

  it("a missing required field is a 422 naming it", () => {
    const r = kubectl(srv, ["apply", "-f", "-"], "apiVersion: v1\nkind: Pod\nmetadata:\n  name: noimage\nspec:\n  containers:\n    - name: main\n");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("spec.containers[0].image: Required value");
  });

  it("a wrong type is a 400 naming the field", () => {
    const r = kubectl(srv, ["apply", "-f", "-"], "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: wrongtype\nspec:\n  replicas: three\n  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n      labels: {app: x}\n    spec:\n      containers:\n        - {name: c, image: i}\n");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("spec.replicas");
  });

  it("malformed JSON and YAML bodies get a 400 Status and the server keeps serving", async () => {
    const bad = await api(target, "POST", "/api/v1/namespaces/default/configmaps", '{"metadata": {"name": "x"');
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ kind: "Status", status: "Failure", reason: "BadRequest", code: 400 });
    const yaml = await api(target, "POST", "/api/v1/namespaces/default/configmaps", "metadata:\n  name: [x\n", { "content-type": "application/yaml" });
    expect(yaml.status).toBe(400);
    const notObject = await api(target, "POST", "/api/v1/namespaces/default/configmaps", "[1,2]");
    expect(notObject.status).toBe(400);
    expect(kubectlOk(srv, ["get", "ns", "default", "-o", "name"])).toBe("namespace/default\n");
  });

  it("creating in a namespace that does not exist is a 404 naming it", () => {
    const r = kubectl(srv, ["create", "configmap", "c", "-n", "nope"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('namespaces "nope" not found');
  });

  it("anonymous requests get 401", async () => {
    const r = await api({ port: target.port, ca: target.ca }, "GET", "/api/v1/namespaces");
    expect(r.status).toBe(401);
    expect(r.json()).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
  });
});

describe("optimistic concurrency", () => {
  it("50 concurrent updates carrying the same resourceVersion: exactly one succeeds, the rest get 409", async () => {
    const created = await api(target, "POST", "/api/v1/namespaces/default/configmaps", JSON.stringify({ metadata: { name: "race" }, data: { winner: "none" } }));
    expect(created.status).toBe(201);
    const rv = created.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => api(target, "PUT", "/api/v1/namespaces/default/configmaps/race", JSON.stringify({ metadata: { name: "race", resourceVersion: rv }, data: { winner: String(i) } }))),
    );
    const ok = results.filter((r) => r.status === 200);
    const conflicts = results.filter((r) => r.status === 409);
    expect(ok).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    expect(conflicts[0]!.json()).toMatchObject({ reason: "Conflict" });
    // The one acknowledged update is what is stored: nothing lost, nothing overwritten.
    const winner = ok[0]!.json<{ data: { winner: string } }>().data.winner;
    const stored = await api(target, "GET", "/api/v1/namespaces/default/configmaps/race");
    expect(stored.json<{ data: { winner: string } }>().data.winner).toBe(winner);
  });
});
