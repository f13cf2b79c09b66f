import { describe, expect, it } from "vitest";
import { OwnWrites } from "./own-writes.ts";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("OwnWrites", () => {
  it("store: hands a registered value over once, matched by key and identical bytes", () => {
    const w = new OwnWrites(10);
    const value = { a: 1 };
    w.add("pods.default.a", bytes('{"a":1}'), value);
    expect(w.take("pods.default.b", bytes('{"a":1}'))).toBeUndefined();
    expect(w.take("pods.default.a", bytes('{"a":2}'))).toBeUndefined();
    expect(w.take("pods.default.a", bytes('{"a":1}'))?.value).toBe(value);
    expect(w.take("pods.default.a", bytes('{"a":1}'))).toBeUndefined();
    expect(w.size).toBe(0);
  });

  it("store: concurrent writes of one key are told apart by their bytes", () => {
    const w = new OwnWrites(10);
    const one = { n: 1 };
    const two = { n: 2 };
    w.add("k", bytes('{"n":1}'), one);
    w.add("k", bytes('{"n":2}'), two);
    expect(w.take("k", bytes('{"n":2}'))?.value).toBe(two);
    expect(w.take("k", bytes('{"n":1}'))?.value).toBe(one);
  });

  it("store: removed and evicted writes are forgotten; the table holds at most its capacity", () => {
    const w = new OwnWrites(3);
    const failed = w.add("k", bytes("1"), 1);
    w.remove(failed);
    expect(w.take("k", bytes("1"))).toBeUndefined();
    for (let i = 0; i < 10; i++) w.add(`k${i}`, bytes(String(i)), i);
    expect(w.size).toBe(3);
    expect(w.take("k0", bytes("0"))).toBeUndefined();
    expect(w.take("k9", bytes("9"))?.value).toBe(9);
  });
});
