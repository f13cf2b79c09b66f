/**
 * connectBus and its request fast path (a change to nats.js internals): requests still
 * resolve, fail and time out as nats.js documents, and leave nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { errors } from "@nats-io/nats-core";
import { connectBus } from "@flotilla/bus";
import { startNatsServer, type NatsServerHandle } from "../support/nats.ts";

let nats: NatsServerHandle;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  nc = await connectBus({ servers: nats.url, name: "bus-connect-test" });
  nc.subscribe("echo", { callback: (_err, msg) => void msg.respond(msg.data) });
  await nc.flush();
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

/** Requests nats.js still tracks (its reply multiplexer's table). */
function pendingRequests(): number {
  return (nc as unknown as { protocol: { muxSubscriptions: { reqs: Map<string, unknown> } } }).protocol.muxSubscriptions.reqs.size;
}

describe("connectBus", () => {
  it("requests resolve with their replies and are forgotten once answered", async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => nc.request("echo", new TextEncoder().encode(`m${i}`), { timeout: 2000 })));
    expect(replies.map((m) => m.string())).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
    expect(pendingRequests()).toBe(0);
  });

  it("a request nobody serves fails with no responders, one nobody answers times out", async () => {
    nc.subscribe("silent", { callback: () => undefined });
    await nc.flush();
    await expect(nc.request("nobody.home", undefined, { timeout: 2000 })).rejects.toSatisfy((e: unknown) => e instanceof errors.RequestError && e.isNoResponders());
    await expect(nc.request("silent", undefined, { timeout: 200 })).rejects.toBeInstanceOf(errors.TimeoutError);
    expect(pendingRequests()).toBe(0);
  });

  it("JetStream publishes (the store's writes) are acknowledged", async () => {
    const { jetstream, jetstreamManager } = await import("@nats-io/jetstream");
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "BUSCONNECT", subjects: ["busconnect.>"] });
    const js = jetstream(nc);
    const acks = await Promise.all(Array.from({ length: 50 }, (_, i) => js.publish(`busconnect.${i}`, "x")));
    expect(acks.map((a) => a.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(pendingRequests()).toBe(0);
  });
});
