/**
 * The docker runtime against a real Docker daemon. Skipped (with the reason as the test
 * name) where no daemon answers on /var/run/docker.sock, or busybox or the docker CLI is
 * missing. The test image is built from Debian's static busybox (FROM scratch, applets
 * as symlinks); the sandbox image gets a test-only tag and is removed first, so the
 * runtime's own build of it (POST /build) runs every time.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerClient } from "./docker-client.ts";
import { defaultPullPolicy, parseImageRef } from "./docker-images.ts";
import { Demuxer } from "./docker-stream.ts";
import { DockerRuntime, DockerRuntimeError } from "./docker.ts";
import { buildBusyboxImage, dockerSkipReason } from "../../../../test/support/docker.ts";
import type { ContainerConfig, PodRef, RuntimeContainer } from "./types.ts";

const IMAGE = "flotilla-test/busybox:1";
const SANDBOX_IMAGE = "flotilla-test/pause:1";
const NAMESPACE = "flotilla-docker-test";
const dockerOk = await DockerRuntime.available();
const skipReason = dockerOk ? dockerSkipReason() : "no Docker daemon answers on /var/run/docker.sock";

function buildTestImage(): void {
  buildBusyboxImage(IMAGE);
}

const runId = Math.random().toString(16).slice(2, 10);
const podRef = (name: string): PodRef => ({ uid: `${name}-${runId}`, namespace: NAMESPACE, name });

const config = (name: string, command: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig => ({
  name,
  image: IMAGE,
  command,
  args: [],
  env: {},
  ...extra,
});

const runtimes: DockerRuntime[] = [];
const exits = new Map<string, PromiseWithResolvers<RuntimeContainer>>();

function exitSlot(id: string): PromiseWithResolvers<RuntimeContainer> {
  let slot = exits.get(id);
  if (!slot) exits.set(id, (slot = Promise.withResolvers<RuntimeContainer>()));
  return slot;
}
const nextExit = (id: string): Promise<RuntimeContainer> => exitSlot(id).promise;

async function newRuntime(): Promise<DockerRuntime> {
  const rt = await DockerRuntime.create({ sandboxImage: SANDBOX_IMAGE });
  rt.onExit((c) => exitSlot(c.id).resolve(c));
  runtimes.push(rt);
  return rt;
}

async function readAll(stream: Readable | undefined): Promise<string> {
  let out = "";
  for await (const chunk of stream ?? []) out += String(chunk);
  return out;
}

/** Wait until the container's logs contain `text` (a process is ready once it says so). */
async function waitForLog(rt: DockerRuntime, id: string, text: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await readAll(await rt.logs(id, {}))).includes(text)) return;
    await sleep(50);
  }
  throw new Error(`${id} never logged ${text}`);
}

async function removeTestContainers(): Promise<void> {
  const client = new DockerClient();
  try {
    for (const c of await client.containerList([`io.flotilla.pod.namespace=${NAMESPACE}`])) await client.containerRemove(c.Id, { force: true });
  } finally {
    client.close();
  }
}

describe("docker runtime helpers", () => {
  it("docker runtime: multiplexed frames are split even when they span chunks", () => {
    const frame = (stream: number, text: string): Buffer => {
      const h = Buffer.alloc(8);
      h[0] = stream;
      h.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([h, Buffer.from(text)]);
    };
    const got: string[] = [];
    const d = new Demuxer((s, p) => got.push(`${s}:${p.toString()}`));
    const all = Buffer.concat([frame(1, "out"), frame(2, "err"), frame(1, "more")]);
    const cuts = [0, 3, 10, 17, all.length]; // inside a header, inside a payload, across frames
    for (let i = 1; i < cuts.length; i++) d.push(all.subarray(cuts[i - 1], cuts[i]));
    expect(got).toEqual(["stdout:out", "stderr:err", "stdout:more"]);
    expect(d.leftover).toBe(0);
  });

  it("docker runtime: image references and default pull policies follow Kubernetes", () => {
    expect(parseImageRef("localhost:5000/app")).toEqual({ repository: "localhost:5000/app", tag: undefined });
    expect(parseImageRef("app:1.2@sha256:abc")).toEqual({ repository: "app:1.2", tag: "sha256:abc" });
    expect(parseImageRef("reg.io/a/b:v1")).toEqual({ repository: "reg.io/a/b", tag: "v1" });
    expect([defaultPullPolicy("app"), defaultPullPolicy("app:latest"), defaultPullPolicy("app:1")]).toEqual(["Always", "Always", "IfNotPresent"]);
    expect(() => parseImageRef("bad image")).toThrow(DockerRuntimeError);
  });

  it("docker runtime: a socket nobody answers on is reported clearly", async () => {
    expect(await DockerRuntime.available("/nonexistent/docker.sock")).toBe(false);
    await expect(DockerRuntime.create({ socketPath: "/nonexistent/docker.sock" })).rejects.toMatchObject({
      code: "DaemonUnavailable",
      message: expect.stringContaining("/nonexistent/docker.sock does not answer") as unknown,
    });
  });
});

if (skipReason) it.skip(`docker runtime: skipped: ${skipReason}`, () => undefined);

describe.skipIf(skipReason !== undefined)("docker runtime", { timeout: 20_000 }, () => {
  let rt: DockerRuntime;

  beforeAll(async () => {
    await removeTestContainers();
    buildTestImage();
    execFileSync("docker", ["rmi", "-f", SANDBOX_IMAGE], { stdio: "ignore" });
    rt = await newRuntime();
  }, 60_000);

  afterAll(async () => {
    for (const r of runtimes.splice(0)) await r.close();
    await removeTestContainers();
  }, 30_000);

  it("docker runtime: a container runs its command and its output is in the logs", async () => {
    const pod = podRef("logs");
    const { ip } = await rt.runPodSandbox(pod);
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(await rt.runPodSandbox(pod)).toEqual({ ip }); // idempotent: the same sandbox
    const script = 'echo "$GREETING from $(pwd) $0"; echo oops >&2; echo bye';
    const c = await rt.startContainer(pod, config("main", ["sh", "-c", script], { args: ["arg0"], env: { GREETING: "hello" }, workingDir: "/bin" }), 0);
    expect(c).toMatchObject({ containerName: "main", attempt: 0, pod });
    expect(c.id).toMatch(/^docker:\/\/[0-9a-f]{64}$/);
    expect((await nextExit(c.id)).status).toMatchObject({ state: "exited", exitCode: 0, reason: "Completed" });
    // Docker copies stdout and stderr in separate goroutines: their relative order is not kept.
    const lines = (await readAll(await rt.logs(c.id, {}))).split("\n");
    expect(lines.filter((l) => l !== "oops")).toEqual(["hello from /bin arg0", "bye", ""]);
    expect(lines).toContain("oops");
    const abc = await rt.startContainer(pod, config("abc", ["sh", "-c", "echo a; echo b; echo c"]), 0);
    await nextExit(abc.id);
    expect(await readAll(await rt.logs(abc.id, { tailLines: 1 }))).toBe("c\n");
    expect(await readAll(await rt.logs(abc.id, { limitBytes: 3 }))).toBe("a\nb");
    expect(await readAll(await rt.logs(abc.id, { sinceSeconds: 3600 }))).toBe("a\nb\nc\n");
    const ts = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z";
    expect(await readAll(await rt.logs(abc.id, { timestamps: true, tailLines: 2 }))).toMatch(new RegExp(`^${ts} b\\n${ts} c\\n$`));

    // Mounts are binds; readOnly ones refuse writes.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-mount-"));
    fs.writeFileSync(path.join(dir, "f"), "from the host\n");
    const mounts = [{ hostPath: dir, containerPath: "/data", readOnly: true }];
    const mounted = await rt.startContainer(pod, config("mounted", ["sh", "-c", "cat /data/f; (echo x > /data/g) 2>/dev/null || echo read-only"], { mounts }), 0);
    await nextExit(mounted.id);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(await readAll(await rt.logs(mounted.id, {}))).toBe("from the host\nread-only\n");

    // A follow streams lines as they come and ends when the container does.
    const slow = await rt.startContainer(pod, config("slow", ["sh", "-c", "echo one; sleep 0.5; echo two"]), 0);
    expect(await readAll(await rt.logs(slow.id, { follow: true }))).toBe("one\ntwo\n");
  });

  it("docker runtime: containers of a pod share the sandbox's network (localhost)", async () => {
    const pod = podRef("net");
    const { ip } = await rt.runPodSandbox(pod);
    const serve = "mkdir -p /www && echo pong > /www/index.html && exec httpd -f -p 8080 -h /www";
    await rt.startContainer(pod, config("server", ["sh", "-c", serve]), 0);
    const client = await rt.startContainer(pod, config("client", ["sleep", "300"]), 0);
    const fetch = (host: string): string[] => ["sh", "-c", `for i in $(seq 50); do wget -qO- http://${host}:8080/ && exit 0; sleep 0.1; done; exit 1`];
    for (const host of ["127.0.0.1", ip]) {
      const s = await rt.exec(client.id, fetch(host), { stdin: false, tty: false });
      const [out, code] = await Promise.all([readAll(s.stdout), s.exit]);
      expect({ host, out, code }).toEqual({ host, out: "pong\n", code: 0 });
    }
    await rt.removePodSandbox(pod, 1000);
    expect((await rt.listContainers()).filter((c) => c.pod.uid === pod.uid)).toEqual([]);
  });

  it("docker runtime: exit codes and OOM-free reasons are reported through onExit", async () => {
    const pod = podRef("exits");
    const ok = await rt.startContainer(pod, config("ok", ["true"]), 0);
    const bad = await rt.startContainer(pod, config("bad", ["sh", "-c", "exit 3"]), 1);
    const [okExit, badExit] = await Promise.all([nextExit(ok.id), nextExit(bad.id)]);
    expect(okExit.status).toMatchObject({ state: "exited", exitCode: 0, reason: "Completed" });
    expect(badExit).toMatchObject({ containerName: "bad", attempt: 1, status: { state: "exited", exitCode: 3, reason: "Error" } });
    if (badExit.status.state === "exited") expect(Date.parse(badExit.status.finishedAt)).toBeGreaterThanOrEqual(Date.parse(badExit.status.startedAt));
    const listed = (await rt.listContainers()).filter((c) => c.pod.uid === pod.uid);
    expect(listed.map((c) => [c.containerName, c.status.state === "exited" && c.status.exitCode]).sort()).toEqual([
      ["bad", 3],
      ["ok", 0],
    ]);
    await rt.removeContainer(ok.id);
    await expect(rt.logs(ok.id, {})).rejects.toMatchObject({ code: "NotFound" });
  });

  it("docker runtime: stopContainer sends SIGTERM, then SIGKILL after the grace period", async () => {
    const pod = podRef("stop");
    const politeScript = 'trap "echo got-term; exit 7" TERM; echo ready; while true; do sleep 0.1; done';
    const polite = await rt.startContainer(pod, config("polite", ["sh", "-c", politeScript]), 0);
    const stubborn = await rt.startContainer(pod, config("stubborn", ["sh", "-c", 'trap "" TERM; echo ready; while true; do sleep 0.1; done']), 0);
    await Promise.all([waitForLog(rt, polite.id, "ready"), waitForLog(rt, stubborn.id, "ready")]);

    let t0 = Date.now();
    await rt.stopContainer(polite.id, 10_000);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await nextExit(polite.id)).status).toMatchObject({ exitCode: 7, reason: "Error" });
    expect(await readAll(await rt.logs(polite.id, {}))).toContain("got-term");

    // 400 ms rounds up to Docker's whole second, then SIGKILL: 128 + 9.
    t0 = Date.now();
    await rt.stopContainer(stubborn.id, 400);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect((await nextExit(stubborn.id)).status).toMatchObject({ state: "exited", exitCode: 137, reason: "Error" });
    await rt.stopContainer(stubborn.id, 0); // already stopped: a no-op
  });

  it("docker runtime: limits are applied and an out-of-memory kill is reported as OOMKilled", async () => {
    const pod = podRef("oom");
    const limits = { memoryBytes: 8 * 1024 * 1024, milliCpu: 250 };
    const c = await rt.startContainer(pod, config("hog", ["sh", "-c", 'a=x; while true; do a="$a$a"; done'], { limits }), 0);
    expect((await nextExit(c.id)).status).toMatchObject({ state: "exited", exitCode: 137, reason: "OOMKilled" });
    const client = new DockerClient();
    const info = (await client.containerInspect(c.id.slice("docker://".length)).finally(() => client.close())) as unknown as { HostConfig: Record<string, unknown> };
    expect(info.HostConfig).toMatchObject({ Memory: limits.memoryBytes, MemorySwap: limits.memoryBytes, NanoCpus: 250_000_000 });
  });

  it("docker runtime: a second runtime finds running containers again through their labels", async () => {
    const pod = podRef("adopt");
    const first = await newRuntime();
    const c = await first.startContainer(pod, config("long", ["sleep", "300"]), 2);
    await first.close();

    const second = await DockerRuntime.create({ sandboxImage: SANDBOX_IMAGE });
    runtimes.push(second);
    const seen = Promise.withResolvers<RuntimeContainer>();
    second.onExit((x) => x.id === c.id && seen.resolve(x));
    const found = (await second.listContainers()).find((x) => x.id === c.id);
    expect(found).toMatchObject({ id: c.id, pod, containerName: "long", attempt: 2, status: { state: "running" } });
    expect(await second.runPodSandbox(pod)).toEqual({ ip: expect.stringMatching(/\d+\.\d+/) as unknown });
    await second.stopContainer(c.id, 0);
    expect((await seen.promise).status).toMatchObject({ state: "exited", exitCode: 137 });
  });

  it("docker runtime: exec returns output and exit code; tty works", async () => {
    const pod = podRef("exec");
    const c = await rt.startContainer(pod, config("box", ["sleep", "300"]), 0);
    const plain = await rt.exec(c.id, ["sh", "-c", "echo out; echo err >&2; exit 5"], { stdin: false, tty: false });
    expect(await Promise.all([readAll(plain.stdout), readAll(plain.stderr), plain.exit])).toEqual(["out\n", "err\n", 5]);

    const cat = await rt.exec(c.id, ["cat"], { stdin: true, tty: false });
    cat.stdin?.end("through stdin");
    expect(await Promise.all([readAll(cat.stdout), cat.exit])).toEqual(["through stdin", 0]);

    const tty = await rt.exec(c.id, ["sh", "-c", "[ -t 1 ] && echo is-a-tty"], { stdin: false, tty: true });
    expect(tty.stderr).toBeUndefined();
    expect(await Promise.all([readAll(tty.stdout), tty.exit])).toEqual(["is-a-tty\r\n", 0]);

    const shell = await rt.exec(c.id, ["sh"], { stdin: true, tty: true });
    let seen = "";
    const output = (async () => {
      for await (const chunk of shell.stdout ?? []) seen += String(chunk);
      return seen;
    })();
    // Resize once the shell is up (its prompt shows): a resize before the exec has
    // started can be lost on a loaded machine (CI), leaving the terminal without a size.
    for (let i = 0; i < 100 && !seen.includes("# "); i++) await sleep(50);
    shell.resize?.(100, 40);
    await sleep(200);
    shell.stdin?.write("stty size; exit 4\n");
    expect(await shell.exit).toBe(4);
    expect(await output).toContain("40 100");

    // A follow of a running container ends when its caller aborts.
    const ac = new AbortController();
    const follow = readAll(await rt.logs(c.id, { follow: true, signal: ac.signal }));
    setTimeout(() => ac.abort(), 200);
    expect(await follow).toBe("");

    const stuck = await rt.exec(c.id, ["sleep", "300"], { stdin: false, tty: false });
    stuck.kill();
    expect(await stuck.exit).toBe(137);
  });

  it("docker runtime: imagePullPolicy Never with a missing image fails clearly", async () => {
    const pod = podRef("pull");
    const missing = "flotilla-test/missing:1";
    const never = await rt.startContainer(pod, config("never", ["true"], { image: missing, imagePullPolicy: "Never" }), 0).catch((e: unknown) => e);
    expect(never).toBeInstanceOf(DockerRuntimeError);
    expect(never).toMatchObject({ code: "ErrImageNeverPull", message: `container image "${missing}" is not present with pull policy of Never` });
    // IfNotPresent has to pull, and there is no registry to pull from (or no such image on one).
    const absent = await rt.startContainer(pod, config("absent", ["true"], { image: missing }), 0).catch((e: unknown) => e);
    expect(absent).toMatchObject({ code: "ErrImagePull", message: expect.stringContaining(missing) as unknown });
    // Always: the pull fails, the local copy is used.
    const always = await rt.startContainer(pod, config("always", ["true"], { imagePullPolicy: "Always" }), 0);
    expect((await nextExit(always.id)).status).toMatchObject({ exitCode: 0 });
  });

  it("docker runtime: ids that are not this runtime's containers are refused", async () => {
    await expect(rt.stopContainer("process://uid/main/0", 0)).rejects.toMatchObject({ code: "InvalidId" });
    const client = new DockerClient();
    const sandboxes = await client.containerList(["io.flotilla.role=sandbox", `io.flotilla.pod.namespace=${NAMESPACE}`]).finally(() => client.close());
    const sandbox = sandboxes[0];
    if (sandbox) await expect(rt.removeContainer(`docker://${sandbox.Id}`)).rejects.toMatchObject({ code: "NotFound" });
    await expect(rt.logs(`docker://${"0".repeat(64)}`, {})).rejects.toMatchObject({ code: "NotFound" });
  });
});
