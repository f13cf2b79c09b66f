import { describe, expect, it } from "vitest";
import { decode } from "@flotilla/bus";
import type { KubeObject } from "@flotilla/api";
import { atRevision, listReplyPacked, objectJson, objectPacked, objectReplyPacked, watchLineJson, watchMessagePacked } from "./encoded.ts";

const obj = (i: number): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `c${i}`, resourceVersion: String(i), labels: { a: "b" } }, data: { k: "v".repeat(i % 7) } });

describe("encoded once", () => {
  // 70,000 items take ~1 s here and timed out at vitest's 5 s once on a loaded CI machine.
  it("composed msgpack replies decode to exactly the list they stand for", { timeout: 30_000 }, () => {
    for (const n of [0, 1, 15, 16, 300, 70_000]) {
      const list = { kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: "9", continue: "x" }, items: Array.from({ length: n }, (_, i) => obj(i)) };
      expect(decode(listReplyPacked(list))).toEqual({ object: list });
    }
  });
  it("watch messages decode to {type, object} and are reused per object and type", () => {
    const o = obj(3);
    expect(decode(watchMessagePacked("MODIFIED", o))).toEqual({ type: "MODIFIED", object: o });
    expect(watchMessagePacked("MODIFIED", o)).toBe(watchMessagePacked("MODIFIED", o));
    expect(JSON.parse(watchLineJson("ADDED", o))).toEqual({ type: "ADDED", object: o });
    expect(objectJson(o)).toBe(objectJson(o));
  });
  it("a write's reply and its watch event are one object at one revision, so its bytes are encoded once", () => {
    const written = obj(4);
    const reply = atRevision(written, 12);
    expect(reply).not.toBe(written);
    expect(reply.metadata.resourceVersion).toBe("12");
    expect(written.metadata.resourceVersion).toBe("4"); // the stored value is not changed
    expect(atRevision(written, 12)).toBe(reply); // what the watch cache makes of the same value
    expect(atRevision(written, 13)).not.toBe(reply);
    expect(atRevision(written, 13).metadata.resourceVersion).toBe("13");
    expect(objectPacked(atRevision(written, 13))).toBe(objectPacked(atRevision(written, 13)));
  });
  it("write replies decode to {object} or {object, warnings}", () => {
    const o = obj(5);
    expect(decode(objectReplyPacked(o, undefined))).toEqual({ object: o });
    expect(decode(objectReplyPacked(o, []))).toEqual({ object: o });
    expect(decode(objectReplyPacked(o, ["unknown field \"spec.x\""]))).toEqual({ object: o, warnings: ['unknown field "spec.x"'] });
  });
});
