/**
 * Between the coordination.k8s.io/v1 Lease object and the record elections decide on.
 * Pure: no I/O.
 */
import type { KubeObject } from "@flotilla/api";
import { leaseDurationMsOf, leaseDurationSecondsFor, type RecordFields } from "./decide.ts";
import type { LeaseRecord } from "./types.ts";

/**
 * The real lease duration in ms. leaseDurationSeconds is an integer in the API and
 * Flotilla's leases are shorter than its precision allows; it is written rounded up
 * beside this for kubectl and other readers.
 */
export const LEASE_DURATION_MS_ANNOTATION = "flotilla.io/lease-duration-ms";

export const LEASE_API_VERSION = "coordination.k8s.io/v1";

interface LeaseSpecShape {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** The record a Lease holds; `fallbackDurationMs` when it states no duration. */
export function recordFromLease(lease: KubeObject, fallbackDurationMs: number): LeaseRecord {
  const spec = (lease["spec"] ?? {}) as LeaseSpecShape;
  return {
    holderIdentity: spec.holderIdentity ?? "",
    leaseDurationMs: leaseDurationMsOf(lease.metadata.annotations?.[LEASE_DURATION_MS_ANNOTATION], spec.leaseDurationSeconds, fallbackDurationMs),
    acquireTime: spec.acquireTime ?? "",
    renewTime: spec.renewTime ?? "",
    leaseTransitions: typeof spec.leaseTransitions === "number" ? spec.leaseTransitions : 0,
    resourceVersion: lease.metadata.resourceVersion ?? "",
  };
}

/**
 * The Lease to write: `base` (the version last read or written, so labels, other
 * annotations and unknown spec fields survive a PUT) with the record's fields, and
 * resourceVersion set for compare-and-set. Without a base, a new Lease.
 */
export function leaseWithRecord(base: KubeObject | undefined, namespace: string, name: string, fields: RecordFields, resourceVersion?: string): KubeObject {
  const meta = base ? { ...base.metadata } : { name, namespace };
  delete meta.managedFields;
  if (resourceVersion === undefined) delete meta.resourceVersion;
  else meta.resourceVersion = resourceVersion;
  meta.annotations = { ...meta.annotations, [LEASE_DURATION_MS_ANNOTATION]: String(fields.leaseDurationMs) };
  const spec: LeaseSpecShape = { ...((base?.["spec"] ?? {}) as LeaseSpecShape) };
  spec.holderIdentity = fields.holderIdentity;
  spec.leaseDurationSeconds = leaseDurationSecondsFor(fields.leaseDurationMs);
  if (fields.acquireTime) spec.acquireTime = fields.acquireTime;
  else delete spec.acquireTime;
  spec.renewTime = fields.renewTime;
  spec.leaseTransitions = fields.leaseTransitions;
  return { ...(base ?? {}), apiVersion: LEASE_API_VERSION, kind: "Lease", metadata: meta, spec };
}
