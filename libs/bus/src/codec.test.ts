import { describe, expect, it } from "vitest";
import { decode, encode, jsonDocPacked, JsonDoc } from "./codec.ts";

const pod = (name: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, labels: { "app.kubernetes.io/name": "wéb ✓" } }, spec: { containers: [{ name: "c", image: "x" }] } });

describe("bus codec", () => {
  it("carries a JsonDoc as JSON and decodes it into the plain value, beside ordinary msgpack fields", () => {
    const msg = { type: "ADDED", object: new JsonDoc(pod("a")), data: Uint8Array.of(1, 2, 3) };
    const got = decode<{ type: string; object: unknown; data: Uint8Array }>(encode(msg));
    expect({ ...got, data: [...got.data] }).toEqual({ type: "ADDED", object: pod("a"), data: [1, 2, 3] });
  });

  it("drops undefined fields as JSON does", () => {
    expect(decode(encode({ object: new JsonDoc({ a: 1, b: undefined }) }))).toEqual({ object: { a: 1 } });
  });

  it("decodes hand-composed JSON documents of every extension length form", () => {
    for (const size of [0, 1, 2, 4, 200, 255, 256, 65_535, 65_536, 300_000]) {
      const value = { pad: "x".repeat(size) };
      const bytes = Buffer.from(JSON.stringify(value));
      // A map {object: <doc>} composed the way the apiserver composes replies.
      const framed = Uint8Array.from([0x81, ...encode("object"), ...jsonDocPacked(bytes)]);
      expect(decode(framed), `JSON text of ${bytes.length} bytes`).toEqual({ object: value });
    }
  });

  it("rejects a JSON document that is not JSON, as a decode error", () => {
    expect(() => decode(jsonDocPacked(Buffer.from("{not json")))).toThrow(SyntaxError);
  });
});
