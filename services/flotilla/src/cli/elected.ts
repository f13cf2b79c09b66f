/**
 * The scheduler and the controller manager act only while they hold their Lease
 * (`kube-system/kube-scheduler`, `kube-system/kube-controller-manager`), on every master
 * alike: each master runs a candidate, one leads, the others wait to take over. A
 * component is started when its term begins and stopped when it ends (libs/leader).
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { ApiClient, connectBus, EventRecorder } from "@flotilla/bus";
import { LeaderElector, runWhileLeading, type Stoppable } from "@flotilla/leader";
import type { Logger } from "@flotilla/log";

export const SCHEDULER_LEASE = "kube-scheduler";
export const CONTROLLER_MANAGER_LEASE = "kube-controller-manager";

/** Kubernetes' form: host name, then a unique suffix so two processes on one host differ. */
export function candidateIdentity(name = hostname()): string {
  return `${name}_${randomUUID()}`;
}

/**
 * Run `start` whenever this process leads `component`, until `signal` aborts (the lease
 * is then released). The election talks over a NATS connection of its own: the
 * component's connection carries its informers' watch streams, and a renewal answer
 * queued behind a burst of watch events missed the renew deadline under load (a leader
 * stepping down with nothing wrong).
 */
export async function runElected(servers: string | string[], component: string, identity: string, log: Logger, signal: AbortSignal, start: () => Promise<Stoppable>): Promise<void> {
  const nc = await connectBus({ servers, name: `flotilla-${component}-lease`, log });
  try {
    const client = new ApiClient(nc, { subjectPrefix: "flotilla", managedFields: false });
    const elector = new LeaderElector({
      client,
      component,
      identity,
      log: log.child({ component: "leader-election", lease: component }),
      recorder: new EventRecorder(client, component, log),
      onNewLeader: (holder) => log.info({ lease: component, holder }, "leader observed"),
    });
    await runWhileLeading(elector, signal, () => start(), { log });
  } finally {
    await nc.drain().catch(() => undefined);
  }
}
