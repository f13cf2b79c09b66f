/**
 * The controller manager: today the node controller (the other controllers come with
 * the controllers issue). One process-level entry, `run`-style: given a NATS
 * connection and a logger, start, and stop on request.
 */
import { ApiClient, EventRecorder } from "@flotilla/bus";
import type { Logger } from "@flotilla/log";
import type { NatsConnection } from "@nats-io/transport-node";
import { NodeController, type NodeControllerOptions } from "./node/controller.ts";

export interface ControllerManagerOptions {
  node?: NodeControllerOptions;
}

export interface ControllerManager {
  node: NodeController;
  stop(): void;
}

export async function startControllerManager(nc: NatsConnection, log: Logger, opts: ControllerManagerOptions = {}): Promise<ControllerManager> {
  const client = new ApiClient(nc, { subjectPrefix: opts.node?.subjectPrefix ?? "flotilla" });
  const events = new EventRecorder(client, "node-controller", log);
  const node = new NodeController({ client, nc, log: log.child({ controller: "node" }), events }, opts.node);
  await node.start();
  return { node, stop: () => node.stop() };
}
