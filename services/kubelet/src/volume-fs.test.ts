import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { prepareHostPath, removeTree, resolveSubPath } from "./volume-fs.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-volfs-"));
  dirs.push(d);
  return d;
}

describe("volume filesystem steps", () => {
  it("removeTree: deletes the tree but never follows a symlink out of it", async () => {
    const outside = tmp();
    fs.writeFileSync(path.join(outside, "precious"), "keep");
    const root = path.join(tmp(), "pod");
    fs.mkdirSync(path.join(root, "volumes/a/b"), { recursive: true });
    fs.writeFileSync(path.join(root, "volumes/a/b/f"), "x");
    fs.symlinkSync(outside, path.join(root, "volumes/a/link-to-dir"));
    fs.symlinkSync(path.join(outside, "precious"), path.join(root, "volumes/link-to-file"));
    expect(await removeTree(root)).toEqual([]);
    expect(fs.existsSync(root)).toBe(false);
    expect(fs.readFileSync(path.join(outside, "precious"), "utf8")).toBe("keep");
    expect(await removeTree(root)).toEqual([]); // already gone: fine
  });

  it("hostPath: DirectoryOrCreate creates, Directory and File check the kind, no type checks nothing", async () => {
    const base = tmp();
    const made = path.join(base, "new/dir");
    await prepareHostPath("v", made, "DirectoryOrCreate");
    expect(fs.statSync(made).isDirectory()).toBe(true);
    await prepareHostPath("v", made, "Directory");
    await expect(prepareHostPath("v", path.join(base, "absent"), "Directory")).rejects.toThrow(`hostPath type check failed: ${base}/absent does not exist`);
    fs.writeFileSync(path.join(base, "file"), "data");
    await expect(prepareHostPath("v", path.join(base, "file"), "Directory")).rejects.toThrow("is not a directory");
    await prepareHostPath("v", path.join(base, "file"), "File");
    await prepareHostPath("v", path.join(base, "file"), "FileOrCreate");
    expect(fs.readFileSync(path.join(base, "file"), "utf8")).toBe("data"); // never truncated
    await prepareHostPath("v", path.join(base, "absent"), "");
    await expect(prepareHostPath("v", base, "Weird")).rejects.toThrow('hostPath type "Weird" is not one of');
    await expect(prepareHostPath("v", "relative", "")).rejects.toThrow("must be an absolute path");
  });

  it("subPath: resolves inside the volume, creates a missing one only when allowed, refuses escapes through symlinks", async () => {
    const vol = path.join(tmp(), "vol");
    fs.mkdirSync(path.join(vol, "..data/conf"), { recursive: true });
    fs.writeFileSync(path.join(vol, "..data/conf/app.conf"), "x");
    fs.symlinkSync("..data/conf", path.join(vol, "conf"));
    expect(await resolveSubPath(vol, "conf/app.conf", false)).toBe(path.join(fs.realpathSync(vol), "..data/conf/app.conf"));
    await expect(resolveSubPath(vol, "missing", false)).rejects.toThrow("does not exist in the volume");
    expect(await resolveSubPath(vol, "logs/web-1", true)).toBe(path.join(fs.realpathSync(vol), "logs/web-1"));
    const outside = tmp();
    fs.symlinkSync(outside, path.join(vol, "escape"));
    await expect(resolveSubPath(vol, "escape", true)).rejects.toThrow("resolves outside its volume");
    await expect(resolveSubPath(vol, "escape/new-dir", true)).rejects.toThrow("resolves outside its volume");
    expect(fs.readdirSync(outside)).toEqual([]);
    await expect(resolveSubPath(vol, "../x", true)).rejects.toThrow("without '..'");
  });
});
