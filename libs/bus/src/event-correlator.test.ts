import { describe, expect, it } from "vitest";
import { EventCorrelator, type EventKeyParts } from "./event-correlator.ts";

const ev = (over: Partial<EventKeyParts> = {}): EventKeyParts => ({ source: "kubelet", kind: "Pod", namespace: "default", name: "web-1", uid: "u1", apiVersion: "v1", type: "Warning", reason: "Unhealthy", message: "Readiness probe failed: no", ...over });

function clock(): { now: () => number; advance(ms: number): void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe("event correlator", () => {
  it("events: an identical event bumps the count of the one already written", () => {
    const c = new EventCorrelator();
    const first = c.decide(ev());
    expect(first.action).toBe("create");
    if (first.action !== "create") return;
    c.remember(first.key, "web-1.abc", 1, "2026-11-22T00:00:00Z");
    expect(c.decide(ev())).toEqual({ action: "bump", key: first.key, name: "web-1.abc", count: 2, firstTimestamp: "2026-11-22T00:00:00Z", message: "Readiness probe failed: no" });
  });

  it("events: a different message, reason or object is a new event", () => {
    const c = new EventCorrelator();
    const a = c.decide(ev());
    if (a.action === "create") c.remember(a.key, "x", 1, "t");
    expect(c.decide(ev({ message: "other" })).action).toBe("create");
    expect(c.decide(ev({ reason: "Killing" })).action).toBe("create");
    expect(c.decide(ev({ name: "web-2", uid: "u2" })).action).toBe("create");
  });

  it("events: from the 10th similar event in 10 minutes the messages are combined into one event", () => {
    const t = clock();
    const c = new EventCorrelator({ now: t.now });
    const decisions = Array.from({ length: 12 }, (_, i) => {
      const d = c.decide(ev({ reason: "SuccessfulCreate", type: "Normal", message: `Created pod: web-${i}` }));
      if (d.action === "create") c.remember(d.key, `n${i}`, 1, "t");
      else if (d.action === "bump") c.remember(d.key, d.name, d.count, d.firstTimestamp);
      return d;
    });
    expect(decisions.slice(0, 9).every((d) => d.action === "create" && !d.message.startsWith("(combined"))).toBe(true);
    expect(decisions[9]).toMatchObject({ action: "create", message: "(combined from similar events): Created pod: web-9" });
    expect(decisions[10]).toMatchObject({ action: "bump", name: "n9", count: 2, message: "(combined from similar events): Created pod: web-10" });
    expect(decisions[11]).toMatchObject({ action: "bump", count: 3 });
    // After the window, similar events count from zero again.
    t.advance(600_001);
    expect(c.decide(ev({ reason: "SuccessfulCreate", type: "Normal", message: "Created pod: web-99" }))).toMatchObject({ action: "create", message: "Created pod: web-99" });
  });

  it("events: each object may burst 25 events, then one per 5 minutes", () => {
    const t = clock();
    const c = new EventCorrelator({ now: t.now });
    const actions = Array.from({ length: 30 }, (_, i) => c.decide(ev({ message: `m${i}` })).action);
    expect(actions.filter((a) => a !== "drop")).toHaveLength(25);
    expect(actions.slice(25)).toEqual(["drop", "drop", "drop", "drop", "drop"]);
    // Another object has its own bucket.
    expect(c.decide(ev({ name: "web-2", uid: "u2" })).action).not.toBe("drop");
    t.advance(299_999);
    expect(c.decide(ev({ message: "later" })).action).toBe("drop");
    t.advance(1);
    expect(c.decide(ev({ message: "later" })).action).not.toBe("drop");
    expect(c.decide(ev({ message: "later still" })).action).toBe("drop");
  });

  it("events: a forgotten event (expired or deleted) is created again", () => {
    const c = new EventCorrelator();
    const a = c.decide(ev());
    if (a.action !== "create") throw new Error("expected create");
    c.remember(a.key, "x", 1, "t");
    c.forget(a.key);
    expect(c.decide(ev()).action).toBe("create");
  });
});
