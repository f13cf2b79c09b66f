/**
 * What the apiserver owns in an object's life, as Kubernetes does it: finalizers and
 * deletionTimestamp, graceful pod deletion, the spec/status split, generation, dry run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { NotFoundError, type KubeObject } from "@flotilla/api";
import { ApiClient } from "@flotilla/bus";
import { startNatsServer, type NatsServerHandle } from "../support/nats.ts";
import { startReplica, type Replica } from "../support/apiserver.ts";

let nats: NatsServerHandle;
let replica: Replica;
let nc: NatsConnection;
let client: ApiClient;
const MERGE = "application/merge-patch+json";

const deployment = (name: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } } },
});

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  replica = await startReplica(nats.url);
  nc = await connect({ servers: nats.url });
  client = new ApiClient(nc);
});
afterAll(async () => {
  await nc?.close();
  await replica?.stop();
  await nats?.stop();
});

describe("object lifecycle", () => {
  it("an object with a finalizer is only marked on delete, and goes when the finalizer is removed", async () => {
    await client.create("configmaps", "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "held", finalizers: ["example.com/hold"] } });
    const marked = await client.delete("configmaps", "default", "held");
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    const still = await client.get("configmaps", "default", "held");
    expect(still.metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
    await client.patch("configmaps", "default", "held", MERGE, { metadata: { finalizers: null } });
    await expect(client.get("configmaps", "default", "held")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("Orphan and Foreground deletions leave the finalizers the garbage collector acts on", async () => {
    await client.create("deployments", "default", deployment("orphaned"));
    const o = await client.delete("deployments", "default", "orphaned", { propagationPolicy: "Orphan" });
    expect(o.metadata.finalizers).toEqual(["orphan"]);
    await client.create("deployments", "default", deployment("fg"));
    const f = await client.delete("deployments", "default", "fg", { propagationPolicy: "Foreground" });
    expect(f.metadata.finalizers).toEqual(["foregroundDeletion"]);
  });

  it("a pod on a node is deleted gracefully: marked with its grace period until its kubelet finishes", async () => {
    await client.create("pods", "default", { apiVersion: "v1", kind: "Pod", metadata: { name: "bound" }, spec: { nodeName: "n1", terminationGracePeriodSeconds: 20, containers: [{ name: "c", image: "busybox" }] } });
    const marked = await client.delete("pods", "default", "bound");
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(20);
    expect(Date.parse(marked.metadata.deletionTimestamp!) - Date.now()).toBeGreaterThan(15_000);
    await client.delete("pods", "default", "bound", { gracePeriodSeconds: 0 });
    await expect(client.get("pods", "default", "bound")).rejects.toBeInstanceOf(NotFoundError);
    // A pod no node has taken goes at once.
    await client.create("pods", "default", { apiVersion: "v1", kind: "Pod", metadata: { name: "unbound" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    await client.delete("pods", "default", "unbound");
    await expect(client.get("pods", "default", "unbound")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("spec writes ignore status, status writes ignore spec, and generation counts spec changes", async () => {
    const d = await client.create("deployments", "default", deployment("split"));
    expect(d.metadata.generation).toBe(1);
    const spec = await client.patch("deployments", "default", "split", MERGE, { spec: { replicas: 3 }, status: { replicas: 99 } });
    expect(spec.metadata.generation).toBe(2);
    expect(spec["status"]).toEqual({});
    const status = await client.patch("deployments", "default", "split", MERGE, { spec: { replicas: 7 }, status: { replicas: 3, observedGeneration: 2 } }, { subresource: "status" });
    expect((status["spec"] as { replicas: number }).replicas).toBe(3);
    expect(status["status"]).toEqual({ replicas: 3, observedGeneration: 2 });
    expect(status.metadata.generation).toBe(2);
    const labelled = await client.patch("deployments", "default", "split", MERGE, { metadata: { labels: { a: "b" } } });
    expect(labelled.metadata.generation).toBe(2);
  });

  it("a dry run answers as a write would and stores nothing", async () => {
    const dry = await client.create("configmaps", "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dry" }, data: { a: "b" } }, { dryRun: true });
    expect(dry.metadata.uid).toBeTruthy();
    await expect(client.get("configmaps", "default", "dry")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("ownerReferences, uid and creationTimestamp are kept across updates", async () => {
    const owner = await client.create("configmaps", "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "owner" } });
    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid!, controller: true };
    const child = await client.create("configmaps", "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "child", ownerReferences: [ref] } });
    const updated = await client.update("configmaps", { ...child, metadata: { ...child.metadata, uid: "forged", creationTimestamp: "2000-01-01T00:00:00Z" }, data: { x: "y" } });
    expect(updated.metadata.ownerReferences).toEqual([ref]);
    expect(updated.metadata.uid).toBe(child.metadata.uid);
    expect(updated.metadata.creationTimestamp).toBe(child.metadata.creationTimestamp);
  });
});
