import { describe, expect, it } from "vitest";
import type { KubeObject } from "@flotilla/api";
import { LEASE_DURATION_MS_ANNOTATION, leaseWithRecord, recordFromLease } from "./lease-record.ts";

const fields = { holderIdentity: "pi-1_abc", leaseDurationMs: 2000, acquireTime: "2026-11-22T07:00:00.100000Z", renewTime: "2026-11-22T07:00:01.100000Z", leaseTransitions: 2 };

describe("leader lease record", () => {
  it("leader lease record: a new Lease carries the spec, leaseDurationSeconds rounded up and the ms annotation", () => {
    const lease = leaseWithRecord(undefined, "kube-system", "kube-scheduler", { ...fields, leaseDurationMs: 1500 });
    expect(lease).toEqual({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "kube-scheduler", namespace: "kube-system", annotations: { [LEASE_DURATION_MS_ANNOTATION]: "1500" } },
      spec: { holderIdentity: "pi-1_abc", leaseDurationSeconds: 2, acquireTime: fields.acquireTime, renewTime: fields.renewTime, leaseTransitions: 2 },
    });
  });

  it("leader lease record: an update keeps others' labels, annotations and spec fields, sets resourceVersion, drops managedFields", () => {
    const base: KubeObject = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "kube-scheduler", namespace: "kube-system", uid: "u1", resourceVersion: "7", labels: { team: "x" }, annotations: { note: "hi", [LEASE_DURATION_MS_ANNOTATION]: "9000" }, managedFields: [{ manager: "m" }] },
      spec: { holderIdentity: "old", preferredHolder: "someone", leaseDurationSeconds: 9 },
    };
    const next = leaseWithRecord(base, "kube-system", "kube-scheduler", fields, "7");
    expect(next.metadata).toEqual({ name: "kube-scheduler", namespace: "kube-system", uid: "u1", resourceVersion: "7", labels: { team: "x" }, annotations: { note: "hi", [LEASE_DURATION_MS_ANNOTATION]: "2000" } });
    expect(next["spec"]).toEqual({ holderIdentity: "pi-1_abc", preferredHolder: "someone", leaseDurationSeconds: 2, acquireTime: fields.acquireTime, renewTime: fields.renewTime, leaseTransitions: 2 });
    expect(base.metadata.managedFields).toHaveLength(1);
  });

  it("leader lease record: reads back what was written, with the revision", () => {
    const lease = leaseWithRecord(undefined, "kube-system", "c", fields);
    lease.metadata.resourceVersion = "42";
    expect(recordFromLease(lease, 5000)).toEqual({ ...fields, resourceVersion: "42" });
  });

  it("leader lease record: a Lease written by client-go (no annotation, whole seconds) is read in ms", () => {
    const lease: KubeObject = { metadata: { name: "c", resourceVersion: "3" }, spec: { holderIdentity: "kcm-1", leaseDurationSeconds: 15, renewTime: "2026-11-22T07:00:00.000000Z", leaseTransitions: 1 } };
    expect(recordFromLease(lease, 2000)).toEqual({ holderIdentity: "kcm-1", leaseDurationMs: 15_000, acquireTime: "", renewTime: "2026-11-22T07:00:00.000000Z", leaseTransitions: 1, resourceVersion: "3" });
  });

  it("leader lease record: an empty spec is a lease nobody holds, with our duration", () => {
    expect(recordFromLease({ metadata: { name: "c", resourceVersion: "1" }, spec: {} }, 2000)).toEqual({ holderIdentity: "", leaseDurationMs: 2000, acquireTime: "", renewTime: "", leaseTransitions: 0, resourceVersion: "1" });
  });
});
