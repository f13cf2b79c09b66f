import { describe, expect, it } from "vitest";
import { isDNS1123Label, isDNS1123Subdomain, isLabelValue, isPortName, isQualifiedName } from "./names.ts";
import { isQuantity, parseQuantity } from "./quantity.ts";

describe("parseQuantity", () => {
  it.each([
    ["100m", 0.1],
    ["0.1", 0.1],
    ["1", 1],
    ["1Gi", 1024 ** 3],
    ["512Mi", 512 * 1024 ** 2],
    ["1.5G", 1.5e9],
    ["1e3", 1000],
    ["1E-3", 0.001],
    ["+2k", 2000],
    ["-1", -1],
    [".5", 0.5],
    ["5.", 5],
    ["250u", 0.00025],
    ["3n", 3e-9],
  ])("quantity: %s is %d", (q, v) => {
    expect(parseQuantity(q)).toBeCloseTo(v, 12);
  });

  it.each(["", "1.2.3", "1GiB", "Gi", "1 Gi", "one", "1ki", "1e", "--1"])("quantity: %j does not parse", (q) => {
    expect(isQuantity(q)).toBe(false);
    expect(parseQuantity(q)).toBeUndefined();
  });

  it("quantity: 100m and 0.1 compare equal", () => {
    expect(parseQuantity("100m")).toBe(parseQuantity("0.1"));
  });
});

describe("names", () => {
  it.each([
    ["web", true],
    ["web-1", true],
    ["1web", true],
    ["Web", false],
    ["-web", false],
    ["web.a", false],
    ["a".repeat(63), true],
    ["a".repeat(64), false],
  ])("names: %s is a DNS label: %s", (v, ok) => {
    expect(isDNS1123Label(v).length === 0).toBe(ok);
  });

  it.each([
    ["example.com", true],
    ["a-b.c", true],
    ["a..b", false],
    ["a_b", false],
    [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`, true],
    [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`, false],
  ])("names: %s is a DNS subdomain: %s", (v, ok) => {
    expect(isDNS1123Subdomain(v).length === 0).toBe(ok);
  });

  it.each([
    ["app", true],
    ["app.kubernetes.io/name", true],
    ["My_Key.1", true],
    ["/name", false],
    ["a/b/c", false],
    ["example.com/", false],
    ["_app", false],
  ])("names: %s is a qualified name: %s", (v, ok) => {
    expect(isQualifiedName(v).length === 0).toBe(ok);
  });

  it.each([
    ["", true],
    ["v1.2_3-x", true],
    ["-x", false],
    ["a b", false],
  ])("names: %j is a label value: %s", (v, ok) => {
    expect(isLabelValue(v).length === 0).toBe(ok);
  });

  it.each([
    ["http", true],
    ["web-80", true],
    ["80", false],
    ["a--b", false],
    ["-http", false],
    ["sixteen-chars-xx", false],
  ])("names: %s is a port name: %s", (v, ok) => {
    expect(isPortName(v).length === 0).toBe(ok);
  });
});
