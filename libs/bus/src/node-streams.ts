/**
 * `kubectl logs` and `kubectl exec` travel over NATS, so a node never accepts an
 * inbound connection (nodes behind NAT work). The apiserver asks the node's kubelet on
 * `flotilla.node.<node>.logs|exec` with an inbox of its own; the kubelet answers with an
 * ack (or a Status), then sends the output to that inbox as *requests*: each chunk waits
 * for the apiserver's reply before the next, which is the flow control (a slow client
 * slows the producer, nothing piles up) and the liveness check (an apiserver that died
 * stops answering, and the kubelet stops). The apiserver's reply can cancel the stream.
 */
import type { Status } from "@flotilla/api";

export interface LogsRequest {
  namespace: string;
  pod: string;
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tailLines?: number;
  limitBytes?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
  /** Where the kubelet sends the output. */
  inbox: string;
}

export interface ExecRequest {
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** With tty: the client's terminal size when known before the start, applied before the command runs. */
  size?: TerminalSize;
  inbox: string;
}

export interface TerminalSize {
  cols: number;
  rows: number;
}

/** The kubelet's answer to a logs or exec request. `input`: exec only, where stdin and resizes go. */
export type StreamAck = { ok: true; container: string; input?: string } | { status: Status };

/** Kubelet → apiserver, sent as a request on the inbox. Channel 1 stdout, 2 stderr (exec); logs use 1. */
export interface StreamChunk {
  channel?: 1 | 2;
  data?: Uint8Array;
  /** The stream is over: the exec's exit code, or an error message. */
  end?: true;
  exitCode?: number;
  error?: string;
}

/** The apiserver's reply to each chunk. */
export interface StreamChunkReply {
  cancel?: true;
}

/** Apiserver → kubelet on the exec's input subject (published). */
export interface ExecInput {
  stdin?: Uint8Array;
  stdinEnd?: true;
  resize?: TerminalSize;
  cancel?: true;
}

/** With nothing to send, the kubelet asks this often whether the other side is still there. */
export const STREAM_KEEPALIVE_MS = 5000;
/** How long the kubelet waits for a chunk to be taken before giving up on the stream. */
export const STREAM_CHUNK_TIMEOUT_MS = 30_000;
