/**
 * The kubelet's end of `kubectl logs` and `kubectl exec` over NATS (protocol in
 * libs/bus node-streams.ts): requests arrive on this node's subjects, output goes back
 * to the apiserver's inbox one acknowledged chunk at a time.
 */
import { BadRequestError, NotFoundError, toApiError } from "@flotilla/api/errors";
import { decode, encode, nodeSubject, NodeChannel, STREAM_CHUNK_TIMEOUT_MS, STREAM_KEEPALIVE_MS } from "@flotilla/bus";
import type { ExecInput, ExecRequest, LogsRequest, StreamAck, StreamChunk, StreamChunkReply } from "@flotilla/bus";
import type { Logger } from "@flotilla/log";
import { createInbox, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { Readable } from "node:stream";
import type { KubeletConfig } from "./config.ts";
import type { PodManager } from "./pod-manager.ts";
import type { PodWorker } from "./pod-worker.ts";

export interface StreamServer {
  stop(): Promise<void>;
}

/** Largest chunk per message: well under NATS's default 1 MiB payload. */
const CHUNK_BYTES = 64 * 1024;

/** Sends chunks to an inbox, each waiting for its reply; false once the other side cancelled or vanished. */
export class ChunkSender {
  private readonly nc: NatsConnection;
  private readonly inbox: string;
  private chain: Promise<boolean> = Promise.resolve(true);
  cancelled = false;

  constructor(nc: NatsConnection, inbox: string) {
    this.nc = nc;
    this.inbox = inbox;
  }

  send(chunk: StreamChunk): Promise<boolean> {
    this.chain = this.chain.then(async (ok) => {
      if (!ok || this.cancelled) return false;
      try {
        const m = await this.nc.request(this.inbox, encode(chunk), { timeout: STREAM_CHUNK_TIMEOUT_MS });
        const r = m.data.length > 0 ? decode<StreamChunkReply>(m.data) : {};
        if (r.cancel) this.cancelled = true;
        return !this.cancelled;
      } catch {
        this.cancelled = true;
        return false;
      }
    });
    return this.chain;
  }

  /** Pump a stream through send(), with keepalives while it is quiet; resolves when it ends or is cancelled. */
  async pump(stream: Readable, channel: 1 | 2 = 1): Promise<void> {
    const keepalive = setInterval(() => void this.send({}).then((ok) => ok || stream.destroy()), STREAM_KEEPALIVE_MS);
    try {
      for await (const buf of stream as AsyncIterable<Buffer>) {
        for (let i = 0; i < buf.length; i += CHUNK_BYTES) {
          if (!(await this.send({ channel, data: buf.subarray(i, i + CHUNK_BYTES) }))) return void stream.destroy();
        }
      }
    } catch {
      // The stream was destroyed (cancelled) or failed; the caller sends the end.
    } finally {
      clearInterval(keepalive);
    }
  }
}

function pickContainer(w: PodWorker, requested: string | undefined): string {
  const names = w.containerNames();
  const main = w.pod.spec?.containers?.map((c) => c.name) ?? [];
  if (requested) {
    if (!names.includes(requested)) throw new BadRequestError(`container ${requested} is not valid for pod ${w.ref.name}`);
    return requested;
  }
  if (main.length === 1) return main[0]!;
  throw new BadRequestError(`a container name must be specified for pod ${w.ref.name}, choose one of: [${main.join(" ")}]`);
}

function findWorker(pods: PodManager, namespace: string, name: string): PodWorker {
  const w = pods.find(namespace, name);
  if (!w) throw new NotFoundError({ group: "", resource: "pods", name });
  return w;
}

export function startStreamServer(nc: NatsConnection, cfg: KubeletConfig, pods: PodManager, log: Logger): StreamServer {
  const subs: Subscription[] = [];
  const answer = (m: Msg, ack: StreamAck) => m.respond(encode(ack));
  const fail = (m: Msg, err: unknown) => answer(m, { status: toApiError(err).toStatus() });

  async function logs(m: Msg): Promise<void> {
    const rq = decode<LogsRequest>(m.data);
    const w = findWorker(pods, rq.namespace, rq.pod);
    const container = pickContainer(w, rq.container);
    const { current, previous, waiting } = w.attempts(container);
    const target = rq.previous ? previous : current;
    if (!target) {
      if (rq.previous) throw new BadRequestError(`previous terminated container "${container}" in pod "${rq.pod}" not found`);
      throw new BadRequestError(`container "${container}" in pod "${rq.pod}" is waiting to start: ${waiting ?? "ContainerCreating"}`);
    }
    const abort = new AbortController();
    const stream = await w.runtime.logs(target.id, {
      follow: rq.follow === true && !rq.previous,
      ...(rq.tailLines !== undefined ? { tailLines: rq.tailLines } : {}),
      ...(rq.limitBytes !== undefined ? { limitBytes: rq.limitBytes } : {}),
      ...(rq.sinceSeconds !== undefined ? { sinceSeconds: rq.sinceSeconds } : {}),
      timestamps: rq.timestamps === true,
      signal: abort.signal,
    });
    answer(m, { ok: true, container });
    const sender = new ChunkSender(nc, rq.inbox);
    await sender.pump(stream);
    abort.abort();
    await sender.send({ end: true });
  }

  async function exec(m: Msg): Promise<void> {
    const rq = decode<ExecRequest>(m.data);
    const w = findWorker(pods, rq.namespace, rq.pod);
    const container = pickContainer(w, rq.container);
    const { current } = w.attempts(container);
    if (current?.status.state !== "running") throw new BadRequestError(`container not found ("${container}")`);
    if (!Array.isArray(rq.command) || rq.command.length === 0) throw new BadRequestError("you must specify at least one command for the container");
    const session = await w.runtime.exec(current.id, rq.command, { stdin: rq.stdin, tty: rq.tty, ...(rq.tty && rq.size ? { size: rq.size } : {}) });
    const input = createInbox();
    const inputSub = nc.subscribe(input, {
      callback: (_e, im) => {
        const msg = decode<ExecInput>(im.data);
        if (msg.stdin) session.stdin?.write(msg.stdin);
        if (msg.stdinEnd) session.stdin?.end();
        if (msg.resize) session.resize?.(msg.resize.cols, msg.resize.rows);
        if (msg.cancel) session.kill();
      },
    });
    answer(m, { ok: true, container, input });
    const sender = new ChunkSender(nc, rq.inbox);
    // When the client goes away the pumps stop early: the command is killed then.
    const pumps = Promise.all([sender.pump(session.stdout, 1), ...(session.stderr ? [sender.pump(session.stderr, 2)] : [])]).then(() => {
      if (sender.cancelled) session.kill();
    });
    const exitCode = await session.exit;
    await pumps;
    inputSub.unsubscribe();
    await sender.send({ end: true, exitCode });
  }

  for (const [channel, handler] of [
    [NodeChannel.Logs, logs],
    [NodeChannel.Exec, exec],
  ] as const) {
    subs.push(
      nc.subscribe(nodeSubject(cfg.subjectPrefix, cfg.nodeName, channel), {
        callback: (_e, m) => {
          handler(m).catch((err: unknown) => {
            log.debug({ err: (err as Error).message, channel }, "stream request refused");
            fail(m, err);
          });
        },
      }),
    );
  }
  return {
    stop: async () => {
      for (const s of subs) s.unsubscribe();
    },
  };
}
