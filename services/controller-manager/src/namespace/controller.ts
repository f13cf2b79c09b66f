/**
 * The namespace controller: a deleted namespace (Terminating, its `kubernetes`
 * finalizer in spec.finalizers) has everything in it deleted; when nothing is left, the
 * finalizer is removed through namespaces/finalize and the apiserver removes the
 * namespace. Content is listed from the API, not from caches, so "empty" is never a
 * stale answer. Pods take their grace period to go; the namespace waits for them and
 * says what remains in its NamespaceContentRemaining condition.
 */
import { NotFoundError, RESOURCES, type KubeObject, type NamespaceObject } from "@flotilla/api";
import type { ApiClient } from "@flotilla/bus";
import { runController, WorkQueue, type ReconcileResult } from "@flotilla/controller";
import type { Informer } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";
import type { SharedInformers } from "../informers.ts";
import { contentCondition, NAMESPACE_FINALIZER, remainingMessage } from "./logic.ts";

/** How soon a namespace whose content is still going away is checked again. */
const RECHECK_MS = 1000;
const MERGE = "application/merge-patch+json";

export class NamespaceController {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly queue = new WorkQueue();
  private readonly namespaces: Informer<NamespaceObject>;

  constructor(deps: { client: ApiClient; log: Logger; informers: SharedInformers }) {
    this.client = deps.client;
    this.log = deps.log;
    this.namespaces = deps.informers.informer<NamespaceObject>("namespaces");
    const enqueue = (ns: NamespaceObject): void => {
      if (ns.metadata?.deletionTimestamp) this.queue.add(ns.metadata.name ?? "");
    };
    this.namespaces.on({ add: enqueue, update: (_o, ns) => enqueue(ns) });
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({ name: "namespace", synced: [this.namespaces.synced], queue: this.queue, workers: 2, reconcile: (name) => this.reconcile(name), log: this.log }, signal);
  }

  private async reconcile(name: string): Promise<ReconcileResult | void> {
    const ns = this.namespaces.get(name);
    if (!ns?.metadata?.deletionTimestamp) return;
    const finalizers = ns.spec?.finalizers ?? [];
    if (!finalizers.includes(NAMESPACE_FINALIZER)) return;
    const remaining = new Map<string, number>();
    for (const info of RESOURCES) {
      if (!info.namespaced) continue;
      const list = await this.client.list(info.resource, name);
      const left = list.items.length;
      if (left > 0) remaining.set(info.resource, left);
      for (const item of list.items) await this.remove(info.resource, item);
    }
    if (remaining.size > 0) {
      const message = remainingMessage(remaining);
      const shown = (ns.status as { conditions?: { type?: string; message?: string }[] } | undefined)?.conditions?.find((c) => c.type === "NamespaceContentRemaining")?.message;
      if (shown?.endsWith(message)) return { requeueAfterMs: RECHECK_MS };
      await this.client.patch("namespaces", undefined, name, MERGE, { status: { conditions: [contentCondition(message)] } }, { subresource: "status", fieldManager: "namespace-controller" }).catch(() => undefined);
      return { requeueAfterMs: RECHECK_MS };
    }
    this.log.info({ namespace: name }, "namespace empty; finalizing");
    const body = { apiVersion: "v1", kind: "Namespace", metadata: { name, resourceVersion: ns.metadata.resourceVersion }, spec: { finalizers: finalizers.filter((f) => f !== NAMESPACE_FINALIZER) } } as KubeObject;
    await this.client.update("namespaces", body, { subresource: "finalize", fieldManager: "namespace-controller" }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }

  /** Objects already being deleted are left to finish (pods to their kubelet, owners to the garbage collector). */
  private async remove(resource: string, obj: KubeObject): Promise<void> {
    if (obj.metadata.deletionTimestamp) return;
    await this.client.delete(resource, obj.metadata.namespace, obj.metadata.name ?? "", { propagationPolicy: "Background", preconditions: { uid: obj.metadata.uid ?? "" } }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }
}
