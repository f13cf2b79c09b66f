/**
 * One informer per resource for the whole controller manager: the ReplicaSet, Deployment,
 * garbage collector and node controllers all read pods, and each keeping its own copy
 * of every pod would multiply memory and watch traffic. Controllers ask for informers
 * and add their handlers first; `start()` then starts them all, so every handler hears
 * every object from the first list on.
 */
import type { ApiClient } from "@flotilla/bus";
import { Informer, stripManagedFields, type HasMeta } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";

export class SharedInformers {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly byResource = new Map<string, Informer>();
  private started = false;

  constructor(client: ApiClient, log: Logger) {
    this.client = client;
    this.log = log;
  }

  /** The cluster-wide informer of `resource` (all namespaces, no selector), without managedFields (no controller reads them). */
  informer<T extends HasMeta>(resource: string): Informer<T> {
    let inf = this.byResource.get(resource);
    if (!inf) {
      inf = new Informer(this.client, { resource, transform: stripManagedFields }, this.log);
      this.byResource.set(resource, inf);
      if (this.started) inf.start();
    }
    return inf as unknown as Informer<T>;
  }

  start(): void {
    this.started = true;
    for (const inf of this.byResource.values()) inf.start();
  }

  /** Resolves once every informer asked for so far has its first list. */
  async synced(): Promise<void> {
    await Promise.all([...this.byResource.values()].map((i) => i.synced));
  }

  stop(): void {
    for (const inf of this.byResource.values()) inf.stop();
  }
}
