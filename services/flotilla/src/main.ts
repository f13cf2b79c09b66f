#!/usr/bin/env node
/** The flotilla command: starts a master (`server`), a local cluster (`up`), and more. */
import { Command } from "commander";
import { downCommand, upCommand } from "./cli/up.ts";
import { serverCommand } from "./cli/server.ts";
import { agentCommand } from "./cli/agent.ts";
import { controllerManagerCommand, schedulerCommand } from "./cli/actors.ts";
import { versionCommand } from "./cli/version.ts";
import { FLOTILLA_VERSION } from "./version.ts";

const program = new Command("flotilla")
  .description("Flotilla: a Kubernetes-compatible orchestrator for fleets of VMs and Raspberry Pis")
  .version(FLOTILLA_VERSION, "-v, --version")
  .addCommand(serverCommand())
  .addCommand(agentCommand())
  .addCommand(schedulerCommand())
  .addCommand(controllerManagerCommand())
  .addCommand(upCommand())
  .addCommand(downCommand())
  .addCommand(versionCommand());

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`flotilla: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
