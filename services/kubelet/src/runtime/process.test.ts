import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { ProcessRuntime, ProcessRuntimeError } from "./process.ts";
import type { ContainerConfig, PodRef, RuntimeContainer } from "./types.ts";

const pod: PodRef = { uid: "uid-1", namespace: "default", name: "web" };

const config = (name: string, command: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig => ({
  name,
  image: "",
  command,
  args: [],
  env: {},
  ...extra,
});

const dirs: string[] = [];
const runtimes: ProcessRuntime[] = [];

async function newRuntime(rootDir?: string): Promise<{ rt: ProcessRuntime; rootDir: string }> {
  const dir = rootDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-process-"));
  if (!rootDir) dirs.push(dir);
  const rt = await ProcessRuntime.create({ rootDir: dir, nodeIp: "10.0.0.7" });
  rt.onExit((c) => exitSlot(rt, c.id).resolve(c));
  runtimes.push(rt);
  return { rt, rootDir: dir };
}

/** Kill every process group a test left running, found from the state files. */
function killLeftovers(rootDir: string): void {
  const podsDir = path.join(rootDir, "pods");
  if (!fs.existsSync(podsDir)) return;
  for (const uid of fs.readdirSync(podsDir)) {
    const containers = path.join(podsDir, uid, "containers");
    if (!fs.existsSync(containers)) continue;
    for (const name of fs.readdirSync(containers)) {
      for (const attempt of fs.readdirSync(path.join(containers, name))) {
        const file = path.join(containers, name, attempt, "state.json");
        if (!fs.existsSync(file)) continue;
        const { pid } = JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number };
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  }
}

afterEach(async () => {
  for (const rt of runtimes.splice(0)) await rt.close();
  for (const dir of dirs.splice(0)) {
    killLeftovers(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Every exit a runtime reports, kept from creation on so a fast container's exit is not
// missed by a test that asks for it after startContainer returned.
const exits = new WeakMap<ProcessRuntime, Map<string, PromiseWithResolvers<RuntimeContainer>>>();

function exitSlot(rt: ProcessRuntime, id: string): PromiseWithResolvers<RuntimeContainer> {
  let byId = exits.get(rt);
  if (!byId) {
    byId = new Map();
    exits.set(rt, byId);
  }
  let slot = byId.get(id);
  if (!slot) {
    slot = Promise.withResolvers<RuntimeContainer>();
    byId.set(id, slot);
  }
  return slot;
}

const nextExit = (rt: ProcessRuntime, id: string): Promise<RuntimeContainer> => exitSlot(rt, id).promise;

async function readAll(stream: Readable): Promise<string> {
  let out = "";
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe("process runtime", () => {
  it("process runtime: a container's output is in its logs and its exit code is reported", async () => {
    const { rt, rootDir } = await newRuntime();
    expect(await rt.runPodSandbox(pod)).toEqual({ ip: "10.0.0.7" });
    expect(JSON.parse(fs.readFileSync(path.join(rootDir, "pods/uid-1/pod.json"), "utf8"))).toEqual({ namespace: "default", name: "web", uid: "uid-1" });
    const c = await rt.startContainer(pod, config("main", ["sh", "-c", "echo hello; echo oops >&2; exit 3"]), 0);
    expect(c).toMatchObject({ id: "process://uid-1/main/0", containerName: "main", attempt: 0, status: { state: "running" } });
    const exited = await nextExit(rt, c.id);
    expect(exited.status).toMatchObject({ state: "exited", exitCode: 3, reason: "Error" });
    expect(await readAll(await rt.logs(c.id, {}))).toBe("hello\noops\n");

    const ok = await rt.startContainer(pod, config("ok", ["true"]), 0);
    expect((await nextExit(rt, ok.id)).status).toMatchObject({ exitCode: 0, reason: "Completed" });
    const listed = await rt.listContainers();
    expect(listed.map((x) => [x.id, x.status.state === "exited" && x.status.exitCode]).sort()).toEqual([
      ["process://uid-1/main/0", 3],
      ["process://uid-1/ok/0", 0],
    ]);
  });

  it("process runtime: a config with neither command nor args is rejected", async () => {
    const { rt } = await newRuntime();
    const err = await rt.startContainer(pod, config("main", []), 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessRuntimeError);
    expect((err as ProcessRuntimeError).code).toBe("InvalidConfig");
    // args alone name the program, as an image-less command would.
    const c = await rt.startContainer(pod, config("args", [], { args: ["sh", "-c", "exit 5"] }), 0);
    expect((await nextExit(rt, c.id)).status).toMatchObject({ exitCode: 5 });
  });

  it("process runtime: env is exactly the config's plus PATH, and workingDir defaults to the pod directory", async () => {
    const { rt, rootDir } = await newRuntime();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-work-"));
    dirs.push(work);
    const a = await rt.startContainer(pod, config("a", ["sh", "-c", 'echo "FOO=$FOO HOME=${HOME-unset}"; pwd'], { env: { FOO: "bar" }, workingDir: work }), 0);
    const b = await rt.startContainer(pod, config("b", ["pwd"]), 0);
    await Promise.all([nextExit(rt, a.id), nextExit(rt, b.id)]);
    expect(await readAll(await rt.logs(a.id, {}))).toBe(`FOO=bar HOME=unset\n${work}\n`);
    expect(await readAll(await rt.logs(b.id, {}))).toBe(`${path.join(rootDir, "pods/uid-1")}\n`);
  });

  it("process runtime: stopContainer sends SIGTERM, then SIGKILL after the grace period", async () => {
    const { rt } = await newRuntime();
    const polite = await rt.startContainer(pod, config("polite", ["sleep", "30"]), 0);
    let t0 = Date.now();
    await rt.stopContainer(polite.id, 5000);
    expect(Date.now() - t0).toBeLessThan(2000);
    const [politeState] = (await rt.listContainers()).filter((c) => c.id === polite.id);
    expect(politeState?.status).toMatchObject({ state: "exited", exitCode: 143, reason: "Error" });

    const stubborn = await rt.startContainer(pod, config("stubborn", ["sh", "-c", 'trap "" TERM; sleep 30']), 0);
    const exit = nextExit(rt, stubborn.id);
    await new Promise((r) => setTimeout(r, 100)); // let the trap be set
    t0 = Date.now();
    await rt.stopContainer(stubborn.id, 400);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await exit).status).toMatchObject({ exitCode: 137, reason: "Error" });
    await rt.stopContainer(stubborn.id, 400); // idempotent once exited
  });

  it("process runtime: a second runtime on the same directory adopts a running container and sees it exit", async () => {
    const { rt: a, rootDir } = await newRuntime();
    const c = await a.startContainer(pod, config("main", ["sleep", "1"]), 0);
    const { rt: b } = await newRuntime(rootDir);
    const exit = nextExit(b, c.id);
    expect(await b.listContainers()).toEqual([expect.objectContaining({ id: c.id, status: c.status })]);
    const t0 = Date.now();
    const exited = await exit;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(exited.status).toMatchObject({ state: "exited", exitCode: 0, reason: "Completed" });
    // a runtime that was not there when it ended still reads the code from the exit file
    const { rt: later } = await newRuntime(rootDir);
    expect((await later.listContainers())[0]?.status).toEqual(exited.status);
  });

  it("process runtime: a second runtime can stop an adopted container", async () => {
    const { rt: a, rootDir } = await newRuntime();
    const c = await a.startContainer(pod, config("main", ["sleep", "30"]), 0);
    const { rt: b } = await newRuntime(rootDir);
    const t0 = Date.now();
    await b.stopContainer(c.id, 2000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((await b.listContainers())[0]?.status).toMatchObject({ state: "exited", exitCode: 143 });
  });

  it("process runtime: logs tailLines and follow", async () => {
    const { rt } = await newRuntime();
    const c = await rt.startContainer(pod, config("main", ["sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done"]), 0);
    await nextExit(rt, c.id);
    expect(await readAll(await rt.logs(c.id, { tailLines: 2 }))).toBe("line4\nline5\n");
    expect(await readAll(await rt.logs(c.id, { tailLines: 99 }))).toBe("line1\nline2\nline3\nline4\nline5\n");
    expect(await readAll(await rt.logs(c.id, { tailLines: 0 }))).toBe("");
    expect(await readAll(await rt.logs(c.id, { tailLines: 2, limitBytes: 3 }))).toBe("lin");

    // follow keeps reading what is appended and ends on its own once the container exits
    const slow = await rt.startContainer(pod, config("slow", ["sh", "-c", "echo first; sleep 0.5; echo second"]), 0);
    expect(await readAll(await rt.logs(slow.id, { follow: true }))).toBe("first\nsecond\n");

    // a follow on a container that does not end stops when its signal aborts
    const forever = await rt.startContainer(pod, config("forever", ["sh", "-c", "echo hi; sleep 30"]), 0);
    const ac = new AbortController();
    const stream = await rt.logs(forever.id, { follow: true, signal: ac.signal });
    setTimeout(() => ac.abort(), 400);
    expect(await readAll(stream)).toBe("hi\n");
  });

  it("process runtime: exec runs in the container's env and cwd and returns the exit code", async () => {
    const { rt } = await newRuntime();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-work-"));
    dirs.push(work);
    const c = await rt.startContainer(pod, config("main", ["sleep", "30"], { env: { FOO: "bar" }, workingDir: work }), 0);

    const s = await rt.exec(c.id, ["sh", "-c", "echo $FOO; pwd; echo err >&2; exit 4"], { stdin: false, tty: false });
    const [out, err, code] = await Promise.all([readAll(s.stdout), readAll(s.stderr as Readable), s.exit]);
    expect([out, err, code]).toEqual([`bar\n${work}\n`, "err\n", 4]);

    // A real terminal: one stream with the tty's "\r\n", isatty() true, the exit code kept.
    const tty = await rt.exec(c.id, ["sh", "-c", "echo out; echo err >&2; [ -t 1 ] && echo is-a-tty; echo \"$FOO\"; exit 3"], { stdin: false, tty: true });
    expect(tty.stderr).toBeUndefined();
    expect(await Promise.all([readAll(tty.stdout), tty.exit])).toEqual(["out\r\nerr\r\nis-a-tty\r\nbar\r\n", 3]);

    // An interactive shell whose terminal is resized before it runs `stty size`.
    const shell = await rt.exec(c.id, ["sh"], { stdin: true, tty: true });
    shell.resize?.(132, 43);
    const output = readAll(shell.stdout);
    await new Promise((r) => setTimeout(r, 300));
    shell.stdin?.write("stty size; tty; exit 4\n");
    const [text, shellCode] = await Promise.all([output, shell.exit]);
    expect(text).toContain("43 132\r\n");
    expect(text).toMatch(/\/dev\/pts\/\d+\r\n/);
    expect(shellCode).toBe(4);

    const cat = await rt.exec(c.id, ["cat"], { stdin: true, tty: false });
    cat.stdin?.end("piped\n");
    expect(await readAll(cat.stdout)).toBe("piped\n");
    expect(await cat.exit).toBe(0);

    const killed = await rt.exec(c.id, ["sleep", "30"], { stdin: false, tty: false });
    killed.kill();
    expect(await killed.exit).toBe(137);

    await rt.stopContainer(c.id, 1000);
    const refused = await rt.exec(c.id, ["true"], { stdin: false, tty: false }).catch((e: unknown) => e);
    expect((refused as ProcessRuntimeError).code).toBe("NotRunning");
  });

  it("process runtime: removeContainer refuses a running one and removePodSandbox stops and deletes everything", async () => {
    const { rt, rootDir } = await newRuntime();
    await rt.runPodSandbox(pod);
    const c = await rt.startContainer(pod, config("main", ["sleep", "30"]), 0);
    const d = await rt.startContainer(pod, config("side", ["sleep", "30"]), 0);
    const refused = await rt.removeContainer(c.id).catch((e: unknown) => e);
    expect((refused as ProcessRuntimeError).code).toBe("StillRunning");
    await rt.stopContainer(d.id, 1000);
    await rt.removeContainer(d.id);
    expect(fs.existsSync(path.join(rootDir, "pods/uid-1/containers/side/0"))).toBe(false);

    await rt.removePodSandbox(pod, 1000);
    expect(fs.existsSync(path.join(rootDir, "pods/uid-1"))).toBe(false);
    expect(await rt.listContainers()).toEqual([]);
    await expect(rt.logs(c.id, {})).rejects.toMatchObject({ code: "NotFound" });
    await expect(rt.stopContainer("docker://abc", 0)).rejects.toMatchObject({ code: "InvalidId" });
  });
});
