#!/usr/bin/env node
/**
 * `flotilla-agent`: the node-only command, bundled on its own (make build) so a small
 * machine loads only the kubelet — not the apiserver, schemas or controllers.
 */
import { Command } from "commander";
import { agentCommand } from "./cli/agent.ts";
import { FLOTILLA_VERSION } from "./version.ts";

const program = new Command("flotilla-agent").description("Flotilla node agent").version(FLOTILLA_VERSION, "-v, --version").addCommand(agentCommand(), { isDefault: true });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`flotilla-agent: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
