/**
 * Reading a `process` container's output.log as a stream.
 *
 * - `tailLines`: found by scanning backwards from the end in 64 KiB chunks, so a huge
 *   log is never loaded whole.
 * - `limitBytes`: a budget over everything the stream returns (after tailLines).
 * - `follow`: after reaching the end, the file is polled every 250 ms (FOLLOW_POLL_MS)
 *   rather than fs.watch, which is unreliable on some filesystems; the stream ends once
 *   the container has exited and its last bytes are read, or when `signal` or the
 *   runtime's close signal aborts.
 * - `timestamps` and `sinceSeconds` are ignored: the child writes straight into the file,
 *   so lines carry no time the runtime could report or filter on.
 */
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { LogOptions } from "./types.ts";

const CHUNK = 64 * 1024;
/** How often a follow re-reads the file and checks whether the container is done. */
export const FOLLOW_POLL_MS = 250;

export interface LogSource {
  file: string;
  /** True once the container can write no more (its wrapper is gone). */
  isFinished(): Promise<boolean>;
  /** Aborted when the runtime closes: ends every follow. */
  closed: AbortSignal;
}

/** A Readable of the log file shaped by `opts`; an empty stream if the file does not exist. */
export async function openLogStream(src: LogSource, opts: LogOptions): Promise<Readable> {
  let fh: FileHandle;
  try {
    fh = await open(src.file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return Readable.from([]);
    throw err;
  }
  try {
    const size = (await fh.stat()).size;
    const start = opts.tailLines === undefined ? 0 : await tailOffset(fh, size, opts.tailLines);
    let closed: Promise<void> | undefined;
    const close = (): Promise<void> => (closed ??= fh.close().catch(() => undefined));
    const stream = Readable.from(pump(fh, src, opts, start, size, close), { objectMode: false });
    // A stream destroyed before its first read never runs the generator's finally.
    stream.once("close", () => void close());
    return stream;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

async function* pump(fh: FileHandle, src: LogSource, opts: LogOptions, start: number, size: number, close: () => Promise<void>): AsyncGenerator<Buffer> {
  const signal = opts.signal ? AbortSignal.any([opts.signal, src.closed]) : src.closed;
  let pos = start;
  let budget = opts.limitBytes ?? Number.POSITIVE_INFINITY;
  // Without follow, stop at the size seen when opening: a chatty container must not
  // turn a one-shot read into an endless one.
  const end = opts.follow ? Number.POSITIVE_INFINITY : size;
  try {
    for (;;) {
      // Check before reading: whatever was written before the exit is then read below.
      const finished = !opts.follow || (await src.isFinished());
      for (;;) {
        const want = Math.min(CHUNK, budget, end - pos);
        if (want <= 0) break;
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(buf, 0, want, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        budget -= bytesRead;
        yield buf.subarray(0, bytesRead);
      }
      if (finished || budget <= 0 || signal.aborted) return;
      try {
        await sleep(FOLLOW_POLL_MS, undefined, { signal });
      } catch {
        return; // aborted: end the stream normally, the caller asked for it
      }
    }
  } finally {
    await close();
  }
}

/** Offset where the last `lines` lines start; a final "\n" ends the last line rather than starting one. */
export async function tailOffset(fh: FileHandle, size: number, lines: number): Promise<number> {
  if (lines <= 0) return size;
  const last = Buffer.alloc(1);
  let pos = size;
  if (size > 0) {
    await fh.read(last, 0, 1, size - 1);
    if (last[0] === 0x0a) pos = size - 1;
  }
  let seen = 0;
  const buf = Buffer.allocUnsafe(CHUNK);
  while (pos > 0) {
    const from = Math.max(0, pos - CHUNK);
    const { bytesRead } = await fh.read(buf, 0, pos - from, from);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buf[i] === 0x0a && ++seen === lines) return from + i + 1;
    }
    pos = from;
  }
  return 0;
}
