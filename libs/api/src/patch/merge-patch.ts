/**
 * JSON merge patch (RFC 7386), the `application/merge-patch+json` PATCH body: what
 * `kubectl scale` and `kubectl patch --type merge` send.
 */
import { clone, cloneJson, getOwn, isObject, setOwn, type JsonObject } from "./json.ts";

/**
 * Applies an RFC 7386 merge patch and returns the result as a new value. A patch that
 * is not an object replaces the target; `null` deletes a field; objects merge
 * recursively; arrays (and every other value) replace what was there. Neither input
 * is modified, and the result shares nothing with them.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return cloneJson(applyMergePatchSharing(target, patch));
}

/**
 * The merge, copy-on-write: the result shares with `target` every subtree the
 * patch does not reach, and copies only the objects on the patch's paths (values taken
 * from the patch are copied too, so a retried write can apply the patch again). For a
 * kubelet's status patch that leaves the whole spec and metadata's lists shared instead
 * of deep-copying the pod. The result must not be changed below the objects the patch
 * reached; `target` is never changed.
 */
export function applyMergePatchSharing(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  return mergeSharing(isObject(target) ? target : undefined, patch);
}

function mergeSharing(base: JsonObject | undefined, patch: JsonObject): JsonObject {
  // Spread copies own keys as data, `__proto__` included.
  const out: JsonObject = base ? { ...base } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isObject(value)) {
      const current = base && getOwn(base, key);
      setOwn(out, key, mergeSharing(isObject(current) ? current : undefined, value));
    } else setOwn(out, key, clone(value));
  }
  return out;
}
