#!/usr/bin/env -S node --max-semi-space-size=1 --max-opt=1
/**
 * `flotilla-agent`: the node-only command, bundled on its own (make build, into
 * dist/flotilla-agent.cjs) so a small machine loads only the kubelet — not the
 * apiserver, schemas or controllers.
 *
 * The `#!` line carries the V8 flags of a node's agent, which idles between short bursts
 * of work (measured in bench/agent-memory.bench.ts, with and without them):
 * - `--max-semi-space-size=1`: a young generation of 1 MB semi-spaces instead of up to 16:
 *   more frequent but tiny scavenges for a heap of a few MB.
 * - `--max-opt=1`: interpreter and baseline compiler only. The optimising compilers'
 *   code and output cost some 8 MB resident for code that is never hot here.
 */
import { Command } from "commander";
import { agentCommand } from "./cli/agent.ts";
import { FLOTILLA_VERSION } from "./version.ts";

const program = new Command("flotilla-agent").description("Flotilla node agent").version(FLOTILLA_VERSION, "-v, --version").addCommand(agentCommand(), { isDefault: true });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`flotilla-agent: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
