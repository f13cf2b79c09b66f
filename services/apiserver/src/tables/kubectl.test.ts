import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "@flotilla/api";
import { buildTable } from "./printers.ts";
import * as S from "./sample-objects.ts";

// What a user sees: the real kubectl printing our Tables from a loopback server.
const KUBECTL = "/usr/bin/kubectl";
const run = promisify(execFile);

const PODS = [S.RUNNING_POD, S.CRASHLOOP_POD, S.INIT_POD, S.SIDECAR_POD].map((p) => ({ ...p, metadata: { ...p.metadata, namespace: p === S.INIT_POD ? "kube-system" : "default" } }));
const LISTS: Record<string, KubeObject[]> = { pods: PODS, nodes: S.NODES };

function discovery(path: string): unknown {
  if (path === "/version") return { major: "1", minor: "32", gitVersion: "v1.32.0" };
  if (path === "/api") return { kind: "APIVersions", versions: ["v1"] };
  if (path === "/apis") return { kind: "APIGroupList", apiVersion: "v1", groups: [] };
  if (path === "/api/v1") {
    const r = (name: string, kind: string, namespaced: boolean) => ({ name, singularName: kind.toLowerCase(), namespaced, kind, verbs: ["get", "list"] });
    return { kind: "APIResourceList", groupVersion: "v1", resources: [r("pods", "Pod", true), r("nodes", "Node", false)] };
  }
  return undefined;
}

let server: Server;
let base = "";
let cacheDir = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const doc = discovery(url.pathname);
    if (doc) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc));
      return;
    }
    const resource = url.pathname.split("/").pop() ?? "";
    const ns = /\/namespaces\/([^/]+)\//.exec(url.pathname)?.[1];
    const objects = (LISTS[resource] ?? []).filter((o) => !ns || o.metadata.namespace === ns);
    const table = buildTable({ resource, objects, now: new Date(S.SAMPLE_NOW), resourceVersion: "7" });
    res.writeHead(200, { "content-type": "application/json;as=Table;v=v1;g=meta.k8s.io" }).end(JSON.stringify(table));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cacheDir = mkdtempSync(join(tmpdir(), "flotilla-kubectl-cache-"));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(cacheDir, { recursive: true, force: true });
});

async function kubectl(...args: string[]): Promise<string[]> {
  const { stdout } = await run(KUBECTL, ["--server", base, "--cache-dir", cacheDir, ...args], { timeout: 20_000 });
  return stdout.trimEnd().split("\n").map((l) => l.replace(/\s+/g, " ").trim());
}

describe.skipIf(!existsSync(KUBECTL))("kubectl get renders our tables", () => {
  it("get pods", async () => {
    expect(await kubectl("get", "pods", "-n", "default")).toEqual([
      "NAME READY STATUS RESTARTS AGE",
      "web-7d4b9c-x2x9k 1/1 Running 0 2d5h",
      "api-5f6c-abcde 0/1 CrashLoopBackOff 5 (5m ago) 3h",
      "with-sidecar 2/2 Running 1 (15m ago) 20m",
    ]);
  });

  it("get pods -A adds NAMESPACE from the row metadata", async () => {
    const lines = await kubectl("get", "pods", "-A");
    expect(lines[0]).toBe("NAMESPACE NAME READY STATUS RESTARTS AGE");
    expect(lines).toContain("kube-system app-with-init 0/1 Init:0/2 0 90s");
  });

  it("get pods -o wide shows the priority-1 columns", async () => {
    const lines = await kubectl("get", "pods", "-n", "default", "-o", "wide");
    expect(lines[0]).toBe("NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES");
    expect(lines).toContain("with-sidecar 2/2 Running 1 (15m ago) 20m fd00::7 pi-1 pi-9 0/1");
  });

  it("get nodes", async () => {
    expect(await kubectl("get", "nodes")).toEqual([
      "NAME STATUS ROLES AGE VERSION",
      "pi-1 Ready control-plane,master 30d v1.32.0-flotilla",
      "pi-2 NotReady,SchedulingDisabled worker 7h5m v1.32.0-flotilla",
      "vm-new Unknown <none> 20s",
    ]);
  });
});
