import { describe, expect, it } from "vitest";
import { KV_STORE_DEFAULTS, withDefaults } from "./options.ts";

describe("store options", () => {
  it("options: fills in defaults and freezes the result", () => {
    const c = withDefaults({ replicas: 3, requestTimeoutMs: undefined });
    expect(c).toEqual({ ...KV_STORE_DEFAULTS, replicas: 3 });
    expect(Object.isFrozen(c)).toBe(true);
    expect(KV_STORE_DEFAULTS.bucket).toBe("flotilla");
    expect(KV_STORE_DEFAULTS.historyPerKey).toBe(1);
  });

  it.each([
    [{ replicas: 2 }, /replicas/],
    [{ bucket: "a.b" }, /bucket/],
    [{ historyPerKey: 0 }, /historyPerKey/],
    [{ markerTtlMs: 500 }, /markerTtlMs/],
    [{ requestTimeoutMs: 1.5 }, /requestTimeoutMs/],
    [{ consumerHeartbeatMs: 100 }, /consumerHeartbeatMs/],
    [{ ttlMsByPrefix: { "events.": 500 } }, /ttlMsByPrefix/],
    [{ ttlMsByPrefix: { "": 5000 } }, /ttlMsByPrefix/],
    [{ markerTtlMs: 0, ttlMsByPrefix: { "events.": 5000 } }, /markerTtlMs/],
    [{ historyPerKey: 5, markerTtlMs: 3_600_000, ttlMsByPrefix: { "events.": 60_000 } }, /at least markerTtlMs/],
  ])("options: rejects %o naming the option", (options, message) => {
    expect(() => withDefaults(options)).toThrow(message);
  });

  it("options: a key prefix TTL at least the marker TTL is accepted with history > 1", () => {
    const c = withDefaults({ historyPerKey: 5, markerTtlMs: 2000, ttlMsByPrefix: { "events.": 2000 } });
    expect(c.ttlMsByPrefix).toEqual({ "events.": 2000 });
    expect(Object.isFrozen(c.ttlMsByPrefix)).toBe(true);
  });

  it("options: markerTtlMs 0 disables TTL support", () => {
    expect(withDefaults({ markerTtlMs: 0 }).markerTtlMs).toBe(0);
  });
});
