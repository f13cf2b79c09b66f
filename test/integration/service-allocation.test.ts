/**
 * Services get a ClusterIP (and node ports) from the apiserver, unique across replicas,
 * released when the Service goes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { InvalidError, type KubeObject } from "@flotilla/api";
import { ApiClient } from "@flotilla/bus";
import { startNatsServer, type NatsServerHandle } from "../support/nats.ts";
import { startReplica, type Replica } from "../support/apiserver.ts";

let nats: NatsServerHandle;
let replicas: Replica[];
let nc: NatsConnection;
let client: ApiClient;
let kv: KV;

type Spec = { clusterIP: string; clusterIPs: string[]; ports: { port: number; nodePort?: number }[] };
const svc = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } });
const specOf = (o: KubeObject) => o["spec"] as Spec;

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  replicas = [await startReplica(nats.url, "apiserver-a"), await startReplica(nats.url, "apiserver-b")];
  nc = await connect({ servers: nats.url });
  client = new ApiClient(nc);
  kv = await new Kvm(nc).open("flotilla");
});
afterAll(async () => {
  await nc?.close();
  for (const r of replicas ?? []) await r.stop();
  await nats?.stop();
});

describe("service address allocation", () => {
  it("the kubernetes Service holds the first address of the service CIDR", async () => {
    const k = await client.get("services", "default", "kubernetes");
    expect(specOf(k).clusterIP).toBe("10.43.0.1");
    expect(specOf(k).ports[0]!.port).toBe(443);
  });

  it("60 Services created at once through two replicas get 60 distinct ClusterIPs in the CIDR", async () => {
    const made = await Promise.all(Array.from({ length: 60 }, (_, i) => client.create("services", "default", svc(`s-${i}`))));
    const ips = made.map((m) => specOf(m).clusterIP);
    expect(new Set(ips).size).toBe(60);
    for (const ip of ips) expect(ip).toMatch(/^10\.43\.\d+\.\d+$/);
    for (const m of made) expect(specOf(m).clusterIPs).toEqual([specOf(m).clusterIP]);
  });

  it("a requested ClusterIP is honoured once, and a taken one is refused naming the field", async () => {
    const a = await client.create("services", "default", svc("fixed", { clusterIP: "10.43.200.9" }));
    expect(specOf(a).clusterIP).toBe("10.43.200.9");
    const err = await client.create("services", "default", svc("fixed-2", { clusterIP: "10.43.200.9" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).message).toContain("spec.clusterIP");
    const out = await client.create("services", "default", svc("outside", { clusterIP: "192.168.1.1" })).catch((e: unknown) => e);
    expect((out as Error).message).toContain("not in the valid range");
  });

  it("NodePort Services get ports in 30000-32767, and deletion releases IP and ports", async () => {
    const np = await client.create("services", "default", svc("np", { type: "NodePort", ports: [{ port: 80, name: "http" }, { port: 443, name: "https" }] }));
    const ports = specOf(np).ports.map((p) => p.nodePort!);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(30000);
    for (const p of ports) expect(p).toBeLessThanOrEqual(32767);
    const ipKey = `ipaddresses._.${specOf(np).clusterIP.replaceAll(".", "-")}`;
    expect(await kv.get(ipKey)).toMatchObject({ operation: "PUT" });
    await client.delete("services", "default", "np");
    expect((await kv.get(ipKey))?.operation ?? "DEL").not.toBe("PUT");
    for (const p of ports) expect((await kv.get(`nodeports._.${p}`))?.operation ?? "DEL").not.toBe("PUT");
  });

  it("a PUT without the allocated address keeps it", async () => {
    const s = await client.create("services", "default", svc("keep"));
    const ip = specOf(s).clusterIP;
    const replaced = await client.update("services", { ...s, spec: { selector: { app: "other" }, ports: [{ port: 80 }] } });
    expect(specOf(replaced).clusterIP).toBe(ip);
  });
});
