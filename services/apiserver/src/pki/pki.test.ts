import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { certNames, certNotAfter, signedBy } from "./certs.ts";
import { ensurePki, PKI_FILES } from "./pki.ts";

const DAY = 24 * 60 * 60 * 1000;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flotilla-pki-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const mode = (file: string) => statSync(join(dir, file)).mode & 0o777;

describe("ensurePki", () => {
  it("first start: a CA and a serving cert it signed, keys 0600, covering loopback, hostname and hosts", async () => {
    const pki = await ensurePki({ dir, hosts: ["pi-1.local", "192.168.1.10", "fd00::10"] });
    expect(mode(PKI_FILES.caKey)).toBe(0o600);
    expect(mode(PKI_FILES.key)).toBe(0o600);
    expect(mode(PKI_FILES.cert)).toBe(0o644);
    expect(readFileSync(join(dir, PKI_FILES.caCert), "utf8")).toBe(pki.caCertPem);
    expect(pki.keyPem).toContain("BEGIN PRIVATE KEY");
    expect(await signedBy(pki.certPem, pki.caCertPem, new Date())).toBe(true);
    const names = certNames(pki.certPem);
    expect(names.dns).toEqual(expect.arrayContaining(["localhost", "pi-1.local", hostname().toLowerCase()]));
    expect(names.ips).toEqual(expect.arrayContaining(["127.0.0.1", "::1", "192.168.1.10", "fd00::10"]));
  });

  it("CA lasts about ten years, the serving cert about one", async () => {
    const now = new Date("2025-01-01T00:00:00Z");
    const pki = await ensurePki({ dir, hosts: [], now });
    expect(Math.round((certNotAfter(pki.caCertPem).getTime() - now.getTime()) / DAY)).toBe(3650);
    expect(Math.round((certNotAfter(pki.certPem).getTime() - now.getTime()) / DAY)).toBe(365);
  });

  it("later starts reuse everything", async () => {
    const first = await ensurePki({ dir, hosts: ["pi-1.local"] });
    const second = await ensurePki({ dir, hosts: ["PI-1.local."] });
    expect(second).toEqual(first);
  });

  it("a new host re-issues only the serving cert, keeping the names it had", async () => {
    const first = await ensurePki({ dir, hosts: ["pi-1.local"] });
    const second = await ensurePki({ dir, hosts: ["10.0.0.9"] });
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.caKeyPem).toBe(first.caKeyPem);
    expect(second.certPem).not.toBe(first.certPem);
    const names = certNames(second.certPem);
    expect(names.ips).toContain("10.0.0.9");
    expect(names.dns).toContain("pi-1.local");
  });

  it("renews the serving cert within 30 days of expiry, not before", async () => {
    const start = new Date("2025-01-01T00:00:00Z");
    const first = await ensurePki({ dir, hosts: [], now: start });
    const at300 = await ensurePki({ dir, hosts: [], now: new Date(start.getTime() + 300 * DAY) });
    expect(at300.certPem).toBe(first.certPem);
    const at340 = await ensurePki({ dir, hosts: [], now: new Date(start.getTime() + 340 * DAY) });
    expect(at340.certPem).not.toBe(first.certPem);
    expect(at340.caCertPem).toBe(first.caCertPem);
  });

  it("re-issues a serving cert that is damaged, or whose key does not match", async () => {
    const first = await ensurePki({ dir, hosts: [] });
    writeFileSync(join(dir, PKI_FILES.cert), "garbage");
    const repaired = await ensurePki({ dir, hosts: [] });
    expect(await signedBy(repaired.certPem, first.caCertPem, new Date())).toBe(true);
    writeFileSync(join(dir, PKI_FILES.key), first.caKeyPem);
    const again = await ensurePki({ dir, hosts: [] });
    expect(again.keyPem).not.toBe(first.caKeyPem);
  });

  it("refuses to replace a half-present or mismatched CA (kubeconfigs pin it)", async () => {
    const first = await ensurePki({ dir, hosts: [] });
    rmSync(join(dir, PKI_FILES.caKey));
    await expect(ensurePki({ dir, hosts: [] })).rejects.toThrow(/only one of ca.crt and ca.key/);
    writeFileSync(join(dir, PKI_FILES.caKey), first.keyPem);
    await expect(ensurePki({ dir, hosts: [] })).rejects.toThrow(/does not belong/);
  });

  it("rejects a host that is neither an IP nor a DNS name", async () => {
    await expect(ensurePki({ dir, hosts: ["not a host"] })).rejects.toThrow(/invalid certificate host "not a host"/);
  });
});
