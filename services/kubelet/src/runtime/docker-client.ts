/**
 * A thin, typed client for the few Docker Engine API endpoints the `docker` runtime
 * uses, over the daemon's unix socket with Node's `http` module (no SDK dependency).
 *
 * The API version is negotiated once (negotiate()): the daemon's own version from
 * /_ping, capped at MAX_API so field shapes stay the ones this code reads, and refused
 * below MIN_API (Docker 20.10). Every failure is a DockerError carrying the HTTP status
 * and the daemon's message; streaming endpoints return the raw response for the caller
 * to parse (see docker-stream.ts), and exec start hands back the hijacked socket.
 */
import http from "node:http";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { jsonLines } from "./docker-stream.ts";

export const DEFAULT_SOCKET = "/var/run/docker.sock";
/** Docker 20.10 (Debian bookworm's docker.io). */
export const MIN_API = "1.41";
/** Docker 29 refuses anything older than 1.44, so 1.44 is the most this code asks for. */
export const MAX_API = "1.44";

/**
 * The daemon refused or failed a request. `statusCode` is the HTTP status; 0 when there
 * was no HTTP answer (socket missing, daemon down) or when the daemon reported the
 * failure inside a streamed 200 response (pull and build progress).
 */
export class DockerError extends Error {
  readonly statusCode: number;
  readonly daemonMessage: string;
  readonly operation: string;
  constructor(statusCode: number, daemonMessage: string, operation: string, cause?: unknown) {
    super(`docker ${operation}: ${statusCode ? `HTTP ${statusCode}: ` : ""}${daemonMessage}`, cause === undefined ? undefined : { cause });
    this.name = "DockerError";
    this.statusCode = statusCode;
    this.daemonMessage = daemonMessage;
    this.operation = operation;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof DockerError && err.statusCode === 404;

export interface DockerState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  OOMKilled: boolean;
  StartedAt: string;
  FinishedAt: string;
  Error?: string;
  Pid: number;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Config: { Labels: Record<string, string> | null; Tty: boolean; Image: string };
  State: DockerState;
  NetworkSettings: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> | null };
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Labels: Record<string, string> | null;
  State: string;
}

export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
}

export interface VersionInfo {
  Version: string;
  ApiVersion: string;
  Os: string;
  Arch: string;
}

/** The subset of POST /containers/create this runtime fills in. */
export interface CreateContainerBody {
  Image: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  Tty?: boolean;
  OpenStdin?: boolean;
  Hostname?: string;
  Labels: Record<string, string>;
  HostConfig: {
    NetworkMode?: string;
    Memory?: number;
    MemorySwap?: number;
    NanoCpus?: number;
    Binds?: string[];
    RestartPolicy?: { Name: string };
  };
}

export type Query = Record<string, string | number | boolean | undefined>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Sent as is (a tar for /build) instead of JSON. */
  raw?: { data: Buffer; contentType: string };
  signal?: AbortSignal;
  timeoutMs?: number;
}

export class DockerClient {
  readonly socketPath: string;
  #api = MIN_API;
  readonly #agent = new http.Agent({ keepAlive: true });

  constructor(socketPath: string = DEFAULT_SOCKET) {
    this.socketPath = socketPath;
  }

  get apiVersion(): string {
    return this.#api;
  }

  /** GET /_ping: the daemon's API version (header `Api-Version`). */
  async ping(timeoutMs = 2000): Promise<string> {
    const res = await this.#request("GET", "/_ping", "ping", { timeoutMs }, false);
    await readAll(res);
    const v = res.headers["api-version"];
    return typeof v === "string" ? v : MIN_API;
  }

  /** Ping, then settle on min(daemon, MAX_API); refuses a daemon older than MIN_API. */
  async negotiate(timeoutMs?: number): Promise<string> {
    const server = await this.ping(timeoutMs);
    if (compareVersions(server, MIN_API) < 0) throw new DockerError(0, `the daemon speaks API ${server}; at least ${MIN_API} is needed`, "negotiate");
    this.#api = compareVersions(server, MAX_API) > 0 ? MAX_API : server;
    return this.#api;
  }

  version(): Promise<VersionInfo> {
    return this.#json("GET", "/version", "version");
  }

  /** The image's inspect document, or undefined if it is not present locally. */
  async imageInspect(ref: string): Promise<{ Id: string } | undefined> {
    try {
      return await this.#json<{ Id: string }>("GET", `/images/${encodeURI(ref)}/json`, "image inspect");
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** POST /images/create; resolves once pulled. Failures inside the progress stream throw too. */
  async imagePull(fromImage: string, tag: string | undefined, signal?: AbortSignal): Promise<void> {
    const res = await this.#request("POST", "/images/create", "image pull", { query: { fromImage, tag }, signal });
    await failOnStreamError(res, "image pull");
  }

  /** POST /build with a tar context (legacy builder: needs no BuildKit session). */
  async imageBuild(context: Buffer, tag: string, signal?: AbortSignal): Promise<void> {
    const query = { t: tag, rm: true, forcerm: true };
    const res = await this.#request("POST", "/build", "image build", { query, raw: { data: context, contentType: "application/x-tar" }, signal });
    await failOnStreamError(res, "image build");
  }

  async containerCreate(name: string, body: CreateContainerBody): Promise<string> {
    const out = await this.#json<{ Id: string }>("POST", "/containers/create", "container create", { query: { name }, body });
    return out.Id;
  }

  containerStart(id: string): Promise<void> {
    return this.#empty("POST", `/containers/${id}/start`, "container start");
  }

  /** Docker sends the stop signal, waits `seconds`, then SIGKILL; answers once the container has exited. */
  containerStop(id: string, seconds: number): Promise<void> {
    return this.#empty("POST", `/containers/${id}/stop`, "container stop", { query: { t: seconds } });
  }

  containerKill(id: string, signal = "SIGKILL"): Promise<void> {
    return this.#empty("POST", `/containers/${id}/kill`, "container kill", { query: { signal } });
  }

  containerRemove(id: string, opts: { force?: boolean } = {}): Promise<void> {
    return this.#empty("DELETE", `/containers/${id}`, "container remove", { query: { force: opts.force, v: true } });
  }

  containerInspect(id: string): Promise<ContainerInspect> {
    return this.#json("GET", `/containers/${id}/json`, "container inspect");
  }

  /** GET /containers/json, running and exited (`all`), filtered by `key=value` labels. */
  containerList(labels: readonly string[], all = true): Promise<ContainerSummary[]> {
    const filters = JSON.stringify({ label: labels });
    return this.#json("GET", "/containers/json", "container list", { query: { all, filters } });
  }

  /** POST /containers/{id}/wait: resolves with the exit code once the container is not running. */
  async containerWait(id: string, signal?: AbortSignal): Promise<number> {
    const out = await this.#json<{ StatusCode: number }>("POST", `/containers/${id}/wait`, "container wait", { query: { condition: "not-running" }, signal });
    return out.StatusCode;
  }

  /** GET /containers/{id}/logs: the raw response (multiplexed unless the container has a TTY). */
  containerLogs(id: string, query: Query, signal?: AbortSignal): Promise<IncomingMessage> {
    return this.#request("GET", `/containers/${id}/logs`, "container logs", { query: { stdout: true, stderr: true, ...query }, signal });
  }

  /** GET /events: newline-delimited JSON, open until aborted. */
  events(filters: Record<string, string[]>, since: string | undefined, signal: AbortSignal): Promise<IncomingMessage> {
    return this.#request("GET", "/events", "events", { query: { filters: JSON.stringify(filters), since }, signal });
  }

  async execCreate(containerId: string, body: { Cmd: readonly string[]; AttachStdin: boolean; Tty: boolean }): Promise<string> {
    const full = { ...body, AttachStdout: true, AttachStderr: true };
    const out = await this.#json<{ Id: string }>("POST", `/containers/${containerId}/exec`, "exec create", { body: full });
    return out.Id;
  }

  /**
   * POST /exec/{id}/start, upgraded to a raw bidirectional connection: writes go to the
   * command's stdin, reads are its output (multiplexed unless tty). `head` is output that
   * arrived with the 101 response.
   */
  /** `size`: the terminal's size from the start (API 1.42+; older daemons only take a resize after it). */
  execStart(execId: string, tty: boolean, size?: { cols: number; rows: number }): Promise<{ socket: Duplex; head: Buffer }> {
    const sized = tty && size && compareVersions(this.#api, "1.42") >= 0 ? { ConsoleSize: [size.rows, size.cols] } : {};
    const body = JSON.stringify({ Detach: false, Tty: tty, ...sized });
    return new Promise((resolve, reject) => {
      const req = http.request({
        socketPath: this.socketPath,
        // Not pooled: the connection stops being HTTP once upgraded.
        agent: false,
        method: "POST",
        path: `/v${this.#api}/exec/${execId}/start`,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), Connection: "Upgrade", Upgrade: "tcp" },
      });
      req.once("upgrade", (_res, socket, head) => resolve({ socket, head }));
      req.once("response", (res) => {
        readAll(res).then(
          (buf) => reject(new DockerError(res.statusCode ?? 0, daemonMessage(buf) || "the daemon did not upgrade the connection", "exec start")),
          (err: unknown) => reject(connectionError("exec start", this.socketPath, err)),
        );
      });
      req.once("error", (err) => reject(connectionError("exec start", this.socketPath, err)));
      req.end(body);
    });
  }

  execInspect(execId: string): Promise<ExecInspect> {
    return this.#json("GET", `/exec/${execId}/json`, "exec inspect");
  }

  execResize(execId: string, cols: number, rows: number): Promise<void> {
    return this.#empty("POST", `/exec/${execId}/resize`, "exec resize", { query: { w: cols, h: rows } });
  }

  /** Drop pooled keep-alive connections. Streams still open (follows, events) are cut. */
  close(): void {
    this.#agent.destroy();
  }

  async #json<T>(method: string, path: string, op: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.#request(method, path, op, opts);
    const buf = await readAll(res);
    try {
      return JSON.parse(buf.toString("utf8")) as T;
    } catch (err) {
      throw new DockerError(res.statusCode ?? 0, `unreadable answer: ${buf.toString("utf8").slice(0, 200)}`, op, err);
    }
  }

  async #empty(method: string, path: string, op: string, opts: RequestOptions = {}): Promise<void> {
    await readAll(await this.#request(method, path, op, opts));
  }

  /** Send one request; resolves with the response once its status is known to be < 400. */
  #request(method: string, path: string, op: string, opts: RequestOptions, versioned = true): Promise<IncomingMessage> {
    const qs = opts.query ? toQuery(opts.query) : "";
    const body = opts.raw?.data ?? (opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body)));
    const headers: Record<string, string | number> = {};
    if (body) {
      headers["Content-Type"] = opts.raw?.contentType ?? "application/json";
      headers["Content-Length"] = body.length;
    }
    return new Promise((resolve, reject) => {
      const req = http.request({
        socketPath: this.socketPath,
        agent: this.#agent,
        method,
        path: `${versioned ? `/v${this.#api}` : ""}${path}${qs}`,
        headers,
        signal: opts.signal,
        timeout: opts.timeoutMs,
      });
      req.once("timeout", () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
      req.once("error", (err) => reject(connectionError(op, this.socketPath, err)));
      req.once("response", (res) => {
        const status = res.statusCode ?? 0;
        if (status < 400) return resolve(res);
        readAll(res).then(
          (buf) => reject(new DockerError(status, daemonMessage(buf) || http.STATUS_CODES[status] || "error", op)),
          (err: unknown) => reject(connectionError(op, this.socketPath, err)),
        );
      });
      req.end(body);
    });
  }
}

function connectionError(op: string, socketPath: string, err: unknown): DockerError {
  if (err instanceof DockerError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.name === "AbortError") return new DockerError(0, "aborted", op, err);
  return new DockerError(0, `cannot talk to the Docker daemon at ${socketPath}: ${e.code ?? e.message}`, op, err);
}

/** The daemon's `{"message": ...}`, or the text itself. */
function daemonMessage(buf: Buffer): string {
  const text = buf.toString("utf8").trim();
  try {
    const v = JSON.parse(text) as { message?: unknown };
    if (typeof v.message === "string") return v.message;
  } catch {
    // not JSON: the text is the message
  }
  return text;
}

/** Read a progress stream to its end; an `error` line (a failure after the 200) throws. */
async function failOnStreamError(res: IncomingMessage, op: string): Promise<void> {
  let failure: string | undefined;
  for await (const line of jsonLines(res)) {
    if (typeof line.error === "string") failure ??= line.error;
  }
  if (failure !== undefined) throw new DockerError(0, failure, op);
}

export async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function toQuery(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    p.set(k, typeof v === "boolean" ? (v ? "1" : "0") : String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** Compare dotted API versions numerically ("1.9" < "1.41"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
