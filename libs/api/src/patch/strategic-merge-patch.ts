/**
 * Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), what
 * `kubectl apply` (client side), `edit` and `patch` send. It is JSON merge patch plus:
 * lists named in the patch metadata merge element by element on a key (or as a set of
 * primitives), and directives in the patch steer the merge:
 *
 * - `$patch: replace | delete | merge` on a map, or on a list element;
 * - `$setElementOrder/<list>`: the order the merged list must end up in;
 * - `$retainKeys`: keys of the map to keep, every other key is cleared;
 * - `$deleteFromPrimitiveList/<list>`: values to take out of a list of primitives;
 * - `null`: delete the field.
 *
 * The behaviour follows apimachinery's `strategicpatch` package as it applies patches
 * on the server, including its element ordering (new elements of a merged list come
 * first unless `$setElementOrder` says otherwise).
 */
import { BadRequestError } from "../errors.ts";
import { clone, deepEqual, getOwn, isObject, joinPath, setOwn, showPath, type JsonObject } from "./json.ts";
import { fieldMeta, mergesList, patchMetaFor, type FieldPatchMeta, type GroupKind, type MetaFields } from "./patch-meta.ts";

const PATCH = "$patch";
const RETAIN_KEYS = "$retainKeys";
const SET_ORDER = "$setElementOrder";
const DELETE_FROM = "$deleteFromPrimitiveList";

type Directive = "replace" | "delete" | "merge";
/** Identity of a list element for ordering: its merge key's value, or itself for primitives. */
type KeyFn = (v: unknown) => string | undefined;

/**
 * Applies a strategic merge patch to a copy of `target` for an object of `kind`, whose
 * patch metadata says which lists merge. Returns the patched copy; neither input is
 * modified. A malformed patch or directive throws BadRequestError.
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, kind: GroupKind): JsonObject {
  if (!isObject(patch)) throw bad("", "a strategic merge patch must be a JSON object");
  const original: JsonObject = isObject(target) ? clone(target) : {};
  // Both copies are ours from here on, so the merge works in place as the Go code does.
  return mergeMap(original, clone(patch), patchMetaFor(kind), "") ?? {};
}

function bad(path: string, message: string): BadRequestError {
  return new BadRequestError(`strategic merge patch: ${showPath(path)}: ${message}`);
}

/** Merges `patch` into `original` (both owned). Undefined means "delete this map". */
function mergeMap(original: JsonObject, patch: JsonObject, fields: MetaFields | undefined, path: string): JsonObject | undefined {
  const directive = takeDirective(patch, path);
  if (directive === "delete") return undefined;
  // What is left of a replacing patch is the new value; its own directives still apply.
  if (directive === "replace") return mergeMap({}, patch, fields, path);
  applyRetainKeys(original, patch, path);
  applySetElementOrder(original, patch, fields, path);
  const deletions: [string, unknown][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM)) deletions.push([key, value]);
    else mergeField(original, key, value, fields, path);
  }
  // Deletions go last so a value both merged in and deleted ends up deleted.
  for (const [key, value] of deletions) deleteFromPrimitiveList(original, key, value, path);
  return original;
}

function mergeField(original: JsonObject, key: string, value: unknown, fields: MetaFields | undefined, path: string): void {
  if (value === null) {
    delete original[key];
    return;
  }
  const here = joinPath(path, key);
  const meta = fieldMeta(fields, key);
  const current = getOwn(original, key);
  if (isObject(value)) {
    const base = meta?.strategy === "replace" || !isObject(current) ? {} : current;
    const merged = mergeMap(base, value, meta?.fields, here);
    if (merged === undefined) delete original[key];
    else setOwn(original, key, merged);
  } else if (Array.isArray(value)) {
    setOwn(original, key, mergeList(Array.isArray(current) ? current : [], value, meta, here));
  } else {
    setOwn(original, key, value);
  }
}

/** Removes and returns the map's `$patch` directive, if it has one. */
function takeDirective(patch: JsonObject, path: string): Directive | undefined {
  if (!Object.hasOwn(patch, PATCH)) return undefined;
  const d = patch[PATCH];
  delete patch[PATCH];
  if (d === "replace" || d === "delete" || d === "merge") return d;
  throw bad(path, `unknown patch type ${JSON.stringify(d)}: $patch must be replace, delete or merge`);
}

/** `$retainKeys`: clear every key of `original` the list does not name. */
function applyRetainKeys(original: JsonObject, patch: JsonObject, path: string): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const keys = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) {
    throw bad(path, "invalid patch format of retainKeys: $retainKeys must be a list of field names");
  }
  const keep = new Set<string>(keys);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(SET_ORDER) || k.startsWith(DELETE_FROM)) continue;
    // The patch sets a field it also asks to clear: the client's diff is broken.
    if (!keep.has(k)) throw bad(path, `invalid patch format of retainKeys: field "${k}" is patched but not listed in $retainKeys`);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** The list field a `$setElementOrder/x` or `$deleteFromPrimitiveList/x` key names. */
function directiveField(key: string, prefix: string, path: string): string {
  const field = key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : "";
  if (!field) throw bad(path, `invalid directive "${key}": expected ${prefix}/<field>`);
  return field;
}

/**
 * `$setElementOrder/<list>`: merge the list named beside it (if any), then order the
 * result. Elements the order names come in that order; elements only the server has
 * keep their place relative to them, as apimachinery does.
 */
function applySetElementOrder(original: JsonObject, patch: JsonObject, fields: MetaFields | undefined, path: string): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    const field = directiveField(key, SET_ORDER, path);
    const here = joinPath(path, field);
    if (!Array.isArray(order)) throw bad(here, `invalid patch format of setElementOrder list: ${key} must be a list`);
    const meta = fieldMeta(fields, field);
    // An atomic list is replaced whole, in the order the patch gives it.
    if (!mergesList(meta)) continue;
    const hasPatch = Object.hasOwn(patch, field);
    const patchList = getOwn(patch, field);
    if (hasPatch && !Array.isArray(patchList)) throw bad(here, `must be a list when ${key} is given`);
    const existing = getOwn(original, field);
    const current = Array.isArray(existing) ? existing : undefined;
    if (!current && !hasPatch) continue;
    const keyFn = elementKey(meta, here, order);
    checkOrder(Array.isArray(patchList) ? patchList : [], order, keyFn, here);
    const merged = Array.isArray(patchList) ? mergeList(current ?? [], patchList, meta, here) : (current ?? []);
    setOwn(original, field, normalizeOrder(merged, order, current ?? [], keyFn));
    delete patch[field];
  }
}

/** The key function of a merged list; the order list's elements must carry the merge key. */
function elementKey(meta: FieldPatchMeta | undefined, path: string, order: readonly unknown[]): KeyFn {
  const mergeKey = meta?.mergeKey;
  if (!mergeKey) return scalarKey;
  for (const o of order) {
    if (!isObject(o) || !Object.hasOwn(o, mergeKey)) throw bad(path, `$setElementOrder element ${JSON.stringify(o)} does not contain declared merge key "${mergeKey}"`);
  }
  return mapKey(mergeKey);
}

/** Patch elements (directives aside) must appear in the order list, in the same order. */
function checkOrder(patchList: readonly unknown[], order: readonly unknown[], keyFn: KeyFn, path: string): void {
  let j = 0;
  for (const item of patchList) {
    if (isObject(item) && Object.hasOwn(item, PATCH)) continue;
    const k = keyFn(item);
    while (j < order.length && keyFn(order[j]) !== k) j++;
    if (j === order.length) throw bad(path, "the order of the patch list does not match its $setElementOrder list");
    j++;
  }
}

/** `$deleteFromPrimitiveList/<list>`: take the given values out of the list. */
function deleteFromPrimitiveList(original: JsonObject, key: string, values: unknown, path: string): void {
  const field = directiveField(key, DELETE_FROM, path);
  if (!Array.isArray(values) || values.some((v) => isObject(v) || Array.isArray(v))) {
    throw bad(joinPath(path, field), `invalid patch format of primitive list: ${key} must be a list of primitive values`);
  }
  const current = getOwn(original, field);
  if (!Array.isArray(current)) return;
  setOwn(original, field, current.filter((v) => !values.some((d) => deepEqual(d, v))));
}

/** Merges a patch list into a list: by key, as a set, or (no metadata) by replacing it. */
function mergeList(original: unknown[], patch: unknown[], meta: FieldPatchMeta | undefined, path: string): unknown[] {
  if (!mergesList(meta)) return patch;
  const kind = elementKind([...original, ...patch], path);
  if (kind === "empty") return [];
  if (kind === "scalar") return normalizeOrder(dedupe([...original, ...patch]), patch, original, scalarKey);
  const mergeKey = meta?.mergeKey;
  if (!mergeKey) throw bad(path, "cannot merge a list of objects that has no merge key");
  const { base, items } = applySpecialElements(original, patch, mergeKey, path);
  const merged = mergeByKey(base, items, mergeKey, meta?.fields, path);
  return normalizeOrder(merged, items, base, mapKey(mergeKey));
}

function elementKind(values: readonly unknown[], path: string): "empty" | "scalar" | "map" {
  let kind: "scalar" | "map" | undefined;
  for (const v of values) {
    if (Array.isArray(v)) throw bad(path, "lists of lists cannot be merged");
    const k = isObject(v) ? "map" : "scalar";
    if (kind && kind !== k) throw bad(path, "list elements are not all of the same type");
    kind = k;
  }
  return kind ?? "empty";
}

/**
 * Handles elements carrying `$patch`: `delete` removes the original element with the
 * same key, `replace` makes the other patch elements the whole list, `merge` is the
 * default. Returns the original list to merge into and the plain patch elements.
 */
function applySpecialElements(original: unknown[], patch: unknown[], mergeKey: string, path: string): { base: unknown[]; items: JsonObject[] } {
  let base = original;
  let replace = false;
  const items: JsonObject[] = [];
  for (const item of patch) {
    if (!isObject(item)) throw bad(path, "list elements are not all of the same type");
    const directive = takeDirective(item, path);
    if (directive === "delete") {
      if (!Object.hasOwn(item, mergeKey)) throw bad(path, `map ${JSON.stringify(item)} does not contain declared merge key "${mergeKey}"`);
      base = base.filter((o) => !(isObject(o) && Object.hasOwn(o, mergeKey) && deepEqual(o[mergeKey], item[mergeKey])));
    } else if (directive === "replace") {
      replace = true;
    } else {
      items.push(item);
    }
  }
  return { base: replace ? [] : base, items };
}

/** Merges each patch element into the original element with the same key, or appends it. */
function mergeByKey(base: readonly unknown[], items: readonly JsonObject[], mergeKey: string, fields: MetaFields | undefined, path: string): unknown[] {
  const out = [...base];
  for (const item of items) {
    if (!Object.hasOwn(item, mergeKey)) throw bad(path, `map ${JSON.stringify(item)} does not contain declared merge key "${mergeKey}"`);
    const here = `${path}[${mergeKey}=${JSON.stringify(item[mergeKey])}]`;
    const i = out.findIndex((o) => isObject(o) && Object.hasOwn(o, mergeKey) && deepEqual(o[mergeKey], item[mergeKey]));
    const merged = mergeMap(i >= 0 ? (out[i] as JsonObject) : {}, item, fields, here);
    if (i < 0) out.push(merged ?? {});
    else out[i] = merged ?? {};
  }
  return out;
}

const scalarKey: KeyFn = (v) => JSON.stringify(v);

function mapKey(mergeKey: string): KeyFn {
  return (v) => (isObject(v) && Object.hasOwn(v, mergeKey) ? JSON.stringify(v[mergeKey]) : undefined);
}

function dedupe(values: readonly unknown[]): unknown[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = scalarKey(v) ?? "";
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function firstIndex(list: readonly unknown[], keyFn: KeyFn): Map<string, number> {
  const idx = new Map<string, number>();
  list.forEach((v, i) => {
    const k = keyFn(v);
    if (k !== undefined && !idx.has(k)) idx.set(k, i);
  });
  return idx;
}

/**
 * Orders a merged list: elements named in `order` follow it; the others ("server
 * only") keep their order in `serverOrder`. The two runs are then interleaved: a
 * server-only element goes before a patch element only when both were in the server
 * list and it came first there.
 */
function normalizeOrder(merged: readonly unknown[], order: readonly unknown[], serverOrder: readonly unknown[], keyFn: KeyFn): unknown[] {
  const orderIdx = firstIndex(order, keyFn);
  const serverIdx = firstIndex(serverOrder, keyFn);
  const at = (idx: Map<string, number>, v: unknown): number | undefined => {
    const k = keyFn(v);
    return k === undefined ? undefined : idx.get(k);
  };
  const inPatch = merged.filter((v) => at(orderIdx, v) !== undefined);
  const serverOnly = merged.filter((v) => at(orderIdx, v) === undefined);
  const last = Number.MAX_SAFE_INTEGER;
  inPatch.sort((a, b) => (at(orderIdx, a) ?? last) - (at(orderIdx, b) ?? last));
  serverOnly.sort((a, b) => (at(serverIdx, a) ?? last) - (at(serverIdx, b) ?? last));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < inPatch.length) {
    if (j >= inPatch.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(inPatch[j++]);
    else {
      const li = at(serverIdx, serverOnly[i]);
      const ri = at(serverIdx, inPatch[j]);
      if (li !== undefined && ri !== undefined && li < ri) out.push(serverOnly[i++]);
      else out.push(inPatch[j++]);
    }
  }
  return out;
}
