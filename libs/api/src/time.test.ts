import { describe, expect, it } from "vitest";
import { microTime, rfc3339 } from "./time.ts";

describe("time formats", () => {
  it("api: metav1.Time drops fractions, MicroTime keeps microseconds", () => {
    const ms = Date.parse("2026-11-22T01:02:03.456Z");
    expect(rfc3339(ms)).toBe("2026-11-22T01:02:03Z");
    expect(microTime(ms)).toBe("2026-11-22T01:02:03.456000Z");
  });
});
