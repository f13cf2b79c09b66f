/**
 * V8 flags a Flotilla process starts with. A 32 MiB young generation (the default is
 * 16 MiB) halves how often the apiserver stops for a scavenge under a steady stream of
 * requests, each of which allocates a few objects of a few KiB: measured, create p99 at
 * 500/s went from 29–90 ms to 20–24 ms on 2 cores (bench/RESULTS.md).
 */
export const NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32"];
