/**
 * The two object edits of server-side apply: merging an applied configuration into
 * the live object, and removing what the applier stopped applying.
 */
import { getOwn, isObject, setOwn, type JsonObject } from "./json.ts";
import type { FieldSet } from "./field-set.ts";
import { elementMeta, listElements, removeElement, resolve, type ValueMeta } from "./field-paths.ts";
import { fieldMeta } from "./patch-meta.ts";

const NONE: ReadonlySet<string> = new Set();

/**
 * Merges `applied` into `live`. Both must be owned by the caller: `live` is changed in
 * place where possible and parts of `applied` end up in the result. Maps merge field
 * by field (unless atomic), keyed lists and sets merge element by element (live order
 * first, new elements after), everything else takes the applied value.
 */
export function mergeApplied(live: unknown, applied: unknown, meta: ValueMeta): unknown {
  if (applied === undefined) return live;
  if (isObject(applied) && isObject(live) && meta?.mapType !== "atomic") {
    for (const [k, v] of Object.entries(applied)) setOwn(live, k, mergeApplied(getOwn(live, k), v, fieldMeta(meta?.fields, k)));
    return live;
  }
  if (Array.isArray(applied) && Array.isArray(live)) return mergeList(live, applied, meta);
  return applied;
}

function mergeList(live: unknown[], applied: unknown[], meta: ValueMeta): unknown[] {
  const mine = listElements(applied, meta);
  const theirs = listElements(live, meta);
  // An atomic list, or a live list that cannot be keyed (repeated keys): replace it.
  if (mine.shape.type === "atomic" || theirs.shape.type !== mine.shape.type) return applied;
  const at = new Map(theirs.elements.map((pe, i) => [pe, i]));
  mine.elements.forEach((pe, i) => {
    const j = at.get(pe);
    if (j === undefined) live.push(applied[i]);
    else if (mine.shape.type === "map") live[j] = mergeApplied(live[j], applied[i], elementMeta(meta));
  });
  return live;
}

/**
 * Removes from `value` (in place) the paths of `last` (what this manager applied
 * before) that `config` (what it applies now) no longer has, unless another manager
 * (`others`) owns the path or something below it; then only the parts nobody else
 * owns go. Elements of keyed lists that stay keep their key fields.
 */
export function pruneUnapplied(value: unknown, last: FieldSet, config: FieldSet | undefined, others: FieldSet | undefined, meta: ValueMeta, keep: ReadonlySet<string> = NONE): void {
  for (const [pe, lastChild] of last.children) {
    const next = resolve(value, pe, meta);
    if (!next) continue;
    const cfg = config?.children.get(pe);
    const oth = others?.children.get(pe);
    if (cfg || oth || keep.has(pe)) {
      if (lastChild.children.size > 0) pruneUnapplied(next.value, lastChild, cfg, oth, next.meta, keyFields(pe));
      continue;
    }
    removeElement(value, pe, meta);
  }
}

/** The `f:` path elements of a keyed list element's key fields. */
function keyFields(pe: string): ReadonlySet<string> {
  if (!pe.startsWith("k:")) return NONE;
  try {
    const key = JSON.parse(pe.slice(2)) as JsonObject;
    return new Set(Object.keys(key).map((k) => `f:${k}`));
  } catch {
    return NONE;
  }
}
