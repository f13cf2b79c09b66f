/**
 * How fast the store's disk fsyncs, measured where JetStream keeps its files. With
 * `--store-sync always` a single master fsyncs every write on its own, one after
 * another, so this bounds its writes per second (three per pod started); a cheap SD
 * card takes milliseconds per fsync where an SSD takes a fraction of one. Measured at
 * start-up so the master can say so in its log instead of leaving a slow cluster a
 * mystery.
 */
import { open, rm } from "node:fs/promises";
import { join } from "node:path";

export interface FsyncProbe {
  /** Median time of a 4 KiB append followed by fsync, µs. */
  p50Us: number;
  /** Slowest of them, µs. */
  maxUs: number;
}

/** `rounds` appends of 4 KiB, each followed by fsync, in a file of `dir` removed afterwards. */
export async function probeFsync(dir: string, rounds = 16): Promise<FsyncProbe> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`probeFsync: rounds must be a positive integer, got ${rounds}`);
  const file = join(dir, `.fsync-probe-${process.pid}`);
  const chunk = Buffer.alloc(4096, 0x2e);
  const times: number[] = [];
  const fh = await open(file, "a");
  try {
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      await fh.write(chunk);
      await fh.sync();
      times.push((performance.now() - t0) * 1000);
    }
  } finally {
    await fh.close();
    await rm(file, { force: true });
  }
  times.sort((a, b) => a - b);
  return { p50Us: Math.round(times[Math.floor((times.length - 1) / 2)]!), maxUs: Math.round(times[times.length - 1]!) };
}

/** Above this median, start-up warns: fewer than ~500 fsynced writes per second. */
export const SLOW_FSYNC_US = 2000;
