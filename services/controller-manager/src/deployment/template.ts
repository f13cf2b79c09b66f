/**
 * Pod templates as the Deployment controller compares and names them.
 *
 * Two templates that mean the same must compare equal and hash alike, or `kubectl rollout
 * undo` would start a fresh ReplicaSet instead of reusing the old one: kubectl sends the
 * old ReplicaSet's template back through a Go struct, so it arrives with
 * `metadata.creationTimestamp: null`, `resources: {}` and whatever key order Go chose.
 * Kubernetes' semantic equality treats nil and empty alike; {@link normalizeTemplate} does
 * the same to the JSON, and everything here compares or hashes normalised templates.
 */
import { POD_TEMPLATE_HASH_LABEL } from "./types.ts";
import type { PodTemplateLike } from "./types.ts";

/** The alphabet of Kubernetes' rand.SafeEncodeString: no vowels, no look-alike digits. */
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Drop nulls, empty objects and empty arrays, recursively; undefined means "drop". Array
 * elements are normalised but never removed: their positions carry meaning.
 */
function prune(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    return v.map((e: unknown) => {
      if (e === null || typeof e !== "object") return e;
      return prune(e) ?? (Array.isArray(e) ? [] : {});
    });
  }
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) {
    const p = prune(child);
    if (p !== undefined) out[k] = p;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * A normalised copy of a pod template: without the `pod-template-hash` label (the
 * Deployment's own template never has it, its ReplicaSets' always do), without
 * `metadata.creationTimestamp` (a template's is always empty; pods get their own), and
 * without nulls, empty objects and empty arrays at any depth. The input is not modified.
 */
export function normalizeTemplate(t: PodTemplateLike | undefined): PodTemplateLike {
  const copy: Record<string, unknown> = { ...(t ?? {}) };
  if (isPlainObject(copy["metadata"])) {
    const meta: Record<string, unknown> = { ...copy["metadata"] };
    delete meta["creationTimestamp"];
    if (isPlainObject(meta["labels"])) {
      const labels: Record<string, unknown> = { ...meta["labels"] };
      delete labels[POD_TEMPLATE_HASH_LABEL];
      meta["labels"] = labels;
    }
    copy["metadata"] = meta;
  }
  // prune() returns fresh objects all the way down, so the result shares nothing with t.
  return (prune(copy) ?? {}) as PodTemplateLike;
}

/**
 * JSON with object keys sorted at every level (arrays keep their order), so equal values
 * give equal strings whatever order their keys were written in.
 */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((e: unknown) => canonicalJson(e ?? null)).join(",")}]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** The comparison key of a template: the canonical JSON of its normalised form. */
export function templateKey(t: PodTemplateLike | undefined): string {
  return canonicalJson(normalizeTemplate(t));
}

/** Whether two templates mean the same pods: equal once normalised, key order ignored. */
export function templatesEqual(a: PodTemplateLike | undefined, b: PodTemplateLike | undefined): boolean {
  return templateKey(a) === templateKey(b);
}

/** 32-bit FNV-1a of `bytes`, continuing from `hash` (the FNV offset basis by default). */
export function fnv1a32(bytes: Uint8Array, hash: number = FNV32_OFFSET): number {
  let h = hash >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV32_PRIME) >>> 0;
  }
  return h >>> 0;
}

/**
 * Kubernetes' rand.SafeEncodeString: each character is replaced by the safe alphabet's
 * character at (its code mod 27). Applied to a decimal number, it yields names like
 * `7d4b9c8f5` that cannot spell words.
 */
export function safeEncodeString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/**
 * The `pod-template-hash` of a template, as Kubernetes' ComputeHash shapes it: FNV-1a
 * (32-bit) over the canonical JSON of the normalised template, then, when a collision
 * count is given, its value as 8 little-endian bytes (the low 4 carry it), and the
 * decimal result safe-encoded. Stable across runs and processes. Kubernetes hashes Go's
 * struct dump rather than JSON, so the values differ from Kubernetes' own; only stability
 * and the alphabet matter (ReplicaSets are found by template, never by hash).
 * @param collisionCount the Deployment's status.collisionCount; undefined and 0 differ,
 *   as in Kubernetes (a nil count adds no bytes).
 */
export function templateHash(template: PodTemplateLike | undefined, collisionCount?: number): string {
  let h = fnv1a32(new TextEncoder().encode(templateKey(template)));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv1a32(bytes, h);
  }
  return safeEncodeString(String(h));
}
