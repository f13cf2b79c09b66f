/**
 * JSON merge patch (RFC 7386), the `application/merge-patch+json` PATCH body: what
 * `kubectl scale` and `kubectl patch --type merge` send.
 */
import { clone, getOwn, isObject, setOwn, type JsonObject } from "./json.ts";

/**
 * Applies an RFC 7386 merge patch and returns the result as a new value. A patch that
 * is not an object replaces the target; `null` deletes a field; objects merge
 * recursively; arrays (and every other value) replace what was there. Neither input
 * is modified.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const base: JsonObject = isObject(target) ? clone(target) : {};
  mergeInto(base, patch);
  return base;
}

/** Merges `patch` into `base`, which the caller owns and may be changed in place. */
function mergeInto(base: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete base[key];
    } else if (isObject(value)) {
      const current = getOwn(base, key);
      const child: JsonObject = isObject(current) ? current : {};
      mergeInto(child, value);
      setOwn(base, key, child);
    } else {
      setOwn(base, key, clone(value));
    }
  }
}
