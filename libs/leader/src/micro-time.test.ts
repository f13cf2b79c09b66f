import { describe, expect, it } from "vitest";
import { formatMicroTime, wallClockMicros } from "./micro-time.ts";

describe("leader MicroTime", () => {
  it("leader MicroTime: six fractional digits, UTC, truncated", () => {
    const ms = Date.UTC(2026, 10, 22, 7, 0, 0, 123);
    expect(formatMicroTime(ms + 0.456)).toBe("2026-11-22T07:00:00.123456Z");
    expect(formatMicroTime(ms)).toBe("2026-11-22T07:00:00.123000Z");
    // Near 2^41 ms a double resolves ~0.24 µs, so 0.999 is the finest fraction to test.
    expect(formatMicroTime(ms + 0.999)).toBe("2026-11-22T07:00:00.123999Z");
    expect(formatMicroTime(Date.UTC(2026, 0, 1))).toBe("2026-01-01T00:00:00.000000Z");
  });

  it("leader MicroTime: matches the RFC 3339 shape the API's MicroTime expects", () => {
    expect(formatMicroTime(wallClockMicros())).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it("leader MicroTime: follows the wall clock", () => {
    expect(Math.abs(wallClockMicros() - Date.now())).toBeLessThan(1000);
  });

  it("leader MicroTime: refuses a non-time", () => {
    expect(() => formatMicroTime(Number.NaN)).toThrow(RangeError);
  });
});
