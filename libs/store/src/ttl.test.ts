import { describe, expect, it } from "vitest";
import { bucketTtl, checkTtl, prefixTtlMs, ttlHeaders } from "./ttl.ts";

const HOUR_NS = 3_600_000 * 1_000_000;

describe("store TTL rules", () => {
  it("ttl: a bucket keeping several revisions per key honours no TTL below its marker TTL", () => {
    expect(bucketTtl({ allow_msg_ttl: true, subject_delete_marker_ttl: HOUR_NS, max_msgs_per_subject: 5 })).toEqual({ markerTtlMs: 3_600_000, minTtlMs: 3_600_000 });
    expect(bucketTtl({ allow_msg_ttl: true, subject_delete_marker_ttl: HOUR_NS, max_msgs_per_subject: 1 })).toEqual({ markerTtlMs: 3_600_000, minTtlMs: 1000 });
  });

  it("ttl: a bucket without TTLs or without markers has no TTL support", () => {
    expect(bucketTtl({ allow_msg_ttl: false, subject_delete_marker_ttl: HOUR_NS, max_msgs_per_subject: 5 })).toBeUndefined();
    expect(bucketTtl({ allow_msg_ttl: true, max_msgs_per_subject: 5 })).toBeUndefined();
  });

  it("ttl: checkTtl refuses what the server would lengthen or ignore", () => {
    const five = { markerTtlMs: 2000, minTtlMs: 2000 };
    expect(() => checkTtl(2000, five, "w")).not.toThrow();
    expect(() => checkTtl(1999, five, "w")).toThrow(/below 2000/);
    expect(() => checkTtl(2000, undefined, "w")).toThrow(/no per-message TTL support/);
    expect(() => checkTtl(0, five, "w")).toThrow(/positive/);
  });

  it("ttl: the longest matching prefix gives a key its TTL", () => {
    const rules = { "events.": 3_600_000, "events.kube-system.": 7_200_000 };
    expect(prefixTtlMs(rules, "events.default.web.1")).toBe(3_600_000);
    expect(prefixTtlMs(rules, "events.kube-system.x")).toBe(7_200_000);
    expect(prefixTtlMs(rules, "eventsx._.y")).toBeUndefined();
    expect(prefixTtlMs({}, "events.default.web.1")).toBeUndefined();
  });

  it("ttl: a TTL'd write carries whole seconds, rounded up, and rolls its key up", () => {
    const h = ttlHeaders(1500);
    expect(h.get("Nats-TTL")).toBe("2s");
    expect(h.get("Nats-Rollup")).toBe("sub");
  });
});
