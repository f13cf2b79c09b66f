import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeAtomic, type FileProjection } from "./volume-atomic-writer.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-atomic-"));
  dirs.push(d);
  return d;
}

const payload = (files: Record<string, string>, mode = 0o644): Map<string, FileProjection> => new Map(Object.entries(files).map(([k, v]) => [k, { data: Buffer.from(v), mode }]));
const timestamped = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n.startsWith("..") && n !== "..data");

describe("atomic writer", () => {
  it("atomic writer: files appear as links through ..data into one timestamped directory, with their modes", async () => {
    const dir = path.join(tmp(), "vol");
    expect(await writeAtomic(dir, payload({ token: "t1", "ca.crt": "CA", "sub/inner": "deep" }, 0o600))).toBe(true);
    expect(fs.readFileSync(path.join(dir, "token"), "utf8")).toBe("t1");
    expect(fs.readFileSync(path.join(dir, "sub/inner"), "utf8")).toBe("deep");
    expect(fs.readlinkSync(path.join(dir, "token"))).toBe("..data/token");
    expect(fs.statSync(path.join(dir, "token")).mode & 0o777).toBe(0o600);
    const [ts] = timestamped(dir);
    expect(ts).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.[0-9a-f]+$/);
    expect(fs.readlinkSync(path.join(dir, "..data"))).toBe(ts);
  });

  it("atomic writer: an update shows the new content, removes the old directory and links of dropped files", async () => {
    const dir = path.join(tmp(), "vol");
    await writeAtomic(dir, payload({ token: "t1", old: "x" }));
    const [first] = timestamped(dir);
    expect(await writeAtomic(dir, payload({ token: "t2", extra: "y" }))).toBe(true);
    expect(fs.readFileSync(path.join(dir, "token"), "utf8")).toBe("t2");
    expect(fs.readFileSync(path.join(dir, "extra"), "utf8")).toBe("y");
    expect(fs.existsSync(path.join(dir, "old"))).toBe(false);
    const after = timestamped(dir);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(first);
    expect(fs.readdirSync(dir).sort()).toEqual(["..data", after[0], "extra", "token"].sort());
  });

  it("atomic writer: the same payload again writes nothing; a changed mode does", async () => {
    const dir = path.join(tmp(), "vol");
    await writeAtomic(dir, payload({ a: "1" }));
    const [first] = timestamped(dir);
    expect(await writeAtomic(dir, payload({ a: "1" }))).toBe(false);
    expect(timestamped(dir)).toEqual([first]);
    expect(await writeAtomic(dir, payload({ a: "1" }, 0o400))).toBe(true);
    expect(fs.statSync(path.join(dir, "a")).mode & 0o777).toBe(0o400);
  });

  it("atomic writer: a reader never sees a half-written or missing file during updates", async () => {
    const dir = path.join(tmp(), "vol");
    const big = (n: number): string => String(n).repeat(200_000);
    await writeAtomic(dir, payload({ token: big(0) }));
    let done = false;
    const seen = new Set<string>();
    const reader = (async () => {
      while (!done) {
        const text = fs.readFileSync(path.join(dir, "token"), "utf8");
        seen.add(text.length === 200_000 && /^(\d)\1*$/.test(text) ? "whole" : `torn:${text.length}`);
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 1; i <= 9; i++) await writeAtomic(dir, payload({ token: big(i) }));
    done = true;
    await reader;
    expect([...seen]).toEqual(["whole"]);
    expect(timestamped(dir)).toHaveLength(1);
  });

  it("atomic writer: a stale directory or temporary link left by a crash is cleaned up; bad paths are refused", async () => {
    const dir = path.join(tmp(), "vol");
    fs.mkdirSync(path.join(dir, "..2020_01_01_00_00_00.dead"), { recursive: true });
    fs.symlinkSync("..2020_01_01_00_00_00.dead", path.join(dir, "..data_tmp"));
    await writeAtomic(dir, payload({ a: "1" }));
    expect(timestamped(dir)).toHaveLength(1);
    expect(fs.existsSync(path.join(dir, "..data_tmp"))).toBe(false);
    for (const bad of ["/abs", "../up", "a/../../b", "..hidden", "a//b"]) {
      await expect(writeAtomic(dir, payload({ [bad]: "x" }))).rejects.toMatchObject({ name: "PayloadPathError" });
    }
    expect(fs.readFileSync(path.join(dir, "a"), "utf8")).toBe("1");
  });
});
