/**
 * Byte-level formats the Docker Engine API speaks, kept apart from the HTTP client so
 * they can be read (and tested) on their own:
 *
 * - the multiplexed stream of logs and exec output when the container has no TTY: each
 *   frame is an 8-byte header `[stream, 0, 0, 0, size (uint32 BE)]` then `size` bytes,
 *   stream 1 = stdout, 2 = stderr (3 = the daemon's own error, treated as stderr);
 * - newline-delimited JSON (pull and build progress, events);
 * - a ustar archive, the build context POST /build expects (written by hand: a 512-byte
 *   header per file, data padded to 512 bytes, two zero blocks at the end).
 */
import type { Readable } from "node:stream";

export type StdStream = "stdout" | "stderr";

/** Splits a multiplexed stream into frames; feed it chunks as they arrive (frames may span chunks). */
export class Demuxer {
  readonly #onFrame: (stream: StdStream, payload: Buffer) => void;
  #pending: Buffer = Buffer.alloc(0);

  constructor(onFrame: (stream: StdStream, payload: Buffer) => void) {
    this.#onFrame = onFrame;
  }

  push(chunk: Buffer): void {
    let buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      const type = buf[0];
      const payload = buf.subarray(8, 8 + size);
      buf = buf.subarray(8 + size);
      // Stream 0 (stdin) never comes back from the daemon; anything but stdout is error output.
      if (size > 0) this.#onFrame(type === 1 ? "stdout" : "stderr", payload);
    }
    // Copy the remainder: it may be a view of a large chunk we would otherwise keep alive.
    this.#pending = Buffer.from(buf);
  }

  /** Bytes of an incomplete frame left when the stream ended (a truncated response). */
  get leftover(): number {
    return this.#pending.length;
  }
}

/** Each JSON object of a newline-delimited JSON stream; a line that is not JSON is skipped. */
export async function* jsonLines(stream: Readable): AsyncGenerator<Record<string, unknown>> {
  let rest = "";
  for await (const chunk of stream) {
    rest += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
    let nl: number;
    while ((nl = rest.indexOf("\n")) >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      const obj = parseLine(line);
      if (obj) yield obj;
    }
  }
  const obj = parseLine(rest.trim());
  if (obj) yield obj;
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (!line) return undefined;
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export interface TarEntry {
  name: string;
  data: Buffer;
  mode?: number;
}

/** A ustar archive of regular files (names up to 100 bytes: enough for a build context). */
export function tarPack(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (Buffer.byteLength(e.name) > 100) throw new RangeError(`tar: name too long: ${e.name}`);
    parts.push(tarHeader(e));
    parts.push(e.data);
    const pad = (512 - (e.data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

function tarHeader(e: TarEntry): Buffer {
  const h = Buffer.alloc(512);
  const octal = (n: number, width: number): string => n.toString(8).padStart(width - 1, "0") + "\0";
  h.write(e.name, 0, 100, "utf8");
  h.write(octal(e.mode ?? 0o644, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii"); // uid
  h.write(octal(0, 8), 116, "ascii"); // gid
  h.write(octal(e.data.length, 12), 124, "ascii");
  h.write(octal(Math.floor(Date.now() / 1000), 12), 136, "ascii");
  h.write("        ", 148, "ascii"); // checksum field counts as spaces while summing
  h.write("0", 156, "ascii"); // regular file
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii");
  return h;
}
