/**
 * Keeps every live namespace equipped with its `default` ServiceAccount and the
 * `kube-root-ca.crt` ConfigMap (decisions in logic.ts). One key per namespace; a
 * namespace is looked at when it appears, and again whenever either object in it is
 * deleted or changed, so a user who deletes them gets them back.
 *
 * Its two informers are filtered by name on the server: caching every ServiceAccount and
 * ConfigMap of the cluster to watch two names would cost memory for nothing.
 */
import { AlreadyExistsError, ConflictError, NotFoundError, type KubeObject, type NamespaceObject } from "@flotilla/api";
import type { ApiClient } from "@flotilla/bus";
import { runController, WorkQueue } from "@flotilla/controller";
import { Informer } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";
import type { SharedInformers } from "../informers.ts";
import { DEFAULT_ACCOUNT, planNamespace, ROOT_CA_CONFIGMAP } from "./logic.ts";

const MANAGER = "serviceaccount-controller";

export interface ServiceAccountControllerOptions {
  /** The cluster CA to publish in every namespace; none is published without it. */
  rootCaPem?: string | undefined;
}

export class ServiceAccountController {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly queue = new WorkQueue();
  private readonly namespaces: Informer<NamespaceObject>;
  private readonly accounts: Informer<KubeObject>;
  private readonly configMaps: Informer<KubeObject>;
  private readonly caPem: string | undefined;

  constructor(deps: { client: ApiClient; log: Logger; informers: SharedInformers }, opts: ServiceAccountControllerOptions = {}) {
    this.client = deps.client;
    this.log = deps.log;
    this.caPem = opts.rootCaPem;
    this.namespaces = deps.informers.informer<NamespaceObject>("namespaces");
    this.accounts = new Informer<KubeObject>(deps.client, { resource: "serviceaccounts", fieldSelector: `metadata.name=${DEFAULT_ACCOUNT}` }, deps.log);
    this.configMaps = new Informer<KubeObject>(deps.client, { resource: "configmaps", fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` }, deps.log);
    const byName = (ns: NamespaceObject) => this.queue.add(ns.metadata?.name ?? "");
    const byNamespace = (o: KubeObject) => this.queue.add(o.metadata.namespace ?? "");
    this.namespaces.on({ add: byName, update: (_o, ns) => byName(ns) });
    this.accounts.on({ delete: byNamespace, update: (_o, n) => byNamespace(n) });
    if (this.caPem !== undefined) this.configMaps.on({ delete: byNamespace, update: (_o, n) => byNamespace(n) });
  }

  run(signal: AbortSignal): Promise<void> {
    this.accounts.start();
    if (this.caPem !== undefined) this.configMaps.start();
    signal.addEventListener("abort", () => {
      this.accounts.stop();
      this.configMaps.stop();
    }, { once: true });
    const synced = [this.namespaces.synced, this.accounts.synced, ...(this.caPem !== undefined ? [this.configMaps.synced] : [])];
    return runController({ name: "serviceaccount", synced, queue: this.queue, workers: 2, reconcile: (ns) => this.reconcile(ns), log: this.log }, signal);
  }

  private async reconcile(namespace: string): Promise<void> {
    const actions = planNamespace({
      namespace: this.namespaces.get(namespace) as KubeObject | undefined,
      account: this.accounts.get(`${namespace}/${DEFAULT_ACCOUNT}`),
      configMap: this.configMaps.get(`${namespace}/${ROOT_CA_CONFIGMAP}`),
      caPem: this.caPem,
    });
    for (const a of actions) {
      try {
        if (a.kind === "updateConfigMap") await this.client.update("configmaps", a.object, { fieldManager: MANAGER });
        else await this.client.create(a.kind === "createAccount" ? "serviceaccounts" : "configmaps", namespace, a.object, { fieldManager: MANAGER });
      } catch (err) {
        // Already there (our cache is behind), or the namespace went away meanwhile: nothing to do.
        // A conflict means the ConfigMap changed again; its update event brings the namespace back.
        if (err instanceof AlreadyExistsError || err instanceof NotFoundError || err instanceof ConflictError) continue;
        if ((err as { reason?: string }).reason === "Forbidden") continue; // the namespace is terminating
        throw err;
      }
      this.log.debug({ namespace, action: a.kind }, "namespace equipped");
    }
  }
}
