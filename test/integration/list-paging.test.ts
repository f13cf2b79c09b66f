/**
 * Lists page with limit/continue as kubectl and client-go expect: every object exactly
 * once, in key order, with remainingItemCount; a forged continue token is a 410.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { GoneError } from "@flotilla/api";
import { ApiClient } from "@flotilla/bus";
import { startNatsServer, type NatsServerHandle } from "../support/nats.ts";
import { startReplica, type Replica } from "../support/apiserver.ts";

let nats: NatsServerHandle;
let replica: Replica;
let nc: NatsConnection;
let client: ApiClient;

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  replica = await startReplica(nats.url);
  nc = await connect({ servers: nats.url });
  client = new ApiClient(nc);
  await client.create("namespaces", undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "paged" } });
  await Promise.all(Array.from({ length: 25 }, (_, i) => client.create("configmaps", "paged", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${String(i).padStart(2, "0")}`, labels: { even: String(i % 2 === 0) } } })));
});
afterAll(async () => {
  await nc?.close();
  await replica?.stop();
  await nats?.stop();
});

describe("list paging", () => {
  it("limit and continue return every object once, in order, counting what remains", async () => {
    const names: string[] = [];
    const remaining: (number | undefined)[] = [];
    let token: string | undefined;
    do {
      const page = await client.list("configmaps", "paged", { limit: 10, ...(token ? { continue: token } : {}) });
      names.push(...page.items.map((i) => i.metadata.name!));
      remaining.push(page.metadata.remainingItemCount);
      token = page.metadata.continue;
    } while (token);
    expect(names).toEqual(Array.from({ length: 25 }, (_, i) => `cm-${String(i).padStart(2, "0")}`));
    expect(remaining).toEqual([15, 5, undefined]);
  });

  it("pages a label-selected list by matches, not by raw objects", async () => {
    const first = await client.list("configmaps", "paged", { limit: 5, labelSelector: "even=true" });
    expect(first.items).toHaveLength(5);
    expect(first.metadata.remainingItemCount).toBe(8);
    const rest = await client.list("configmaps", "paged", { limit: 100, labelSelector: "even=true", continue: first.metadata.continue! });
    expect(rest.items).toHaveLength(8);
    expect(rest.metadata.continue).toBeUndefined();
  });

  it("a continue token that is not one of ours is 410 Gone, so the client restarts its list", async () => {
    await expect(client.list("configmaps", "paged", { limit: 5, continue: "not-a-token" })).rejects.toBeInstanceOf(GoneError);
  });
});
