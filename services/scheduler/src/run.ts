/** Start the scheduler actor on a NATS connection (its own, as every actor's). */
import { ApiClient } from "@flotilla/bus";
import type { Logger } from "@flotilla/log";
import type { NatsConnection } from "@nats-io/transport-node";
import { Scheduler, type SchedulerOptions } from "./scheduler.ts";

export async function startScheduler(nc: NatsConnection, log: Logger, opts: SchedulerOptions & { subjectPrefix?: string } = {}): Promise<Scheduler> {
  const s = new Scheduler(new ApiClient(nc, { subjectPrefix: opts.subjectPrefix ?? "flotilla", managedFields: false }), log, opts);
  await s.start();
  log.info("scheduler started");
  return s;
}
