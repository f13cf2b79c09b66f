/**
 * `fieldsV1` read and written directly, without the FieldSet trie, where that is
 * the whole job.
 *
 * The `fieldsV1` of a whole object, built in one walk. A create owns every field it
 * sets, so there is nothing to diff: building the trie (FieldSet), pruning it and
 * encoding it was a sixth of the apiserver's CPU per create (measured 2026-11-22);
 * this walk writes the encoded form directly. It must agree with
 * `stripUntracked(changedFields({}, obj)).toFieldsV1()`; fields-v1.test.ts checks it.
 *
 * Whether a write leaves an entry's `fieldsV1` as it is (fieldsV1Survives), checked on
 * the encoded form; managed-fields-equivalence.test.ts checks recordUpdate against the
 * decode-and-re-encode it replaces.
 */
import { elementMeta, isGranularMap, listElements, resolve, type ValueMeta } from "./field-paths.ts";
import { compareElements, type FieldSet } from "./field-set.ts";
import { fieldMeta } from "./patch-meta.ts";
import { isObject, type JsonObject } from "./json.ts";

/** Field names whose subtrees are not recorded: `true` skips the field, a map skips below it. */
export interface SkipTree {
  [name: string]: SkipTree | true;
}

/** A skip tree from field-name paths, e.g. `[["status"], ["metadata", "uid"]]`. */
export function skipTree(paths: readonly (readonly string[])[]): SkipTree {
  const root: SkipTree = {};
  for (const path of paths) {
    let node = root;
    path.forEach((name, i) => {
      if (i === path.length - 1) node[name] = true;
      else {
        const next = node[name];
        if (next === true) return;
        node = node[name] = next ?? {};
      }
    });
  }
  return root;
}

/** The `fieldsV1` of every path `value` sets, minus skipped ones; undefined when none. */
export function fieldsV1Of(value: JsonObject, meta: ValueMeta, skip: SkipTree): JsonObject | undefined {
  return walk(value, meta, skip, 0);
}

// Each node this walk builds owns paths of `value` only and is in toFieldsV1's form: it
// survives against `value` (see `verified`), which a later write sharing `value` can use.
// Only the top levels are recorded (a shortcut there covers everything below): recording
// every node made a pod's create 30 µs dearer, for no more shortcuts.
const VERIFIED_DEPTH = 2;

function walk(value: unknown, meta: ValueMeta, skip: SkipTree | undefined, depth: number): JsonObject | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return {};
    const out = walkList(value, meta);
    if (depth <= VERIFIED_DEPTH) verified.set(out, value);
    return out;
  }
  if (!isGranularMap(value, meta)) return {};
  const out: JsonObject = {};
  if (walkFields(value, meta, skip, out, depth) === 0) return undefined;
  if (depth <= VERIFIED_DEPTH) verified.set(out, value);
  return out;
}

/** Adds the `f:` entries of a map's fields to `out`, in order; returns how many. */
function walkFields(value: JsonObject, meta: ValueMeta, skip: SkipTree | undefined, out: JsonObject, depth: number): number {
  const names = Object.keys(value);
  if (!isSorted(names)) names.sort();
  let added = 0;
  for (const name of names) {
    const s = skip && Object.hasOwn(skip, name) ? skip[name] : undefined;
    if (s === true) continue;
    const child = walk(value[name], fieldMeta(meta?.fields, name), s, depth + 1);
    if (child) {
      out[`f:${name}`] = child;
      added++;
    }
  }
  return added;
}

function walkList(list: readonly unknown[], meta: ValueMeta): JsonObject {
  const { shape, elements } = listElements(list, meta);
  if (shape.type === "atomic") return {};
  const order = elements.map((pe, i) => [pe, i] as const);
  if (!isSorted(elements)) order.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: JsonObject = {};
  for (const [pe, i] of order) {
    const item = list[i];
    // An element of a keyed list is itself in the set ("."), with its fields below.
    if (shape.type === "map" && isGranularMap(item, elementMeta(meta))) {
      const node: JsonObject = { ".": {} };
      // Below the recorded depth: list elements are not recorded.
      out[pe] = walkFields(item, elementMeta(meta), undefined, node, VERIFIED_DEPTH + 1) > 0 ? node : {};
    } else out[pe] = {};
  }
  return out;
}

function isSorted(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1]! > names[i]!) return false;
  return true;
}

const ELEMENT = /^[fkvi]:/;

/**
 * True when a write leaves a managedFields entry's `fieldsV1` exactly as it is: it is
 * in the form FieldSet.toFieldsV1 writes (elements sorted, `.` first and only beside
 * children), it owns no path `changed` holds, and every path it owns still exists in
 * `value`. Decoding it, subtracting `changed`, dropping paths that no longer exist and
 * encoding it again would then give an equal object, so the entry keeps the one it has.
 * For a pod's status patch, whose creator's entry covers the whole spec, recordUpdate
 * took 213 µs of CPU with that work, 146 without (bench/write-path.bench.ts, 2026-11-22).
 */
export function fieldsV1Survives(fieldsV1: unknown, changed: FieldSet, value: unknown, meta: ValueMeta): boolean {
  // An empty entry is dropped, so it cannot be kept.
  return isObject(fieldsV1) && Object.keys(fieldsV1).length > 0 && survives(fieldsV1, changed, value, meta, true);
}

/**
 * Subtrees of stored entries already found to survive, with the value they were checked
 * against, when the write changed nothing below them. The answer depends only on the
 * two (the path, hence the metadata, is the node's own), and neither changes once
 * stored. A kept entry is carried into the next version as the same object, and a
 * status write shares the spec, so a pod's status patch finds its creator's entry,
 * which covers the whole spec, checked already (when the create built it, or by the
 * previous write): walking it was a third of recordUpdate.
 */
const verified = new WeakMap<JsonObject, object>();

function survives(node: JsonObject, changed: FieldSet | undefined, value: unknown, meta: ValueMeta, root: boolean): boolean {
  const keys = Object.keys(node);
  let first = 0;
  if (keys[0] === ".") {
    // `.` only marks a member that has children; its value is always `{}`.
    const dot = node["."];
    if (keys.length === 1 || !isObject(dot) || Object.keys(dot).length > 0) return false;
    first = 1;
  }
  // A member: the node itself is in the set (a leaf always is, below the root).
  const member = first === 1 || (keys.length === 0 && !root);
  if (member && changed?.member) return false;
  for (let i = first; i < keys.length; i++) {
    const pe = keys[i]!;
    if (!ELEMENT.test(pe) || (i > first && compareElements(keys[i - 1]!, pe) >= 0)) return false;
    const child = node[pe];
    if (!isObject(child)) return false;
    const next = resolve(value, pe, meta);
    if (!next) return false;
    const below = changed?.children.get(pe);
    if (below === undefined && verified.get(child) === next.value) continue;
    if (!survives(child, below, next.value, next.meta, false)) return false;
    if (below === undefined && typeof next.value === "object" && next.value !== null) verified.set(child, next.value);
  }
  return true;
}
