import { describe, expect, it } from "vitest";
import { withDefaults } from "./config.ts";

describe("apiserver config", () => {
  it("config: events expire after one hour unless configured", () => {
    expect(withDefaults({ dataDir: "/tmp/x" }).eventTtlMs).toBe(3_600_000);
    expect(withDefaults({ dataDir: "/tmp/x", eventTtlMs: 2000 }).eventTtlMs).toBe(2000);
  });

  it.each([500, 1500, 0, Number.NaN])("config: eventTtlMs %s is refused, naming the option", (eventTtlMs) => {
    expect(() => withDefaults({ dataDir: "/tmp/x", eventTtlMs })).toThrow(/eventTtlMs/);
  });
});
