/**
 * ReplyMux.gather's windows run from when the request has gone out, not from the call:
 * an event loop busy right after the call (a large list encoded in the same turn, a
 * starved host) must not use up the wait for the other leaders' answers, or a wary
 * read keeps a stale leader's answer alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ReplyMux } from "../../libs/store/src/reply-mux.ts";
import { startNatsServer, type NatsServerHandle } from "../support/nats.ts";

let server: NatsServerHandle;
let nc: NatsConnection;
let responders: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
  nc = await connect({ servers: server.url });
  responders = await connect({ servers: server.url });
  // Two "leaders": one answers at once, the other 150 ms later (a loaded real leader).
  responders.subscribe("leaders.ask", { callback: (_e, m) => void m.respond("fast") });
  responders.subscribe("leaders.ask", { callback: (_e, m) => void setTimeout(() => m.respond("slow"), 150) });
  await responders.flush();
});

afterAll(async () => {
  await responders?.close();
  await nc?.close();
  await server?.stop();
});

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the event loop is held, as by a long synchronous task after the call
  }
}

describe("reply mux", () => {
  it("a gather waits minWaitMs for every expected answer from when its request leaves, however busy the loop was", async () => {
    const mux = new ReplyMux(nc);
    try {
      const answers = mux.gather("leaders.ask", "", { minAnswers: 2, minWaitMs: 500, stallMs: 20, timeoutMs: 3000 });
      busyFor(700);
      const got = (await answers).map((m) => m.string()).sort();
      expect(got).toEqual(["fast", "slow"]);
    } finally {
      mux.close();
    }
  });

  it("without a busy loop it still ends a stall after the expected answers", async () => {
    const mux = new ReplyMux(nc);
    try {
      const t0 = performance.now();
      const got = (await mux.gather("leaders.ask", "", { minAnswers: 2, minWaitMs: 500, stallMs: 20, timeoutMs: 3000 })).map((m) => m.string()).sort();
      expect(got).toEqual(["fast", "slow"]);
      expect(performance.now() - t0).toBeLessThan(450);
    } finally {
      mux.close();
    }
  });
});
