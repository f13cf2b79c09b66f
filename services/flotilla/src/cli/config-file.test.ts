import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, Option } from "commander";
import { applyConfigFile } from "./config-file.ts";

const dir = mkdtempSync(join(tmpdir(), "flotilla-cfg-"));
afterEach(() => delete process.env["TEST_FLOTILLA_PORT"]);

function command(): Command {
  return new Command("server")
    .exitOverride()
    .addOption(new Option("--port <port>").env("TEST_FLOTILLA_PORT").default("6443"))
    .addOption(new Option("--data-dir <dir>").default("/var/lib/flotilla"))
    .action(() => {});
}

function file(text: string): string {
  const p = join(dir, `c${Math.random()}.yaml`);
  writeFileSync(p, text);
  return p;
}

describe("settings precedence", () => {
  it("a flag beats the environment, which beats the file, which beats the default", async () => {
    const cfg = file("port: 7000\ndata-dir: /srv/flotilla\n");
    const c1 = command().parse(["--port", "9000"], { from: "user" });
    process.env["TEST_FLOTILLA_PORT"] = "8000";
    await applyConfigFile(c1, cfg);
    expect(c1.opts()).toEqual({ port: "9000", dataDir: "/srv/flotilla" });
    const c2 = command().parse([], { from: "user" });
    await applyConfigFile(c2, cfg);
    expect(c2.opts()["port"]).toBe("8000");
    delete process.env["TEST_FLOTILLA_PORT"];
    const c3 = command().parse([], { from: "user" });
    await applyConfigFile(c3, cfg);
    expect(c3.opts()["port"]).toBe(7000);
  });

  it("an unknown setting or a file that is not a mapping is a clear error", async () => {
    await expect(applyConfigFile(command().parse([], { from: "user" }), file("prot: 1\n"))).rejects.toThrow(/unknown setting "prot"/);
    await expect(applyConfigFile(command().parse([], { from: "user" }), file("- a\n"))).rejects.toThrow(/must be a YAML mapping/);
    await expect(applyConfigFile(command().parse([], { from: "user" }), join(dir, "missing.yaml"))).rejects.toThrow(/cannot read config file/);
  });
});

process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
