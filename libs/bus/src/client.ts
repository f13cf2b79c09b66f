/**
 * The actors' API client over the bus. Errors come back as typed ApiErrors (NotFound,
 * Conflict, …); a bus failure (no apiserver answering, timeout) is UnavailableError,
 * and a timed-out write may have landed, so callers re-read rather than repeat it.
 */
import { errors as natsErrors, type NatsConnection } from "@nats-io/transport-node";
import { UnavailableError, TimeoutError, errorFromStatus } from "@flotilla/api/errors";
import type { KubeList, KubeObject } from "@flotilla/api";
import { decode, encode } from "./codec.ts";
import { apiSubject, BusVerb, type BusReply, type BusRequest } from "./protocol.ts";
import { BusWatch, type BusWatchOptions } from "./watch.ts";

export interface ApiClientOptions {
  /** Subject prefix the apiservers serve. @default "flotilla" */
  subjectPrefix?: string;
  /** Per-request timeout. @default 5000 */
  timeoutMs?: number;
  /**
   * Whether objects read (replies, lists, watch events) carry metadata.managedFields.
   * Actors that never look at them say false, and the apiserver leaves them out. @default true
   */
  managedFields?: boolean;
}

export type ListOptions = Pick<BusRequest, "labelSelector" | "fieldSelector" | "resourceVersion" | "limit" | "continue">;
export type WriteOptions = Pick<BusRequest, "fieldManager" | "dryRun">;

export class ApiClient {
  readonly nc: NatsConnection;
  readonly prefix: string;
  readonly managedFields: boolean;
  private readonly timeoutMs: number;

  constructor(nc: NatsConnection, opts: ApiClientOptions = {}) {
    this.nc = nc;
    this.prefix = opts.subjectPrefix ?? "flotilla";
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.managedFields = opts.managedFields ?? true;
  }

  /** One request/reply; resolves to the reply's object or throws its typed error. */
  async call<T = KubeObject>(verb: BusVerb, resource: string, rq: BusRequest): Promise<T> {
    let bytes: Uint8Array;
    try {
      const m = await this.nc.request(apiSubject(this.prefix, verb, resource), encode(this.managedFields ? rq : { ...rq, omitManagedFields: true }), { timeout: this.timeoutMs });
      bytes = m.data;
    } catch (err) {
      if (err instanceof natsErrors.TimeoutError) throw new TimeoutError(`no reply from the apiserver within ${this.timeoutMs} ms; a write may or may not have been applied`);
      throw new UnavailableError(`no apiserver answered ${verb} ${resource}: ${(err as Error).message}`, err);
    }
    const r = decode<BusReply>(bytes);
    if ("status" in r) throw errorFromStatus(r.status);
    return r.object as T;
  }

  get(resource: string, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.call(BusVerb.Get, resource, { ...(namespace ? { namespace } : {}), name });
  }

  /**
   * A list. Without `limit`, every page is fetched (the apiserver caps each reply to
   * fit a NATS message) and returned as one list; with `limit`, one page and its
   * `continue` token.
   */
  async list(resource: string, namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList> {
    const rq = { ...opts, ...(namespace ? { namespace } : {}) };
    const first = await this.call<KubeList>(BusVerb.List, resource, rq);
    if (opts.limit !== undefined) return first;
    // Bounded: each page holds at least one object, so this ends after at most one
    // round trip per remaining object.
    for (let page = first; page.metadata.continue; ) {
      page = await this.call<KubeList>(BusVerb.List, resource, { ...rq, continue: page.metadata.continue });
      first.items.push(...page.items);
    }
    delete first.metadata.continue;
    delete first.metadata.remainingItemCount;
    return first;
  }

  create(resource: string, namespace: string | undefined, body: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    return this.call(BusVerb.Create, resource, { ...opts, ...(namespace ? { namespace } : {}), body });
  }

  /** pods/binding: place a pod on a node; a pod already bound is a ConflictError. */
  async bind(namespace: string, name: string, nodeName: string, opts: Pick<WriteOptions, "fieldManager" | "dryRun"> = {}): Promise<void> {
    const body = { apiVersion: "v1", kind: "Binding", metadata: { name, namespace }, target: { apiVersion: "v1", kind: "Node", name: nodeName } };
    await this.call(BusVerb.Create, "pods", { ...opts, namespace, name, subresource: "binding", body });
  }

  /** PUT semantics: conditional on body.metadata.resourceVersion when set. `finalize` (namespaces) writes only spec.finalizers. */
  update(resource: string, body: KubeObject, opts: WriteOptions & { subresource?: "status" | "finalize" } = {}): Promise<KubeObject> {
    const m = body.metadata;
    return this.call(BusVerb.Update, resource, { ...opts, ...(m.namespace ? { namespace: m.namespace } : {}), name: m.name!, body });
  }

  patch(resource: string, namespace: string | undefined, name: string, patchType: string, patch: unknown, opts: WriteOptions & { subresource?: "status"; force?: boolean } = {}): Promise<KubeObject> {
    return this.call(BusVerb.Patch, resource, { ...opts, ...(namespace ? { namespace } : {}), name, patchType, body: patch });
  }

  delete(resource: string, namespace: string | undefined, name: string, opts: Pick<BusRequest, "propagationPolicy" | "gracePeriodSeconds" | "preconditions" | "dryRun"> = {}): Promise<KubeObject> {
    return this.call(BusVerb.Delete, resource, { ...opts, ...(namespace ? { namespace } : {}), name });
  }

  /** A resuming watch; iterate it for events. See BusWatch. */
  watch(resource: string, namespace: string | undefined, opts: Omit<BusWatchOptions, "resource" | "namespace"> = {}): BusWatch {
    return new BusWatch(this, { ...opts, resource, ...(namespace ? { namespace } : {}) });
  }
}
