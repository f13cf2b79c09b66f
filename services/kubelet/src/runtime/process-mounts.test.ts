import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { findMountTools, MOUNTS_UNSUPPORTED } from "./process-mounts.ts";
import { ProcessRuntime, ProcessRuntimeError } from "./process.ts";
import type { ContainerConfig, PodRef } from "./types.ts";

const pod: PodRef = { uid: "uid-m", namespace: "default", name: "mounts" };

/** Root with util-linux, and a kernel that lets us make a mount namespace here (not in every container). */
function canMount(): boolean {
  const tools = findMountTools();
  return tools !== undefined && spawnSync(tools.unshare, ["--mount", "--propagation", "slave", "true"]).status === 0;
}
const mountable = canMount();

const dirs: string[] = [];
const runtimes: ProcessRuntime[] = [];

function tmp(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

async function newRuntime(opts: { bindMounts?: boolean } = {}): Promise<ProcessRuntime> {
  const rt = await ProcessRuntime.create({ rootDir: tmp("flotilla-process-"), nodeIp: "10.0.0.7", ...opts });
  runtimes.push(rt);
  return rt;
}

afterEach(async () => {
  for (const rt of runtimes.splice(0)) {
    for (const c of await rt.listContainers()) if (c.status.state === "running") await rt.stopContainer(c.id, 0);
    await rt.close();
  }
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const config = (command: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig => ({ name: "main", image: "", command, args: [], env: {}, ...extra });

async function readAll(stream: Readable): Promise<string> {
  let out = "";
  for await (const chunk of stream) out += String(chunk);
  return out;
}

async function logsUntil(rt: ProcessRuntime, id: string, marker: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = await readAll(await rt.logs(id, {}));
    if (text.includes(marker) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("process runtime volume mounts", () => {
  it.skipIf(!mountable)("process runtime: a container sees its mounts at their mountPaths, the host does not, read-only refuses writes, exec sees them", async () => {
    const rt = await newRuntime();
    expect(rt.supportsMounts).toBe(true);
    const secrets = tmp("flotilla-vol-sa-");
    fs.writeFileSync(path.join(secrets, "token"), "secret-token");
    const data = tmp("flotilla-vol-data-");
    const base = path.join(tmp("flotilla-target-"), "var/run");
    const sa = path.join(base, "sa");
    const work = path.join(base, "data");
    // Children listed first: the runtime must mount the parent before the one inside it.
    const mounts = [
      { hostPath: secrets, containerPath: path.join(work, "conf"), readOnly: true },
      { hostPath: secrets, containerPath: sa, readOnly: true },
      { hostPath: data, containerPath: work, readOnly: false },
    ];
    const script = 'cat "$SA/token"; echo; pwd; cat conf/token; echo; echo hello > out; echo x > "$SA/new" || echo ro-refused; echo ready; sleep 30';
    const c = await rt.startContainer(pod, config(["sh", "-c", script], { env: { SA: sa }, workingDir: work, mounts }), 0);
    const logs = await logsUntil(rt, c.id, "ready");
    expect(logs).toMatch(new RegExp(`^secret-token\\n${work}\\nsecret-token\\n(.*Read-only file system\\n)?ro-refused\\nready\\n$`));
    // The writable volume got the container's file; the read-only one did not.
    expect(fs.readFileSync(path.join(data, "out"), "utf8")).toBe("hello\n");
    expect(fs.existsSync(path.join(secrets, "new"))).toBe(false);
    // On the host the mount points are empty directories, and nothing is mounted there.
    expect(fs.readdirSync(sa)).toEqual([]);
    expect(fs.readdirSync(work)).toEqual([]);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(base);

    const cat = await rt.exec(c.id, ["cat", path.join(sa, "token")], { stdin: false, tty: false });
    expect(await Promise.all([readAll(cat.stdout), cat.exit])).toEqual(["secret-token", 0]);
    const pwd = await rt.exec(c.id, ["sh", "-c", "pwd; ls"], { stdin: false, tty: false });
    expect(await Promise.all([readAll(pwd.stdout), pwd.exit])).toEqual([`${work}\nconf\nout\n`, 0]);
    const tty = await rt.exec(c.id, ["cat", path.join(sa, "token")], { stdin: false, tty: true });
    expect(await Promise.all([readAll(tty.stdout), tty.exit])).toEqual(["secret-token", 0]);
    const missing = await rt.exec(c.id, ["no-such-command"], { stdin: false, tty: false });
    expect(await missing.exit).toBe(127);
  });

  it.skipIf(!mountable)("process runtime: a mount point that cannot be made fails the start with the reason, leaving no attempt", async () => {
    const rt = await newRuntime();
    const src = tmp("flotilla-vol-");
    const file = path.join(tmp("flotilla-target-"), "a-file");
    fs.writeFileSync(file, "");
    const bad = rt.startContainer(pod, config(["true"], { mounts: [{ hostPath: src, containerPath: path.join(file, "sub"), readOnly: false }] }), 0);
    await expect(bad).rejects.toMatchObject({ code: "StartFailed", message: expect.stringContaining(`could not create the mount point ${file}/sub`) });
    expect(await rt.listContainers()).toEqual([]);
    const gone = rt.startContainer(pod, config(["true"], { mounts: [{ hostPath: path.join(src, "missing"), containerPath: "/x", readOnly: false }] }), 0);
    await expect(gone).rejects.toMatchObject({ code: "InvalidConfig", message: expect.stringContaining("does not exist") });
  });

  it("process runtime: without mount support a container with mounts is refused with a clear message", async () => {
    const rt = await newRuntime({ bindMounts: false });
    expect(rt.supportsMounts).toBe(false);
    const err = await rt.startContainer(pod, config(["true"], { mounts: [{ hostPath: "/tmp", containerPath: "/mnt/x", readOnly: true }] }), 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessRuntimeError);
    expect((err as ProcessRuntimeError).code).toBe("InvalidConfig");
    expect((err as Error).message).toContain(MOUNTS_UNSUPPORTED);
  });
});
