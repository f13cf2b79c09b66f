import { describe, expect, it } from "vitest";
import { Expectations } from "./expectations.ts";

describe("expectations", () => {
  it("expectations: a key with no record is satisfied", () => {
    expect(new Expectations().satisfied("ns/rs")).toBe(true);
  });

  it("expectations: expected creations are satisfied only once all are observed", () => {
    const e = new Expectations({ now: () => 0 });
    e.expect("ns/rs", 3, 0);
    e.creationObserved("ns/rs");
    e.creationObserved("ns/rs");
    expect(e.satisfied("ns/rs")).toBe(false);
    e.creationObserved("ns/rs");
    expect(e.satisfied("ns/rs")).toBe(true);
  });

  it("expectations: expected deletions are counted apart from creations", () => {
    const e = new Expectations({ now: () => 0 });
    e.expect("ns/rs", 1, 2);
    e.creationObserved("ns/rs");
    e.creationObserved("ns/rs"); // an extra creation does not stand in for a deletion
    e.deletionObserved("ns/rs");
    expect(e.satisfied("ns/rs")).toBe(false);
    e.deletionObserved("ns/rs");
    expect(e.satisfied("ns/rs")).toBe(true);
  });

  it("expectations: expect replaces what was outstanding", () => {
    const e = new Expectations({ now: () => 0 });
    e.expect("ns/rs", 5, 0);
    e.expect("ns/rs", 0, 1);
    e.deletionObserved("ns/rs");
    expect(e.satisfied("ns/rs")).toBe(true);
  });

  it("expectations: keys are independent", () => {
    const e = new Expectations({ now: () => 0 });
    e.expect("ns/a", 1, 0);
    e.creationObserved("ns/b");
    expect(e.satisfied("ns/a")).toBe(false);
    expect(e.satisfied("ns/b")).toBe(true);
  });

  it("expectations: an expectation older than ttlMs counts as satisfied", () => {
    let nowMs = 1000;
    const e = new Expectations({ ttlMs: 300_000, now: () => nowMs });
    e.expect("ns/rs", 2, 0);
    e.creationObserved("ns/rs");
    nowMs += 300_000;
    expect(e.satisfied("ns/rs")).toBe(false);
    nowMs += 1;
    expect(e.satisfied("ns/rs")).toBe(true);
  });

  it("expectations: delete forgets what was outstanding", () => {
    const e = new Expectations({ now: () => 0 });
    e.expect("ns/rs", 2, 2);
    e.delete("ns/rs");
    expect(e.satisfied("ns/rs")).toBe(true);
  });

  it("expectations: observations after a satisfied record do not carry over to the next expect", () => {
    const e = new Expectations({ now: () => 0 });
    e.expect("ns/rs", 1, 0);
    e.creationObserved("ns/rs");
    e.creationObserved("ns/rs");
    expect(e.satisfied("ns/rs")).toBe(true);
    e.expect("ns/rs", 1, 0);
    expect(e.satisfied("ns/rs")).toBe(false);
  });

  it("expectations: negative or fractional counts are refused", () => {
    const e = new Expectations();
    expect(() => e.expect("ns/rs", -1, 0)).toThrow(RangeError);
    expect(() => e.expect("ns/rs", 0, 1.5)).toThrow(RangeError);
  });
});
