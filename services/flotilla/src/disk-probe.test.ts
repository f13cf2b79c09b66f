import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { probeFsync } from "./disk-probe.ts";

const dir = mkdtempSync(join(tmpdir(), "flotilla-fsync-probe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("store disk probe", () => {
  it("measures fsync in the directory and leaves nothing behind", async () => {
    const p = await probeFsync(dir, 4);
    expect(p.p50Us).toBeGreaterThan(0);
    expect(p.maxUs).toBeGreaterThanOrEqual(p.p50Us);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("fails on a directory that does not exist", async () => {
    await expect(probeFsync(join(dir, "missing"))).rejects.toThrow(/ENOENT/);
  });
});
