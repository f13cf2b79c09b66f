import { describe, expect, it } from "vitest";
import { escapeToken, objectKey, parseKey, prefixFor, unescapeToken } from "./keys.ts";

// What nats.js accepts as a KV key (kv.ts validKeyRe) plus the subject rule that no
// token may be empty.
const NATS_KV_KEY = /^[-/=.\w]+$/;
function isValidKvKey(key: string): boolean {
  return NATS_KV_KEY.test(key) && key.split(".").every((t) => t.length > 0);
}

// A small seeded PRNG so a failing case can be reproduced from the printed seed.
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [..."abcxyzABCZ0189-._=:/@+ %*>~\\\"'", "é", "ß", "日本", "🚀", "\u0000", "\u007f", "\u00ff"];
function randomName(rand: () => number): string {
  const len = 1 + Math.floor(rand() * 24);
  let s = "";
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}

describe("store keys", () => {
  it("keys: lays out namespaced and cluster-scoped objects readably", () => {
    expect(objectKey("pods", "default", "web-7c9f")).toBe("pods.default.web-7c9f");
    expect(objectKey("nodes", undefined, "pi-1")).toBe("nodes._.pi-1");
    expect(objectKey("leases", "kube-node-lease", "pi-1")).toBe("leases.kube-node-lease.pi-1");
    expect(objectKey("configmaps", "kube-system", "coredns.v1")).toBe("configmaps.kube-system.coredns_v1");
  });

  it("keys: escapes `_`, `=` and other characters as =hex of their UTF-8 bytes", () => {
    expect(escapeToken("a_b")).toBe("a=5fb");
    expect(escapeToken("a=b")).toBe("a=3db");
    expect(escapeToken("system:node:pi-1")).toBe("system=3anode=3api-1");
    expect(escapeToken("é")).toBe("=c3=a9");
    expect(escapeToken("🚀")).toBe("=f0=9f=9a=80");
    expect(escapeToken("a/b")).toBe("a=2fb");
  });

  it("keys: parses keys back into resource, namespace and name", () => {
    expect(parseKey("pods.default.web-7c9f")).toEqual({ resource: "pods", namespace: "default", name: "web-7c9f" });
    expect(parseKey("nodes._.pi-1")).toEqual({ resource: "nodes", namespace: undefined, name: "pi-1" });
    expect(parseKey("clusterroles._.system=3anode")).toEqual({ resource: "clusterroles", namespace: undefined, name: "system:node" });
  });

  it("keys: prefixes select a resource or one namespace of it", () => {
    expect(prefixFor("pods")).toBe("pods.");
    expect(prefixFor("pods", "default")).toBe("pods.default.");
    expect(objectKey("pods", "default", "x").startsWith(prefixFor("pods", "default"))).toBe(true);
    // A namespace that is a prefix of another must not match it.
    expect(objectKey("pods", "default2", "x").startsWith(prefixFor("pods", "default"))).toBe(false);
  });

  it("keys: rejects what cannot round-trip or would collide", () => {
    expect(() => objectKey("pods", "default", "")).toThrow(TypeError);
    expect(() => objectKey("", "default", "x")).toThrow(TypeError);
    expect(() => objectKey("pods", ".", "x")).toThrow(TypeError);
    expect(() => escapeToken("bad\ud800")).toThrow(TypeError);
    expect(() => parseKey("pods.default")).toThrow(TypeError);
    expect(() => unescapeToken("a=zz")).toThrow(TypeError);
    expect(() => unescapeToken("a=c3")).toThrow(TypeError); // truncated UTF-8
    expect(() => unescapeToken("=61")).toThrow(TypeError); // "a" needlessly escaped
    expect(() => unescapeToken("a.b")).toThrow(TypeError);
  });

  it("keys: every random name round-trips through a valid NATS KV key", () => {
    const seed = 20240611;
    const rand = mulberry32(seed);
    // One expect at the end: 15,000 expects took 1 s here, and over 5 s on a CI machine with heavy steal.
    const bad: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const namespace = rand() < 0.2 ? undefined : randomName(rand);
      if (namespace === ".") continue;
      const name = randomName(rand);
      const key = objectKey("pods", namespace, name);
      const back = parseKey(key);
      if (!isValidKvKey(key) || key.split(".").length !== 3 || back.resource !== "pods" || back.namespace !== namespace || back.name !== name) {
        bad.push(`seed ${seed} case ${i}: ${JSON.stringify({ namespace, name })} -> ${key} -> ${JSON.stringify(back)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("keys: escaping is injective, so distinct names never share a key", () => {
    const rand = mulberry32(7);
    const seen = new Map<string, string>();
    const collisions: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const name = randomName(rand);
      const token = escapeToken(name);
      const other = seen.get(token);
      if (other !== undefined && other !== name) collisions.push(`${JSON.stringify(other)} and ${JSON.stringify(name)} -> ${token}`);
      seen.set(token, name);
    }
    expect(collisions).toEqual([]);
  });
});
