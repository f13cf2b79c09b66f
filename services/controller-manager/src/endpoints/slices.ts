/**
 * The EndpointSlices of a service, decided from its pods and the slices it already has:
 * which slices to create, update and delete so that every published pod appears exactly
 * once, in a slice of its address family and port set, with at most
 * `maxEndpointsPerSlice` endpoints per slice.
 *
 * Writes are few on purpose, as in Kubernetes' reconciler: an endpoint that changed is
 * changed in place, new endpoints first fill slices that are being written anyway, then
 * the existing slice they fit best, and only then new slices; a slice about to be
 * deleted is reused for one about to be created. Pure; inputs are read-only.
 */
import type { EndpointSliceObject, PodObject, ServiceObject } from "@flotilla/api";
import { addressTypesOf, shouldPodBeInEndpoints, type AddressType } from "./pod-endpoints.ts";
import { endpointContent, endpointKey, endpointPorts, isPlaceholderFor, newSlice, ownedBy, podToEndpoint, portsKey, sameLabels, sliceLabels, type SliceBody, type SliceEndpoint, type SlicePort } from "./slice-endpoints.ts";

export interface SliceOptions {
  /** Most endpoints in one slice. @default 100 */
  maxEndpointsPerSlice?: number;
  /** The zone of a node (its topology.kubernetes.io/zone label), if known. @default () => undefined */
  zoneOf?: (nodeName: string) => string | undefined;
}

export interface SlicePlan {
  /** New slices, named by the apiserver from `generateName`. */
  create: SliceBody[];
  /** Changed copies of existing slices, each with the resourceVersion it was computed from. */
  update: SliceBody[];
  /** Existing slices to remove. */
  delete: EndpointSliceObject[];
}

interface Desired {
  ports: SlicePort[];
  /** By endpointKey, in key order so that the outcome does not depend on the order of the pods. */
  endpoints: Map<string, SliceEndpoint>;
}

const byName = (a: EndpointSliceObject, b: EndpointSliceObject) => ((a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1);

function groupPush<T>(groups: Map<string, T[]>, key: string, item: T): void {
  const list = groups.get(key);
  if (list) list.push(item);
  else groups.set(key, [item]);
}

/**
 * The writes that make `existing` (the slices this controller manages for the service)
 * publish `pods` (those its selector matches). Pods that have an IP and are not terminal
 * appear, terminating ones included (with `terminating: true`, never `ready`). A
 * service with no endpoints keeps one empty placeholder slice per address family. A
 * service being deleted gets no new slices; the garbage collector is removing them.
 */
export function desiredSlices(svc: ServiceObject, pods: readonly PodObject[], existing: readonly EndpointSliceObject[], opts: SliceOptions = {}): SlicePlan {
  const max = opts.maxEndpointsPerSlice ?? 100;
  const zoneOf = opts.zoneOf ?? (() => undefined);
  const types = addressTypesOf(svc);
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const byType = new Map<string, EndpointSliceObject[]>();
  for (const s of [...existing].sort(byName)) {
    if (!(types as string[]).includes(s.addressType)) plan.delete.push(s);
    else groupPush(byType, s.addressType, s);
  }
  for (const type of types) {
    const part = planAddressType(svc, desiredByPorts(svc, pods, type, zoneOf), byType.get(type) ?? [], type, max);
    plan.create.push(...part.create);
    plan.update.push(...part.update);
    plan.delete.push(...part.delete);
  }
  if (svc.metadata?.deletionTimestamp !== undefined) plan.create = [];
  return plan;
}

/** The endpoints of one address family, grouped by the exact set of ports their pods serve. */
function desiredByPorts(svc: ServiceObject, pods: readonly PodObject[], type: AddressType, zoneOf: (node: string) => string | undefined): Map<string, Desired> {
  const groups = new Map<string, Desired>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ep = podToEndpoint(svc, pod, type, zoneOf);
    if ((ep.addresses ?? []).length === 0) continue; // no IP of this family
    const ports = endpointPorts(svc, pod);
    const key = portsKey(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, endpoints: new Map() }));
    group.endpoints.set(endpointKey(ep), ep);
  }
  for (const g of groups.values()) g.endpoints = new Map([...g.endpoints.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  return groups;
}


function planAddressType(svc: ServiceObject, desired: Map<string, Desired>, existing: readonly EndpointSliceObject[], type: AddressType, max: number): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const existingByPorts = new Map<string, EndpointSliceObject[]>();
  for (const s of existing) {
    // A slice of an earlier service of the same name: never reused, only removed.
    if (!ownedBy(s, svc)) plan.delete.push(s);
    else groupPush(existingByPorts, portsKey(s.ports), s);
  }
  for (const [key, want] of desired) {
    const part = planPortSet(svc, existingByPorts.get(key) ?? [], want, type, max);
    plan.create.push(...part.create);
    plan.update.push(...part.update);
    plan.delete.push(...part.delete);
  }
  for (const [key, slices] of existingByPorts) if (!desired.has(key)) plan.delete.push(...slices);
  if (existing.length === plan.delete.length && plan.create.length === 0) {
    // Nothing to publish: keep (or make) one empty slice, so readers can tell "no
    // endpoints" from "not synced yet".
    const [only] = plan.delete;
    if (plan.delete.length === 1 && only && isPlaceholderFor(only, svc, type)) plan.delete = [];
    else plan.create.push(newSlice(svc, type, [], []));
  }
  reuseDeleted(svc, plan);
  return plan;
}

/** Turns creates into updates of slices that would otherwise be deleted: one write instead of two, and fewer names churned. */
function reuseDeleted(svc: ServiceObject, plan: SlicePlan): void {
  const keep: EndpointSliceObject[] = [];
  for (const old of plan.delete) {
    const fresh = plan.create.at(-1);
    if (!fresh || !ownedBy(old, svc) || old.addressType !== fresh.addressType) {
      keep.push(old);
      continue;
    }
    plan.create.pop();
    const next = structuredClone(old) as SliceBody;
    next.metadata = { ...next.metadata, labels: fresh.metadata.labels ?? {}, ownerReferences: fresh.metadata.ownerReferences ?? [] };
    next.endpoints = fresh.endpoints;
    next.ports = fresh.ports ?? [];
    plan.update.push(next);
  }
  plan.delete = keep;
}

/** The writes for the slices of one port set. */
function planPortSet(svc: ServiceObject, slices: readonly EndpointSliceObject[], want: Desired, type: AddressType, max: number): SlicePlan {
  const remaining = new Map(want.endpoints);
  const labels = sliceLabels(svc);
  const updated = new Map<string, SliceBody>();
  const unchanged: EndpointSliceObject[] = [];
  const deleted: EndpointSliceObject[] = [];
  // 1. Drop endpoints no longer wanted, refresh the ones that changed.
  for (const s of slices) {
    const kept: SliceEndpoint[] = [];
    let changed = false;
    for (const ep of s.endpoints) {
      const key = endpointKey(ep);
      const w = remaining.get(key);
      if (!w) {
        changed = true; // not wanted, or a duplicate of one already placed
        continue;
      }
      remaining.delete(key);
      kept.push(w);
      if (endpointContent(w) !== endpointContent(ep)) changed = true;
    }
    if (changed && kept.length === 0) deleted.push(s);
    else if (changed || !sameLabels(s.metadata?.labels, labels)) updated.set(s.metadata?.name ?? "", withEndpoints(s, kept, labels));
    else unchanged.push(s);
  }
  // 2. Fill the slices being written anyway, fullest first.
  for (const s of [...updated.values()].sort((a, b) => b.endpoints.length - a.endpoints.length)) take(remaining, s.endpoints, max);
  // 3. The rest: into the unchanged slice it fits most snugly, else into new slices.
  const create: SliceBody[] = [];
  while (remaining.size > 0) {
    const fit = remaining.size < max ? closestFit(unchanged, remaining.size, max) : undefined;
    if (fit) {
      unchanged.splice(unchanged.indexOf(fit), 1);
      const s = withEndpoints(fit, [...fit.endpoints], labels);
      take(remaining, s.endpoints, max);
      updated.set(s.metadata.name ?? "", s);
    } else {
      const s = newSlice(svc, type, want.ports, []);
      take(remaining, s.endpoints, max);
      create.push(s);
    }
  }
  return { create, update: [...updated.values()], delete: deleted };
}

/** Moves endpoints from `remaining` into `into` until it holds `max`. */
function take(remaining: Map<string, SliceEndpoint>, into: SliceEndpoint[], max: number): void {
  for (const [key, ep] of remaining) {
    if (into.length >= max) return;
    into.push(ep);
    remaining.delete(key);
  }
}

/** The slice that `count` more endpoints would leave closest to full without overflowing it. */
function closestFit(slices: readonly EndpointSliceObject[], count: number, max: number): EndpointSliceObject | undefined {
  let best: EndpointSliceObject | undefined;
  let bestRoom = max;
  for (const s of slices) {
    const room = max - (s.endpoints.length + count);
    if (room >= 0 && room < bestRoom) {
      best = s;
      bestRoom = room;
      if (room === 0) break;
    }
  }
  return best;
}

function withEndpoints(s: EndpointSliceObject, endpoints: SliceEndpoint[], labels: Record<string, string>): SliceBody {
  const next = structuredClone(s) as SliceBody;
  next.metadata = { ...next.metadata, labels };
  next.endpoints = endpoints;
  return next;
}
