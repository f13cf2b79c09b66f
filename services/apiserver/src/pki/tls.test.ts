import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { get } from "node:https";
import { createServer } from "node:https";
import type { Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeKubeconfig } from "./kubeconfig.ts";
import { ensurePki } from "./pki.ts";
import type { Pki } from "./pki.ts";
import { ensureAdminToken } from "./token.ts";

// Both TLS stacks that matter must accept the certificates: Node's (the apiserver
// serves with it) and Go's (kubectl). Loopback only.
const KUBECTL = "/usr/bin/kubectl";
const VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0" };
const run = promisify(execFile);

let dir: string;
let pki: Pki;
let token: string;
let server: Server;
let port: number;
const seenAuth: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "flotilla-tls-"));
  pki = await ensurePki({ dir: join(dir, "pki"), hosts: [] });
  token = await ensureAdminToken(join(dir, "pki"));
  server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
    seenAuth.push(req.headers.authorization ?? "");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(VERSION));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function fetchVersion(options: { ca?: string; servername?: string }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = get({ host: "127.0.0.1", port, path: "/version", ...options }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(JSON.parse(body)));
    });
    req.on("error", reject);
  });
}

describe("the serving certificate works with real TLS clients", () => {
  it("Node's https client pinned to the CA connects by IP", async () => {
    expect(await fetchVersion({ ca: pki.caCertPem })).toEqual(VERSION);
  });

  it("and by the DNS name localhost", async () => {
    expect(await fetchVersion({ ca: pki.caCertPem, servername: "localhost" })).toEqual(VERSION);
  });

  it("is refused without the CA, and for a name the certificate lacks", async () => {
    await expect(fetchVersion({})).rejects.toThrow(/self-signed|unable to (get|verify)/i);
    await expect(fetchVersion({ ca: pki.caCertPem, servername: "evil.example.com" })).rejects.toThrow(/altnames|Hostname\/IP does not match/i);
  });

  it.skipIf(!existsSync(KUBECTL))("kubectl (Go crypto/tls) accepts it through a written kubeconfig and sends the token", async () => {
    const kubeconfig = join(dir, "admin.kubeconfig");
    await writeKubeconfig(kubeconfig, { clusterName: "flotilla", server: `https://127.0.0.1:${port}`, caCertPem: pki.caCertPem, token, user: "admin" });
    seenAuth.length = 0;
    const { stdout } = await run(KUBECTL, ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), "get", "--raw", "/version"], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual(VERSION);
    expect(seenAuth).toContain(`Bearer ${token}`);
  });

  it.skipIf(!existsSync(KUBECTL))("kubectl rejects a server whose CA it was not given", async () => {
    const other = await ensurePki({ dir: join(dir, "other"), hosts: [] });
    const kubeconfig = join(dir, "wrong-ca.kubeconfig");
    await writeKubeconfig(kubeconfig, { clusterName: "x", server: `https://127.0.0.1:${port}`, caCertPem: other.caCertPem, token, user: "admin" });
    await expect(run(KUBECTL, ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), "get", "--raw", "/version"], { timeout: 20_000 })).rejects.toThrow(/certificate/i);
  });
});
