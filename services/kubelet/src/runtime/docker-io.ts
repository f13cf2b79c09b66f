/**
 * Logs and exec for the `docker` runtime: Docker streams turned into the interface's
 * Readables and ExecSessions.
 *
 * Logs: one Readable of bytes, stdout and stderr interleaved in the order Docker sends
 * them (demultiplexed when the container has no TTY), `limitBytes` applied last. With
 * `timestamps` Docker's RFC 3339 nanosecond prefix is kept as it is. A follow ends when
 * the container stops (Docker closes the stream), or on `signal` or runtime close —
 * then normally, as the caller asked for it.
 *
 * Exec: exec create, then exec start on a hijacked connection. Without a TTY the output
 * is demultiplexed into stdout and stderr; with one it is a single raw stream and
 * `resize` is Docker's exec resize. `exit` comes from exec inspect once the connection
 * closes. `kill()` has no Docker endpoint: it SIGKILLs the exec's host pid (from exec
 * inspect), which works because the kubelet runs next to a local daemon; if that is not
 * possible the connection is cut instead.
 */
import { PassThrough, Readable, Writable } from "node:stream";
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { DockerClient, Query } from "./docker-client.ts";
import { isNotFound } from "./docker-client.ts";
import type { DockerRuntimeLog } from "./docker-images.ts";
import { DockerRuntimeError } from "./docker-model.ts";
import { Demuxer } from "./docker-stream.ts";
import type { ExecOptions, ExecSession, LogOptions } from "./types.ts";

/** First and last interval when polling exec inspect for an exit code the daemon has not set yet. */
const EXEC_POLL_MIN_MS = 20;
const EXEC_POLL_MAX_MS = 1000;
/** How long kill() waits for a just-started exec to get a pid before cutting its connection instead. */
const KILL_PID_WAIT_MS = 2000;

/** The container's logs shaped by `opts`; see the module comment. */
export async function openDockerLogs(client: DockerClient, dockerId: string, tty: boolean, opts: LogOptions, closed: AbortSignal): Promise<Readable> {
  const ac = new AbortController();
  const signal = AbortSignal.any([ac.signal, closed, ...(opts.signal ? [opts.signal] : [])]);
  const query: Query = {
    follow: opts.follow ?? false,
    tail: opts.tailLines === undefined ? "all" : Math.max(0, opts.tailLines),
    timestamps: opts.timestamps ?? false,
    since: opts.sinceSeconds === undefined ? undefined : Math.floor(Date.now() / 1000 - opts.sinceSeconds),
  };
  const res = await client.containerLogs(dockerId, query, signal);
  async function* frames(): AsyncGenerator<Buffer> {
    let budget = opts.limitBytes ?? Number.POSITIVE_INFINITY;
    const ready: Buffer[] = [];
    const demux = tty ? undefined : new Demuxer((_stream, payload) => ready.push(payload));
    try {
      for await (const chunk of res) {
        if (demux) demux.push(chunk as Buffer);
        else ready.push(chunk as Buffer);
        for (const buf of ready.splice(0)) {
          const part = buf.length > budget ? buf.subarray(0, budget) : buf;
          budget -= part.length;
          if (part.length > 0) yield part;
          if (budget <= 0) return;
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err;
      // aborted by the caller or the runtime's close: end normally
    } finally {
      ac.abort(); // stops the request when ended early (limit reached, consumer gone)
    }
  }
  const stream = Readable.from(frames(), { objectMode: false });
  // A stream destroyed before its first read never runs the generator's finally.
  stream.once("close", () => ac.abort());
  return stream;
}

/** Start `command` in a running container; resolves once the connection is hijacked. */
export async function startDockerExec(
  client: DockerClient,
  dockerId: string,
  command: readonly string[],
  opts: ExecOptions,
  log: DockerRuntimeLog,
  closed: AbortSignal,
): Promise<ExecSession> {
  if (command.length === 0) throw new DockerRuntimeError("InvalidConfig", "exec needs a command");
  const execId = await client.execCreate(dockerId, { Cmd: command, AttachStdin: opts.stdin, Tty: opts.tty });
  const { socket, head } = await client.execStart(execId, opts.tty, opts.size);
  const stdout = new PassThrough();
  const stderr = opts.tty ? undefined : new PassThrough();
  const outputs = stderr ? [stdout, stderr] : [stdout];
  // Backpressure: stop reading the connection while a reader is behind.
  const write = (target: PassThrough, buf: Buffer): void => {
    if (!target.write(buf)) socket.pause();
  };
  for (const o of outputs) o.on("drain", () => outputs.every((x) => !x.writableNeedDrain) && socket.resume());
  const demux = stderr ? new Demuxer((s, payload) => write(s === "stdout" ? stdout : stderr, payload)) : undefined;
  // A resize sent before the command is running can be lost (the shell then has a
  // terminal without a size: CI saw `stty size` fail). The size is sent again when the
  // command first writes, which proves it runs.
  let size: { cols: number; rows: number } | undefined = opts.tty ? opts.size : undefined;
  let running = false;
  const resize = (cols: number, rows: number): void =>
    void client.execResize(execId, cols, rows).catch((err: unknown) => log.warn({ err: (err as Error).message, execId }, "exec resize failed"));
  const route = (buf: Buffer): void => {
    if (!running) {
      running = true;
      if (size) resize(size.cols, size.rows);
    }
    if (demux) demux.push(buf);
    else write(stdout, buf);
  };
  if (size) resize(size.cols, size.rows);
  if (head.length > 0) route(head);
  socket.on("data", route);
  // Errors after the exec ended (EPIPE on a late stdin write, a reset) must not crash the kubelet.
  socket.on("error", (err) => log.warn({ err: err.message, execId }, "exec connection error"));
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  void ended.then(() => outputs.forEach((o) => o.end()));

  const exit = ended.then(() => waitExecExit(client, execId, closed));
  // Pre-handled: a caller who never awaits `exit` must not cause an unhandled rejection.
  exit.catch(() => undefined);
  return {
    stdin: opts.stdin ? stdinWriter(socket) : undefined,
    stdout,
    stderr,
    exit,
    resize: opts.tty
      ? (cols, rows) => {
          size = { cols, rows };
          resize(cols, rows);
        }
      : undefined,
    kill: () => void killExec(client, execId, socket, log),
  };
}

/** Writes go to the connection; ending it half-closes the connection, which Docker passes on as EOF on stdin. */
function stdinWriter(socket: Duplex): Writable {
  const stdin = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (socket.destroyed) return cb(); // the command is gone: drop input as a closed pipe would
      socket.write(chunk, () => cb());
    },
    final(cb) {
      if (!socket.destroyed) socket.end();
      cb();
    },
  });
  stdin.on("error", () => undefined);
  return stdin;
}

/** The exit code once the daemon has recorded it; the stream can close a moment before. */
async function waitExecExit(client: DockerClient, execId: string, closed: AbortSignal): Promise<number> {
  let delay = EXEC_POLL_MIN_MS;
  for (;;) {
    let info;
    try {
      info = await client.execInspect(execId);
    } catch (err) {
      if (isNotFound(err)) throw new DockerRuntimeError("NotFound", `exec ${execId} is gone (its container was removed)`, err);
      throw err;
    }
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    try {
      await sleep(delay, undefined, { signal: closed });
    } catch (err) {
      // A command still running after its connection closed could be polled forever.
      throw new DockerRuntimeError("Closed", `the runtime closed before exec ${execId} ended`, err);
    }
    delay = Math.min(delay * 2, EXEC_POLL_MAX_MS);
  }
}

async function killExec(client: DockerClient, execId: string, socket: Duplex, log: DockerRuntimeLog): Promise<void> {
  try {
    // Right after exec start the daemon may not have spawned the command yet (no pid).
    for (let waited = 0; waited < KILL_PID_WAIT_MS; waited += EXEC_POLL_MIN_MS) {
      const info = await client.execInspect(execId);
      if (!info.Running && info.ExitCode !== null) return; // already ended
      if (info.Running && info.Pid > 0) {
        process.kill(info.Pid, "SIGKILL");
        return;
      }
      await sleep(EXEC_POLL_MIN_MS);
    }
  } catch (err) {
    log.warn({ err: (err as Error).message, execId }, "exec kill: could not signal the process; closing its connection");
  }
  socket.destroy();
}
