/**
 * Container probes, as the Kubernetes kubelet runs them: one check (`runProbe`) over
 * HTTP(S), TCP or exec, and a `ContainerProber` that schedules the startup, liveness and
 * readiness probes of one container attempt and reports the transitions that matter to
 * the pod worker (kill and restart, ready or not ready).
 */
import * as http from "node:http";
import type * as https from "node:https";
import * as net from "node:net";
import type { Readable } from "node:stream";
import type { ContainerObject } from "@flotilla/api";
import type { Logger } from "@flotilla/log";
import type { ExecSession, Runtime } from "./runtime/types.ts";

/** Which of a container's three probes. */
export type ProbeKind = "liveness" | "readiness" | "startup";

/** A probe as the pod spec gives it (`livenessProbe`, `readinessProbe` or `startupProbe`). */
export type ProbeSpec = NonNullable<ContainerObject["livenessProbe"]>;

/** Where a probe checks: the pod's IP for network probes, the container for exec. */
export interface ProbeTarget {
  podIp: string;
  runtime: Runtime;
  containerId: string;
  /** The container's declared ports, so probes can name a port instead of numbering it. */
  containerPorts: readonly { name?: string | undefined; containerPort: number }[];
}

/** The outcome of one check; `message` reads like the Kubernetes prober's. */
export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** What a prober reports on a transition: healthy, or unhealthy and why. */
export interface ProbeState {
  healthy: boolean;
  message: string;
}

/** Kubernetes gathers at most this much exec output into a probe's message. */
const MAX_OUTPUT = 1024;
/** Some applications answer probes specially by recognising the kubelet's agent prefix. */
const USER_AGENT = "kube-probe/flotilla";

const fail = (message: string): ProbeResult => ({ ok: false, message });

/**
 * Run one check of `probe` against the target, giving up after `timeoutMs`. Never
 * rejects: every problem (bad port, refused connection, timeout) is a failed result.
 */
export async function runProbe(probe: ProbeSpec, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  try {
    if (probe.exec) return await execProbe(probe.exec.command ?? [], target, timeoutMs);
    const socket = probe.httpGet ?? probe.tcpSocket;
    if (socket) {
      const port = resolvePort(socket.port, target.containerPorts);
      if (typeof port === "string") return fail(port);
      const host = socket.host || target.podIp;
      return await (probe.httpGet ? httpProbe(probe.httpGet, host, port, timeoutMs) : tcpProbe(host, port, timeoutMs));
    }
    if (probe.grpc) return fail("gRPC probes are not supported by Flotilla; use httpGet, tcpSocket or exec");
    return fail("probe has no handler (exec, httpGet or tcpSocket)");
  } catch (err) {
    return fail((err as Error).message);
  }
}

/** A port number, or a container port's name (Kubernetes also accepts a number written as a string). */
function resolvePort(port: number | string, ports: ProbeTarget["containerPorts"]): number | string {
  let n = typeof port === "number" ? port : ports.find((p) => p.name === port)?.containerPort;
  if (n === undefined) {
    if (!/^\d+$/.test(String(port))) return `port name ${JSON.stringify(port)} not found in the container's ports`;
    n = Number(port);
  }
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : `invalid port number: ${n}`;
}

function hostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Socket errors in the words Go's net package uses, which is what Kubernetes users grep for. */
const GO_ERRORS: Record<string, string> = { ECONNREFUSED: "connect: connection refused", EHOSTUNREACH: "connect: no route to host", ENETUNREACH: "connect: network is unreachable", ECONNRESET: "read: connection reset by peer", ETIMEDOUT: "i/o timeout" };
function dialError(err: NodeJS.ErrnoException, host: string): string {
  return err.code === "ENOTFOUND" ? `lookup ${host}: no such host` : (GO_ERRORS[err.code ?? ""] ?? err.message);
}

/** A timer whose promise resolves to "timeout"; always cancel() it so nothing is left pending. */
function deadline(ms: number): { promise: Promise<"timeout">; cancel(): void } {
  let handle: NodeJS.Timeout | undefined;
  const promise = new Promise<"timeout">((resolve) => {
    handle = setTimeout(() => resolve("timeout"), ms);
  });
  return { promise, cancel: () => clearTimeout(handle) };
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const where = `dial tcp ${hostPort(host, port)}`;
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (r: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done(fail(`${where}: i/o timeout`)), timeoutMs);
    socket.once("connect", () => done({ ok: true, message: `${where}: connected` }));
    socket.on("error", (err: NodeJS.ErrnoException) => done(fail(`${where}: ${dialError(err, host)}`)));
  });
}

/** Request headers: defaults first; a probe's header replaces a default of the same name, repeats add values. */
function probeHeaders(list: readonly { name: string; value: string }[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { "user-agent": USER_AGENT, accept: "*/*" };
  const seen = new Set<string>();
  for (const { name, value } of list) {
    const key = name.toLowerCase();
    const prev = headers[key];
    headers[key] = !seen.has(key) || prev === undefined ? value : [...[prev].flat(), value];
    seen.add(key);
  }
  return headers;
}

// node:https loads TLS (OpenSSL contexts, some 4 MB resident); most nodes never run an
// HTTPS probe, so it is loaded with the first one.
function httpsClient(): typeof https {
  return process.getBuiltinModule("node:https");
}

function httpProbe(g: NonNullable<ProbeSpec["httpGet"]>, host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const secure = (g.scheme ?? "HTTP").toUpperCase() === "HTTPS";
  const path = !g.path ? "/" : g.path.startsWith("/") ? g.path : `/${g.path}`;
  const url = `${secure ? "https" : "http"}://${hostPort(host, port)}${path}`;
  // One connection per check (no keep-alive, as Kubernetes) and, for HTTPS, no certificate
  // verification: probes check that the server answers, not who it is.
  const options: https.RequestOptions = { host, port, path, method: "GET", headers: probeHeaders(g.httpHeaders ?? []), agent: false };
  if (secure) options.rejectUnauthorized = false;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    // Node's client never follows redirects, so a 3xx (even to another host) is judged by
    // its status alone and counts as success, as Kubernetes does for redirects off-host.
    const req = (secure ? httpsClient() : http).request(options, (res) => {
      res.resume();
      res.on("error", () => undefined);
      const code = res.statusCode ?? 0;
      done(code >= 200 && code < 400 ? { ok: true, message: `HTTP probe succeeded with statuscode: ${code}` } : fail(`HTTP probe failed with statuscode: ${code}`));
    });
    const timer = setTimeout(() => done(fail(`Get ${JSON.stringify(url)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)), timeoutMs);
    req.on("error", (err: NodeJS.ErrnoException) => done(fail(`Get ${JSON.stringify(url)}: ${err.syscall === "connect" || err.code === "ENOTFOUND" ? `dial tcp ${hostPort(host, port)}: ` : ""}${dialError(err, host)}`)));
    req.end();
  });
}

/** Keep the first MAX_OUTPUT bytes of the streams while draining the rest, so the command never blocks on a full pipe. */
function collectOutput(streams: readonly (Readable | undefined)[]): { text(): string; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  let size = 0;
  const ends = streams.filter((s): s is Readable => s !== undefined).map((s) => new Promise<void>((resolve) => {
    s.on("data", (chunk: Buffer | string) => {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      if (size < MAX_OUTPUT) chunks.push(b.subarray(0, MAX_OUTPUT - size));
      size += b.length;
    });
    s.once("end", () => resolve());
    s.once("close", () => resolve());
    s.once("error", () => resolve());
  }));
  return { text: () => Buffer.concat(chunks).toString("utf8").trim(), ended: Promise.all(ends).then(() => undefined) };
}

function killQuietly(session: ExecSession): void {
  session.exit.catch(() => undefined);
  try {
    session.kill();
  } catch {
    // Already gone: the probe has failed either way.
  }
}

async function execProbe(command: readonly string[], target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  if (command.length === 0) return fail("exec probe has no command");
  const what = `command ${JSON.stringify(command.join(" "))}`;
  const timeout = deadline(timeoutMs);
  try {
    const opening = target.runtime.exec(target.containerId, command, { stdin: false, tty: false });
    const session = await Promise.race([opening, timeout.promise]);
    if (session === "timeout") {
      // The exec may still start after we gave up: stop it then rather than leave it running.
      opening.then(killQuietly, () => undefined);
      return fail(`${what} timed out`);
    }
    const exit = session.exit.catch((err: unknown) => err as Error);
    const output = collectOutput([session.stdout, session.stderr]);
    const code = await Promise.race([exit, timeout.promise]);
    if (code === "timeout") {
      killQuietly(session);
      return fail(`${what} timed out`);
    }
    if (code instanceof Error) return fail(`${what} failed: ${code.message}`);
    if (code === 0) return { ok: true, message: `${what} exited with 0` };
    // Output can trail the exit a little; wait for it, but never past the timeout.
    await Promise.race([output.ended, timeout.promise]);
    const text = output.text();
    return fail(`${what} exited with ${code}${text ? `: ${text}` : ""}`);
  } catch (err) {
    return fail(`${what} could not run: ${(err as Error).message}`);
  } finally {
    timeout.cancel();
  }
}

/** Options of a ContainerProber. */
export interface ContainerProberOptions {
  container: ContainerObject;
  target: ProbeTarget;
  /**
   * Transitions: startup passed or failed past its threshold, liveness failed past its
   * threshold (the container must be killed), readiness flipped. A failure of startup or
   * liveness is reported once; probing stops until the next attempt's prober.
   */
  onChange: (kind: ProbeKind, state: ProbeState) => void;
  /** Every single check's result (for events such as "Readiness probe failed"). */
  onResult?: (kind: ProbeKind, result: ProbeResult) => void;
  /** Where a throwing callback is reported. */
  log?: Logger;
  /** Clock and timers, injectable so tests can drive the schedule; default Date.now and setTimeout. */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** For tests only: the length of one probe "second" in milliseconds (default 1000). */
  secondsMs?: number;
}

/** Per-probe state: Kubernetes' consecutive-result counter and its pending timer. */
interface Loop { kind: ProbeKind; probe: ProbeSpec; last: boolean | undefined; run: number; timer: unknown }

const LABEL: Record<ProbeKind, string> = { liveness: "Liveness", readiness: "Readiness", startup: "Startup" };

/**
 * The probes of one running container attempt. The startup probe runs first; liveness
 * and readiness begin once it has passed (or at once without one). Each probe runs
 * every periodSeconds, never overlapping itself, and changes state only after
 * successThreshold / failureThreshold consecutive results, as in Kubernetes.
 */
export class ContainerProber {
  private readonly opts: ContainerProberOptions;
  private readonly now: () => number;
  private readonly setTimer: NonNullable<ContainerProberOptions["setTimer"]>;
  private readonly clearTimer: NonNullable<ContainerProberOptions["clearTimer"]>;
  private readonly secondsMs: number;
  private readonly loops: Loop[] = [];
  private startedAt = 0;
  private stopped = false;
  private isReady: boolean;
  private isStarted: boolean;
  private isLive = true;

  constructor(opts: ContainerProberOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.secondsMs = opts.secondsMs ?? 1000;
    this.isReady = !opts.container.readinessProbe;
    this.isStarted = !opts.container.startupProbe;
  }

  /** Whether the container passes its readiness probe: false until its first success; true without one. */
  get ready(): boolean { return this.isReady; }

  /** Whether the startup probe has passed; true without one. */
  get started(): boolean { return this.isStarted; }

  /** False once liveness (or startup) has failed past its threshold. */
  get live(): boolean { return this.isLive; }

  /** Begin probing; call when the container has started. */
  start(): void {
    if (this.stopped || this.loops.length > 0) return;
    this.startedAt = this.now();
    const startup = this.opts.container.startupProbe;
    if (startup) this.begin("startup", startup);
    else this.beginMain();
  }

  /** Stop every probe; results of checks still in flight are ignored. */
  stop(): void {
    this.stopped = true;
    for (const loop of this.loops) this.clearTimer(loop.timer);
    this.loops.length = 0;
  }

  private beginMain(): void {
    const c = this.opts.container;
    if (c.livenessProbe) this.begin("liveness", c.livenessProbe);
    if (c.readinessProbe) this.begin("readiness", c.readinessProbe);
  }

  /** initialDelaySeconds counts from the container's start, as in Kubernetes, not from startup success. */
  private begin(kind: ProbeKind, probe: ProbeSpec): void {
    if (this.stopped) return;
    const loop: Loop = { kind, probe, last: undefined, run: 0, timer: undefined };
    this.loops.push(loop);
    const due = this.startedAt + Math.max(0, probe.initialDelaySeconds ?? 0) * this.secondsMs;
    this.schedule(loop, due - this.now());
  }

  private schedule(loop: Loop, ms: number): void {
    if (this.stopped || !this.loops.includes(loop)) return;
    loop.timer = this.setTimer(() => {
      loop.timer = undefined;
      void this.check(loop);
    }, Math.max(0, ms));
  }

  /** One check, then the next one a period after this one began (or at once if it ran long). */
  private async check(loop: Loop): Promise<void> {
    const began = this.now();
    const timeoutMs = Math.max(1, loop.probe.timeoutSeconds ?? 1) * this.secondsMs;
    const result = await runProbe(loop.probe, this.opts.target, timeoutMs);
    if (this.stopped || !this.loops.includes(loop)) return;
    this.record(loop, result);
    const periodMs = Math.max(1, loop.probe.periodSeconds ?? 10) * this.secondsMs;
    this.schedule(loop, began + periodMs - this.now());
  }

  private record(loop: Loop, result: ProbeResult): void {
    this.emit(() => this.opts.onResult?.(loop.kind, result));
    if (loop.last === result.ok) loop.run++;
    else {
      loop.last = result.ok;
      loop.run = 1;
    }
    // successThreshold must be 1 for liveness and startup; only readiness honours it.
    const threshold = result.ok ? (loop.kind === "readiness" ? Math.max(1, loop.probe.successThreshold ?? 1) : 1) : Math.max(1, loop.probe.failureThreshold ?? 3);
    if (loop.run < threshold) return;
    const message = result.ok ? result.message : `${LABEL[loop.kind]} probe failed: ${result.message}`;
    if (loop.kind === "readiness") {
      if (this.isReady === result.ok) return;
      this.isReady = result.ok;
      this.emit(() => this.opts.onChange("readiness", { healthy: result.ok, message }));
    } else if (!result.ok) {
      // The container is about to be killed: nothing more to learn from this attempt.
      this.isLive = false;
      this.stop();
      this.emit(() => this.opts.onChange(loop.kind, { healthy: false, message }));
    } else if (loop.kind === "startup") {
      this.isStarted = true;
      this.loops.splice(this.loops.indexOf(loop), 1);
      this.emit(() => this.opts.onChange("startup", { healthy: true, message }));
      this.beginMain();
    }
  }

  /** Callbacks belong to the pod worker; a throw there must not end probing or surface as an unhandled rejection. */
  private emit(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.log?.warn({ err, container: this.opts.container.name }, "probe callback failed");
    }
  }
}
