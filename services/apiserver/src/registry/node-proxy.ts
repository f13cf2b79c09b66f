/**
 * The apiserver's end of logs and exec: it asks the pod's kubelet over NATS (protocol
 * in libs/bus node-streams.ts) and hands each chunk to a sink; the chunk is answered
 * only once the sink has taken it, which is what slows a fast producer down to the
 * client's pace.
 */
import { ApiError, errorFromStatus, StatusReason } from "@flotilla/api";
import { decode, encode, nodeSubject, NodeChannel, type ExecInput, type ExecRequest, type LogsRequest, type StreamAck, type StreamChunk } from "@flotilla/bus";
import { createInbox, type NatsConnection } from "@nats-io/transport-node";

/** Takes one chunk; resolves false to cancel the stream. */
export type ChunkSink = (channel: 1 | 2, data: Uint8Array) => Promise<boolean>;

export interface StreamHandle {
  /** The container the kubelet picked (the only one, or the one asked for). */
  container: string;
  /** Resolves when the stream ends: with the exit code for exec. */
  done: Promise<number | undefined>;
  /** Exec: stdin, resizes, cancel. */
  input(msg: ExecInput): void;
  cancel(): void;
}

const ASK_TIMEOUT_MS = 10_000;

export class NodeProxy {
  private readonly nc: NatsConnection;
  private readonly prefix: string;

  constructor(nc: NatsConnection, prefix: string) {
    this.nc = nc;
    this.prefix = prefix;
  }

  logs(node: string, rq: Omit<LogsRequest, "inbox">, sink: ChunkSink): Promise<StreamHandle> {
    return this.open(node, NodeChannel.Logs, rq, sink);
  }

  exec(node: string, rq: Omit<ExecRequest, "inbox">, sink: ChunkSink): Promise<StreamHandle> {
    return this.open(node, NodeChannel.Exec, rq, sink);
  }

  private async open(node: string, channel: NodeChannel, rq: object, sink: ChunkSink): Promise<StreamHandle> {
    const inbox = createInbox();
    let cancelled = false;
    let finish!: (code: number | undefined) => void;
    let failed!: (err: Error) => void;
    const done = new Promise<number | undefined>((resolve, reject) => {
      finish = resolve;
      failed = reject;
    });
    const sub = this.nc.subscribe(inbox, {
      callback: (_e, m) => {
        let chunk: StreamChunk;
        try {
          chunk = decode<StreamChunk>(m.data);
        } catch {
          return;
        }
        if (chunk.end) {
          m.respond(encode({}));
          sub.unsubscribe();
          if (chunk.error) failed(new ApiError(StatusReason.InternalError, 500, chunk.error));
          else finish(chunk.exitCode);
          return;
        }
        if (!chunk.data || cancelled) {
          m.respond(encode(cancelled ? { cancel: true } : {}));
          return;
        }
        sink(chunk.channel ?? 1, chunk.data).then(
          (go) => {
            if (!go) cancelled = true;
            m.respond(encode(cancelled ? { cancel: true } : {}));
          },
          () => m.respond(encode({ cancel: true })),
        );
      },
    });
    let ack: StreamAck;
    try {
      const reply = await this.nc.request(nodeSubject(this.prefix, node, channel), encode({ ...rq, inbox }), { timeout: ASK_TIMEOUT_MS });
      ack = decode<StreamAck>(reply.data);
    } catch (err) {
      sub.unsubscribe();
      throw new ApiError(StatusReason.ServiceUnavailable, 503, `the kubelet of node "${node}" did not answer: ${(err as Error).message}`);
    }
    if ("status" in ack) {
      sub.unsubscribe();
      throw errorFromStatus(ack.status);
    }
    const input = ack.input;
    return {
      container: ack.container,
      done,
      input: (msg) => {
        if (input) this.nc.publish(input, encode(msg));
      },
      cancel: () => {
        cancelled = true;
        if (input) this.nc.publish(input, encode({ cancel: true } satisfies ExecInput));
      },
    };
  }
}
