import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { writeKubeconfig } from "./kubeconfig.ts";
import { ADMIN_TOKEN_FILE, ensureAdminToken } from "./token.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flotilla-cred-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("ensureAdminToken", () => {
  it("makes a 256-bit base64url token, stored 0600, and returns the same one later", async () => {
    const token = await ensureAdminToken(dir);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(statSync(join(dir, ADMIN_TOKEN_FILE)).mode & 0o777).toBe(0o600);
    expect(await ensureAdminToken(dir)).toBe(token);
  });

  it("two concurrent first starts agree on one token", async () => {
    const [a, b] = await Promise.all([ensureAdminToken(dir), ensureAdminToken(dir)]);
    expect(a).toBe(b);
  });

  it("an empty token file is an error, not a silent new token", async () => {
    writeFileSync(join(dir, ADMIN_TOKEN_FILE), "\n");
    await expect(ensureAdminToken(dir)).rejects.toThrow(/is empty/);
  });
});

describe("writeKubeconfig", () => {
  it("writes a 0600 kubeconfig with the CA inline, a token user and a current context", async () => {
    const path = join(dir, "sub", "admin.kubeconfig");
    const caCertPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    await writeKubeconfig(path, { clusterName: "flotilla", server: "https://127.0.0.1:6443", caCertPem, token: "t0k", user: "admin" });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const doc = parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    expect(doc).toEqual({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "flotilla", cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": Buffer.from(caCertPem).toString("base64") } }],
      users: [{ name: "admin", user: { token: "t0k" } }],
      contexts: [{ name: "flotilla", context: { cluster: "flotilla", user: "admin" } }],
      "current-context": "flotilla",
      preferences: {},
    });
  });

  it("replaces an existing file and tightens its mode", async () => {
    const path = join(dir, "kubeconfig");
    writeFileSync(path, "old", { mode: 0o644 });
    await writeKubeconfig(path, { clusterName: "c", server: "https://x:1", caCertPem: "pem", token: "t", user: "u" });
    expect(readFileSync(path, "utf8")).toContain("current-context: c");
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
