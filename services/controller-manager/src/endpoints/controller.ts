/**
 * The endpoints controller: for every Service with a selector, keeps its v1 Endpoints
 * and its discovery.k8s.io/v1 EndpointSlices listing the pods it selects, ready or not.
 * Kubernetes runs these as two controllers over the same inputs; here one reconcile per
 * service computes both from one read of the caches. The decisions are endpoints.ts's
 * and slices.ts's; this file reads the caches and writes.
 *
 * Latency: a pod whose readiness flips reaches its services' Endpoints within one
 * informer event and one write, since pod handlers enqueue exactly the services of the
 * pod's namespace that select it (before or after the change).
 */
import { AlreadyExistsError, ApiError, ConflictError, NotFoundError, StatusReason, type EndpointSliceObject, type EndpointsObject, type NodeObject, type PodObject, type ServiceObject } from "@flotilla/api";
import type { ApiClient, EventRecorder } from "@flotilla/bus";
import { runController, WorkQueue, type ReconcileResult } from "@flotilla/controller";
import { keyOf, type Informer } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";
import type { SharedInformers } from "../informers.ts";
import { planEndpoints } from "./endpoints.ts";
import { GroupIndex } from "./group-index.ts";
import { managesEndpoints, selectsPod, serviceSelector, servicesToSync } from "./pod-endpoints.ts";
import { CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, ZONE_LABEL } from "./slice-endpoints.ts";
import { desiredSlices } from "./slices.ts";
import { WriteTracker } from "./tracker.ts";

const MANAGER = "endpoint-controller";
/** Tracker name of a service's Endpoints (slices go by `slice/<name>`). */
const ENDPOINTS = "endpoints";
/** Endpoints that hold a leader-election record have no service on purpose; the startup sweep spares them. */
const LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader";

export interface EndpointsControllerOptions {
  /** Concurrent reconciles (different services). @default 5 */
  workers?: number;
  /** Most endpoints in one EndpointSlice, 1-1000. @default 100 */
  maxEndpointsPerSlice?: number;
  /** How long an unseen write of the controller holds its service back before it is given up on. @default 15_000 */
  unseenWriteTtlMs?: number;
  /** How soon a service put off because the caches lag its last writes is looked at again if no event brings it back first. @default 1_000 */
  laggingRecheckMs?: number;
}

interface Config {
  readonly workers: number;
  readonly maxEndpointsPerSlice: number;
  readonly unseenWriteTtlMs: number;
  readonly laggingRecheckMs: number;
}

function withDefaults(opts: EndpointsControllerOptions): Config {
  const c: Config = Object.freeze({
    workers: opts.workers ?? 5,
    maxEndpointsPerSlice: opts.maxEndpointsPerSlice ?? 100,
    unseenWriteTtlMs: opts.unseenWriteTtlMs ?? 15_000,
    laggingRecheckMs: opts.laggingRecheckMs ?? 1_000,
  });
  if (!Number.isInteger(c.workers) || c.workers < 1) throw new RangeError(`EndpointsControllerOptions.workers must be a positive integer, got ${c.workers}`);
  if (!Number.isInteger(c.maxEndpointsPerSlice) || c.maxEndpointsPerSlice < 1 || c.maxEndpointsPerSlice > 1000) {
    throw new RangeError(`EndpointsControllerOptions.maxEndpointsPerSlice must be an integer from 1 to 1000, got ${c.maxEndpointsPerSlice}`);
  }
  if (!(c.laggingRecheckMs > 0)) throw new RangeError(`EndpointsControllerOptions.laggingRecheckMs must be positive, got ${c.laggingRecheckMs}`);
  if (!(c.unseenWriteTtlMs > 0)) throw new RangeError(`EndpointsControllerOptions.unseenWriteTtlMs must be positive, got ${c.unseenWriteTtlMs}`);
  return c;
}

/** The key of the service a managed slice belongs to; undefined for slices of other writers. */
function managedSliceOwner(s: EndpointSliceObject): string | undefined {
  const labels = s.metadata?.labels ?? {};
  const service = labels[SERVICE_NAME_LABEL];
  if (labels[MANAGED_BY_LABEL] !== CONTROLLER_NAME || !service) return undefined;
  return `${s.metadata?.namespace ?? ""}/${service}`;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

/** The namespace being deleted refuses new objects; retrying cannot help, as Kubernetes also concludes. */
function namespaceClosed(err: unknown): boolean {
  return err instanceof ApiError && err.reason === StatusReason.Forbidden;
}

/** Cache races (a write over a copy that just changed), settled by the retry; not worth an Event. */
function isRace(err: unknown): boolean {
  return err instanceof ConflictError || err instanceof AlreadyExistsError || err instanceof NotFoundError;
}

/**
 * Keeps every selector Service's Endpoints and EndpointSlices in step with its pods.
 * Construct before `SharedInformers.start()`, then `run()` until the signal aborts.
 */
export class EndpointsController {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly events: EventRecorder;
  private readonly config: Config;
  private readonly queue = new WorkQueue();
  private readonly services: Informer<ServiceObject>;
  private readonly pods: Informer<PodObject>;
  private readonly endpoints: Informer<EndpointsObject>;
  private readonly slices: Informer<EndpointSliceObject>;
  private readonly nodes: Informer<NodeObject>;
  private readonly servicesByNamespace = new GroupIndex<ServiceObject>();
  private readonly podsByNamespace = new GroupIndex<PodObject>();
  private readonly slicesByService = new GroupIndex<EndpointSliceObject>();
  private readonly writes: WriteTracker;

  constructor(deps: { client: ApiClient; log: Logger; events: EventRecorder; informers: SharedInformers }, opts: EndpointsControllerOptions = {}) {
    this.client = deps.client;
    this.log = deps.log;
    this.events = deps.events;
    this.config = withDefaults(opts);
    this.writes = new WriteTracker({ ttlMs: this.config.unseenWriteTtlMs });
    this.services = deps.informers.informer<ServiceObject>("services");
    this.pods = deps.informers.informer<PodObject>("pods");
    this.endpoints = deps.informers.informer<EndpointsObject>("endpoints");
    this.slices = deps.informers.informer<EndpointSliceObject>("endpointslices");
    this.nodes = deps.informers.informer<NodeObject>("nodes");
    this.services.on({ add: (s) => this.serviceChanged(s), update: (_old, s) => this.serviceChanged(s), delete: (s) => this.serviceDeleted(s) });
    this.pods.on({ add: (p) => this.podChanged(undefined, p), update: (old, p) => this.podChanged(old, p), delete: (p) => this.podChanged(p, undefined) });
    this.endpoints.on({ add: (e) => this.endpointsAdded(e), update: (_old, e) => this.endpointsChanged(e, false), delete: (e) => this.endpointsChanged(e, true) });
    this.slices.on({ add: (s) => this.sliceChanged(undefined, s), update: (old, s) => this.sliceChanged(old, s), delete: (s) => this.sliceChanged(s, undefined) });
  }

  run(signal: AbortSignal): Promise<void> {
    const synced = [this.services, this.pods, this.endpoints, this.slices, this.nodes].map((i) => i.synced);
    return runController({ name: "endpoints", synced, queue: this.queue, workers: this.config.workers, reconcile: (key) => this.reconcile(key), log: this.log }, signal);
  }

  private serviceChanged(svc: ServiceObject): void {
    this.servicesByNamespace.set(svc.metadata?.namespace ?? "", keyOf(svc), svc);
    this.queue.add(keyOf(svc));
  }

  private serviceDeleted(svc: ServiceObject): void {
    this.servicesByNamespace.delete(svc.metadata?.namespace ?? "", keyOf(svc));
    this.queue.add(keyOf(svc));
  }

  /** Pod added (old undefined), updated, or deleted (cur undefined). */
  private podChanged(old: PodObject | undefined, cur: PodObject | undefined): void {
    const ns = (cur ?? old)?.metadata?.namespace ?? "";
    if (cur) this.podsByNamespace.set(ns, keyOf(cur), cur);
    else if (old) this.podsByNamespace.delete(ns, keyOf(old));
    for (const svc of servicesToSync(old, cur, this.servicesByNamespace.list(ns))) this.queue.add(keyOf(svc));
  }

  /** Whether the service of this key exists and has its endpoints written by this controller. */
  private manages(key: string): boolean {
    const svc = this.services.get(key);
    return svc !== undefined && managesEndpoints(svc);
  }

  private endpointsAdded(e: EndpointsObject): void {
    const key = keyOf(e);
    // The first list: Endpoints whose service was deleted while no controller ran are
    // found only here (as Kubernetes' checkLeftoverEndpoints does at start-up).
    if (!this.endpoints.hasSynced) {
      if (e.metadata?.annotations?.[LEADER_ANNOTATION] === undefined) this.queue.add(key);
      return;
    }
    this.endpointsChanged(e, false);
  }

  /** Someone else's change to managed Endpoints is undone; the echo of our own write is not news. */
  private endpointsChanged(e: EndpointsObject, deleted: boolean): void {
    const key = keyOf(e);
    const foreign = this.writes.observed(key, ENDPOINTS, deleted ? undefined : e.metadata?.resourceVersion);
    if (foreign && this.manages(key)) this.queue.add(key);
  }

  /** Slice added (old undefined), updated, or deleted (cur undefined). */
  private sliceChanged(old: EndpointSliceObject | undefined, cur: EndpointSliceObject | undefined): void {
    const before = old ? managedSliceOwner(old) : undefined;
    const after = cur ? managedSliceOwner(cur) : undefined;
    const name = (cur ?? old)?.metadata?.name ?? "";
    if (before !== undefined && before !== after) {
      this.slicesByService.delete(before, name);
      // Deleted (maybe by us) or handed to another service or writer (never by us).
      const foreign = this.writes.observed(before, `slice/${name}`, undefined) || cur !== undefined;
      if (foreign && this.manages(before)) this.queue.add(before);
    }
    if (after === undefined || !cur) return;
    this.slicesByService.set(after, name, cur);
    const foreign = this.writes.observed(after, `slice/${name}`, cur.metadata?.resourceVersion);
    if ((foreign || before !== after) && this.manages(after)) this.queue.add(after);
  }

  private async reconcile(key: string): Promise<ReconcileResult | void> {
    const svc = this.services.get(key);
    if (!svc) {
      // Endpoints have no owner reference, so their removal is ours; slices have one
      // and are left to the garbage collector, as in Kubernetes.
      this.writes.forget(key);
      await this.deleteEndpoints(key);
      return;
    }
    // Without a selector (or as an ExternalName alias) the endpoints are the user's to write.
    if (!managesEndpoints(svc)) {
      this.writes.forget(key);
      return;
    }
    const ns = svc.metadata?.namespace ?? "";
    const lagging = this.writes.behind(key, (object) => (object === ENDPOINTS ? this.endpoints.get(key) : this.slices.get(`${ns}/${object.slice("slice/".length)}`))?.metadata?.resourceVersion);
    if (lagging) return { requeueAfterMs: this.config.laggingRecheckMs };
    const selector = serviceSelector(svc) ?? {};
    const pods = [...this.podsByNamespace.list(ns)].filter((p) => selectsPod(selector, p));
    // Both writes at once: neither waits for the other's round trip.
    const results = await Promise.allSettled([this.syncEndpoints(key, svc, pods), this.syncSlices(key, svc, pods)]);
    for (const r of results) if (r.status === "rejected") throw r.reason;
  }

  private async deleteEndpoints(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    await this.client.delete("endpoints", ns, name).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }

  private async syncEndpoints(key: string, svc: ServiceObject, pods: readonly PodObject[]): Promise<void> {
    const write = planEndpoints(svc, pods, this.endpoints.get(key));
    if (!write) return;
    const ns = svc.metadata?.namespace ?? "";
    try {
      const out = write.verb === "create" ? await this.client.create("endpoints", ns, write.endpoints, { fieldManager: MANAGER }) : await this.client.update("endpoints", write.endpoints, { fieldManager: MANAGER });
      this.writes.written(key, ENDPOINTS, out.metadata.resourceVersion ?? "");
    } catch (err) {
      if (write.verb === "create" && namespaceClosed(err)) return;
      if (!isRace(err)) {
        const involved = { kind: "Endpoints", apiVersion: "v1", name: svc.metadata?.name ?? "", namespace: ns, uid: write.endpoints.metadata.uid ?? "" };
        const reason = write.verb === "create" ? "FailedToCreateEndpoint" : "FailedToUpdateEndpoint";
        this.events.record(involved, "Warning", reason, `Failed to ${write.verb} endpoint ${key}: ${(err as Error).message}`);
      }
      throw err;
    }
  }

  private async syncSlices(key: string, svc: ServiceObject, pods: readonly PodObject[]): Promise<void> {
    const ns = svc.metadata?.namespace ?? "";
    const plan = desiredSlices(svc, pods, [...this.slicesByService.list(key)], {
      maxEndpointsPerSlice: this.config.maxEndpointsPerSlice,
      zoneOf: (node) => this.nodes.get(node)?.metadata?.labels?.[ZONE_LABEL],
    });
    try {
      // New and changed slices before deletions, so no endpoint is ever missing from all slices.
      await allOrFirstError([
        ...plan.create.map(async (s) => {
          const out = await this.client.create("endpointslices", ns, s, { fieldManager: MANAGER });
          this.writes.written(key, `slice/${out.metadata.name ?? ""}`, out.metadata.resourceVersion ?? "");
        }),
        ...plan.update.map(async (s) => {
          const out = await this.client.update("endpointslices", s, { fieldManager: MANAGER });
          this.writes.written(key, `slice/${out.metadata.name ?? ""}`, out.metadata.resourceVersion ?? "");
        }),
      ]);
      await allOrFirstError(
        plan.delete.map(async (s) => {
          const name = s.metadata?.name ?? "";
          await this.client.delete("endpointslices", ns, name, { preconditions: { uid: s.metadata?.uid ?? "" } }).catch((err: unknown) => {
            if (!(err instanceof NotFoundError)) throw err;
          });
          this.writes.deleted(key, `slice/${name}`);
        }),
      );
    } catch (err) {
      if (plan.create.length > 0 && namespaceClosed(err)) return;
      if (!isRace(err)) {
        const involved = { kind: "Service", apiVersion: "v1", name: svc.metadata?.name ?? "", namespace: ns, uid: svc.metadata?.uid ?? "" };
        this.events.record(involved, "Warning", "FailedToUpdateEndpointSlices", `Error updating Endpoint Slices for Service ${key}: ${(err as Error).message}`);
      }
      throw err;
    }
  }
}

/** Waits for every write (so each success is recorded), then fails with the first failure. */
async function allOrFirstError(writes: readonly Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(writes);
  for (const r of results) if (r.status === "rejected") throw r.reason;
}
