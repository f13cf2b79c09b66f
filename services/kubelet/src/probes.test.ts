import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerObject } from "@flotilla/api";
import { ContainerProber, runProbe, type ProbeKind, type ProbeSpec, type ProbeState, type ProbeTarget } from "./probes.ts";
import type { ExecSession, Runtime } from "./runtime/types.ts";

/** What a scripted exec does: exit with a code (after delayMs), or never exit until killed. */
interface Step { code: number | "never"; out?: string; delayMs?: number }

/** A runtime whose exec follows a script per command name; probes use nothing else of it. */
function fakeRuntime(script: (command: string, call: number) => Step) {
  const calls: string[] = [];
  const killed: string[] = [];
  let active = 0;
  let maxActive = 0;
  const exec = async (_id: string, command: readonly string[]): Promise<ExecSession> => {
    const name = command.join(" ");
    const step = script(name, calls.filter((c) => c === name).length);
    calls.push(name);
    active++;
    maxActive = Math.max(maxActive, active);
    let finish: (code: number) => void = () => undefined;
    const exit = new Promise<number>((resolve) => {
      finish = (code) => {
        active--;
        resolve(code);
      };
    });
    if (step.code !== "never") setTimeout(finish, step.delayMs ?? 0, step.code);
    return {
      stdout: Readable.from(step.out ? [Buffer.from(step.out)] : []),
      stderr: Readable.from([]),
      exit,
      kill: () => {
        killed.push(name);
        finish(137);
      },
    };
  };
  const runtime = { name: "process", exec } as unknown as Runtime;
  return { runtime, calls, killed, maxActive: () => maxActive };
}

/** A script that plays a list of exit codes for each command, repeating the last. */
const codes = (byCommand: Record<string, number[]>) => (command: string, call: number): Step => {
  const list = byCommand[command] ?? [0];
  return { code: list[Math.min(call, list.length - 1)] ?? 0 };
};

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function target(runtime: Runtime, ports: ProbeTarget["containerPorts"] = []): ProbeTarget {
  return { podIp: "127.0.0.1", runtime, containerId: "c1", containerPorts: ports };
}

const execProbe = (cmd: string, extra: Partial<ProbeSpec> = {}): ProbeSpec => ({ exec: { command: cmd.split(" ") }, periodSeconds: 1, timeoutSeconds: 5, ...extra });

/** A prober on the fake runtime whose probe "second" lasts 10 ms, recording every change. */
function prober(container: Partial<ContainerObject>, runtime: Runtime, secondsMs = 10) {
  const changes: { kind: ProbeKind; state: ProbeState }[] = [];
  const p = new ContainerProber({
    container: { name: "app", ...container },
    target: target(runtime),
    onChange: (kind, state) => changes.push({ kind, state }),
    secondsMs,
  });
  return { p, changes };
}

let status = 200;
let lastRequest: http.IncomingMessage | undefined;
let server: http.Server;
let port = 0;
let hanging: http.Server;
let hangingPort = 0;
let tcp: net.Server;
let tcpPort = 0;
let closedPort = 0;

const listen = async (s: net.Server): Promise<number> => {
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return (s.address() as AddressInfo).port;
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    lastRequest = req;
    if (status >= 300 && status < 400) res.setHeader("location", "http://other.invalid/elsewhere");
    res.writeHead(status).end("body");
  });
  port = await listen(server);
  // Accepts requests and never answers them, to exercise timeouts.
  hanging = http.createServer(() => undefined);
  hangingPort = await listen(hanging);
  tcp = net.createServer((s) => s.destroy());
  tcpPort = await listen(tcp);
  const gone = net.createServer();
  closedPort = await listen(gone);
  await new Promise((r) => gone.close(r));
});

afterAll(async () => {
  hanging.closeAllConnections();
  await Promise.all([server, hanging, tcp].map((s) => new Promise((r) => s.close(r))));
});

describe("runProbe", () => {
  const { runtime } = fakeRuntime(() => ({ code: 0 }));

  it("probes: an HTTP probe passes on 200 and fails on 500 with the status in the message", async () => {
    status = 200;
    expect(await runProbe({ httpGet: { port } }, target(runtime), 1000)).toMatchObject({ ok: true });
    status = 500;
    expect(await runProbe({ httpGet: { port } }, target(runtime), 1000)).toEqual({ ok: false, message: "HTTP probe failed with statuscode: 500" });
    status = 200;
  });

  it("probes: an HTTP probe sends its path and headers and counts a redirect elsewhere as success without following it", async () => {
    status = 302;
    const probe: ProbeSpec = { httpGet: { port, path: "healthz?full=1", httpHeaders: [{ name: "X-Check", value: "yes" }] } };
    expect(await runProbe(probe, target(runtime), 1000)).toMatchObject({ ok: true });
    expect(lastRequest?.url).toBe("/healthz?full=1");
    expect(lastRequest?.headers["x-check"]).toBe("yes");
    expect(lastRequest?.headers["user-agent"]).toMatch(/^kube-probe\//);
    status = 200;
  });

  it("probes: a TCP probe passes when something listens and fails with connection refused otherwise", async () => {
    expect(await runProbe({ tcpSocket: { port: tcpPort } }, target(runtime), 1000)).toMatchObject({ ok: true });
    expect(await runProbe({ tcpSocket: { port: closedPort } }, target(runtime), 1000)).toEqual({ ok: false, message: `dial tcp 127.0.0.1:${closedPort}: connect: connection refused` });
    const viaHttp = await runProbe({ httpGet: { port: closedPort } }, target(runtime), 1000);
    expect(viaHttp.message).toBe(`Get "http://127.0.0.1:${closedPort}/": dial tcp 127.0.0.1:${closedPort}: connect: connection refused`);
  });

  it("probes: an exec probe passes on exit 0 and fails otherwise with the command and at most 1 KiB of its output", async () => {
    const fake = fakeRuntime((cmd) => (cmd === "true" ? { code: 0 } : { code: 1, out: cmd.startsWith("cat") ? "cat: /tmp/healthy: No such file" : "x".repeat(5000) }));
    expect(await runProbe({ exec: { command: ["true"] } }, target(fake.runtime), 1000)).toMatchObject({ ok: true });
    expect(await runProbe({ exec: { command: ["cat", "/tmp/healthy"] } }, target(fake.runtime), 1000)).toEqual({
      ok: false,
      message: 'command "cat /tmp/healthy" exited with 1: cat: /tmp/healthy: No such file',
    });
    const long = await runProbe({ exec: { command: ["noisy"] } }, target(fake.runtime), 1000);
    expect(long.message).toBe(`command "noisy" exited with 1: ${"x".repeat(1024)}`);
  });

  it("probes: a probe that times out fails, and a timed-out exec is killed", async () => {
    const began = Date.now();
    const r = await runProbe({ httpGet: { port: hangingPort } }, target(runtime), 100);
    expect(r.ok).toBe(false);
    expect(r.message).toContain("context deadline exceeded");
    expect(Date.now() - began).toBeLessThan(1000);
    const fake = fakeRuntime(() => ({ code: "never" }));
    expect(await runProbe({ exec: { command: ["sleep", "60"] } }, target(fake.runtime), 50)).toEqual({ ok: false, message: 'command "sleep 60" timed out' });
    expect(fake.killed).toEqual(["sleep 60"]);
  });

  it("probes: named ports resolve through the container's ports", async () => {
    const ports = [{ name: "web", containerPort: port }, { name: "db", containerPort: tcpPort }];
    expect(await runProbe({ httpGet: { port: "web" } }, target(runtime, ports), 1000)).toMatchObject({ ok: true });
    expect(await runProbe({ tcpSocket: { port: "db" } }, target(runtime, ports), 1000)).toMatchObject({ ok: true });
    expect(await runProbe({ tcpSocket: { port: String(tcpPort) } }, target(runtime, ports), 1000)).toMatchObject({ ok: true });
    expect(await runProbe({ httpGet: { port: "nope" } }, target(runtime, ports), 1000)).toEqual({ ok: false, message: 'port name "nope" not found in the container\'s ports' });
  });

  it("probes: a gRPC probe fails with a message saying it is unsupported", async () => {
    const r = await runProbe({ grpc: { port } }, target(runtime), 1000);
    expect(r).toMatchObject({ ok: false });
    expect(r.message).toMatch(/gRPC probes are not supported/);
  });
});

describe("ContainerProber", () => {
  it("probes: liveness fails only after failureThreshold consecutive failures, once, then stops probing", async () => {
    const fake = fakeRuntime(codes({ live: [1, 1, 0, 1, 1, 1] }));
    const { p, changes } = prober({ livenessProbe: execProbe("live", { failureThreshold: 3 }) }, fake.runtime);
    p.start();
    await waitFor(() => changes.length > 0);
    expect(fake.calls).toHaveLength(6);
    expect(changes).toEqual([{ kind: "liveness", state: { healthy: false, message: 'Liveness probe failed: command "live" exited with 1' } }]);
    expect(p.live).toBe(false);
    await sleep(60);
    expect(fake.calls).toHaveLength(6);
    p.stop();
  });

  it("probes: readiness starts false and flips with the probe", async () => {
    status = 200;
    const { runtime } = fakeRuntime(() => ({ code: 0 }));
    const { p, changes } = prober({ readinessProbe: { httpGet: { port }, periodSeconds: 1, timeoutSeconds: 20, failureThreshold: 2 } }, runtime);
    expect(p.ready).toBe(false);
    p.start();
    expect(p.ready).toBe(false);
    await waitFor(() => p.ready);
    status = 500;
    await waitFor(() => !p.ready);
    status = 200;
    await waitFor(() => p.ready);
    p.stop();
    expect(changes.map((c) => [c.kind, c.state.healthy])).toEqual([["readiness", true], ["readiness", false], ["readiness", true]]);
    expect(changes[1]?.state.message).toBe("Readiness probe failed: HTTP probe failed with statuscode: 500");
  });

  it("probes: readiness needs successThreshold consecutive successes; no probes means ready, started and live", async () => {
    const fake = fakeRuntime(codes({ ready: [0, 1, 0, 0, 0] }));
    const { p, changes } = prober({ readinessProbe: execProbe("ready", { successThreshold: 3 }) }, fake.runtime);
    p.start();
    await waitFor(() => p.ready);
    expect(fake.calls).toHaveLength(5);
    expect(changes).toHaveLength(1);
    p.stop();
    const none = prober({}, fake.runtime).p;
    expect([none.ready, none.started, none.live]).toEqual([true, true, true]);
  });

  it("probes: liveness and readiness wait for the startup probe", async () => {
    const fake = fakeRuntime(codes({ startup: [1, 1, 0], live: [0], ready: [0] }));
    const { p, changes } = prober({
      startupProbe: execProbe("startup", { failureThreshold: 5 }),
      livenessProbe: execProbe("live"),
      readinessProbe: execProbe("ready"),
    }, fake.runtime);
    p.start();
    expect(p.started).toBe(false);
    await waitFor(() => p.ready && fake.calls.includes("live"));
    p.stop();
    expect(fake.calls.slice(0, 3)).toEqual(["startup", "startup", "startup"]);
    expect(fake.calls.slice(3)).not.toContain("startup");
    expect(p.started).toBe(true);
    expect(changes.map((c) => [c.kind, c.state.healthy])).toEqual([["startup", true], ["readiness", true]]);
  });

  it("probes: a startup probe failing past its threshold is reported like a liveness failure and liveness never runs", async () => {
    const fake = fakeRuntime(codes({ startup: [1] }));
    const { p, changes } = prober({ startupProbe: execProbe("startup", { failureThreshold: 2 }), livenessProbe: execProbe("live") }, fake.runtime);
    p.start();
    await waitFor(() => changes.length > 0);
    await sleep(40);
    expect(changes).toEqual([{ kind: "startup", state: { healthy: false, message: 'Startup probe failed: command "startup" exited with 1' } }]);
    expect(fake.calls).toEqual(["startup", "startup"]);
    expect([p.started, p.live]).toEqual([false, false]);
    p.stop();
  });

  it("probes: a probe slower than its period never overlaps itself", async () => {
    const fake = fakeRuntime(() => ({ code: 0, delayMs: 30 }));
    const { p } = prober({ livenessProbe: execProbe("slow", { timeoutSeconds: 10 }) }, fake.runtime);
    p.start();
    await waitFor(() => fake.calls.length >= 4);
    p.stop();
    expect(fake.maxActive()).toBe(1);
  });

  it("probes: initialDelaySeconds delays the first check, periodSeconds spaces the next, and stop clears every timer", async () => {
    const pending = new Map<number, { fn: () => void; ms: number }>();
    let next = 0;
    const fake = fakeRuntime(() => ({ code: 0 }));
    const p = new ContainerProber({
      container: { name: "app", livenessProbe: execProbe("live", { initialDelaySeconds: 5, periodSeconds: 7 }), readinessProbe: { exec: { command: ["ready"] } } },
      target: target(fake.runtime),
      onChange: () => undefined,
      now: () => 1_000_000,
      setTimer: (fn, ms) => {
        pending.set(++next, { fn, ms });
        return next;
      },
      clearTimer: (h) => pending.delete(h as number),
    });
    p.start();
    expect([...pending.values()].map((t) => t.ms)).toEqual([5000, 0]);
    const [liveId, live] = [...pending.entries()][0] ?? [];
    pending.delete(liveId ?? 0);
    live?.fn();
    await waitFor(() => pending.size === 2);
    expect([...pending.values()].map((t) => t.ms)).toEqual([0, 7000]);
    expect(fake.calls).toEqual(["live"]);
    p.stop();
    expect(pending.size).toBe(0);
  });
});
