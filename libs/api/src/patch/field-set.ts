/**
 * A set of field paths, in the trie shape Kubernetes stores as `fieldsV1` in
 * `metadata.managedFields`. A path is a list of path elements:
 *
 * - `f:<name>`: a field of a map;
 * - `k:{"name":"web"}`: the element of a keyed list whose keys have these values
 *   (keys sorted, values as JSON);
 * - `v:<json>`: the element of a set-like list with this value;
 * - `i:<n>`: an element of a list by index (read, never produced here).
 *
 * In `fieldsV1` a path with nothing below it is `{}`; a path that is itself in the set
 * and has children below it carries `".": {}`.
 */
import { isObject, type JsonObject } from "./json.ts";

const ELEMENT_ORDER = ["f", "k", "v", "i"];

/** A node of the trie: whether this path is in the set, and the paths below it. */
export class FieldSet {
  member = false;
  readonly children = new Map<string, FieldSet>();

  /** The child node for path element `pe`, created if absent. */
  ensure(pe: string): FieldSet {
    let c = this.children.get(pe);
    if (!c) {
      c = new FieldSet();
      this.children.set(pe, c);
    }
    return c;
  }

  /** Adds a path to the set. */
  insert(path: readonly string[]): void {
    const [pe, ...rest] = path;
    if (pe === undefined) this.member = true;
    else this.ensure(pe).insert(rest);
  }

  /** The node at `path`, if any path of the set goes through it. */
  at(path: readonly string[]): FieldSet | undefined {
    const [pe, ...rest] = path;
    return pe === undefined ? this : this.children.get(pe)?.at(rest);
  }

  /** Removes `path` and every path below it. */
  removeSubtree(path: readonly string[]): void {
    const [pe, ...rest] = path;
    if (pe === undefined) return;
    if (rest.length === 0) this.children.delete(pe);
    else this.children.get(pe)?.removeSubtree(rest);
  }

  /** Drops nodes with no path of the set at or below them (in place). */
  prune(): this {
    for (const [pe, c] of this.children) if (c.prune().isEmpty()) this.children.delete(pe);
    return this;
  }

  /** True when no path is in the set. */
  isEmpty(): boolean {
    if (this.member) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  /** Adds every path of `other` (in place). */
  union(other: FieldSet): this {
    if (other.member) this.member = true;
    for (const [pe, c] of other.children) this.ensure(pe).union(c);
    return this;
  }

  /** Removes every path of `other` (in place); paths below a removed path stay. */
  subtract(other: FieldSet): this {
    if (other.member) this.member = false;
    for (const [pe, c] of other.children) {
      const mine = this.children.get(pe);
      if (!mine) continue;
      mine.subtract(c);
      if (mine.isEmpty()) this.children.delete(pe);
    }
    return this;
  }

  /** The paths in both sets, as a new set. */
  intersect(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && other.member;
    for (const [pe, c] of this.children) {
      const theirs = other.children.get(pe);
      if (!theirs) continue;
      const both = c.intersect(theirs);
      if (!both.isEmpty()) out.children.set(pe, both);
    }
    return out;
  }

  /** Every path in the set, depth first, in `fieldsV1` order. */
  paths(prefix: readonly string[] = []): string[][] {
    const out: string[][] = this.member ? [[...prefix]] : [];
    for (const pe of sortedElements(this.children.keys())) out.push(...this.children.get(pe)!.paths([...prefix, pe]));
    return out;
  }

  clone(): FieldSet {
    return new FieldSet().union(this);
  }

  equals(other: FieldSet): boolean {
    const a = this.paths().map((p) => p.join("\u0000"));
    const b = other.paths().map((p) => p.join("\u0000"));
    return a.length === b.length && a.every((p, i) => p === b[i]);
  }

  /** The set as a `fieldsV1` object. */
  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    const keys = sortedElements(this.children.keys()).filter((pe) => !this.children.get(pe)!.isEmpty());
    if (this.member && keys.length > 0) out["."] = {};
    for (const pe of keys) out[pe] = this.children.get(pe)!.toFieldsV1();
    return out;
  }

  /** Reads a `fieldsV1` object; undefined if it is not one. */
  static fromFieldsV1(v: unknown): FieldSet | undefined {
    if (!isObject(v)) return undefined;
    const set = new FieldSet();
    for (const [key, child] of Object.entries(v)) {
      if (key === ".") {
        set.member = true;
        continue;
      }
      if (!/^[fkvi]:/.test(key)) return undefined;
      const node = FieldSet.fromFieldsV1(child);
      if (!node) return undefined;
      if (node.children.size === 0) node.member = true;
      set.children.set(key, node);
    }
    return set;
  }
}

/** The order of path elements in `fieldsV1`: `f:`, `k:`, `v:`, `i:`, then by text. */
export function compareElements(a: string, b: string): number {
  const ta = ELEMENT_ORDER.indexOf(a[0] ?? "");
  const tb = ELEMENT_ORDER.indexOf(b[0] ?? "");
  if (ta !== tb) return ta - tb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedElements(keys: Iterable<string>): string[] {
  return [...keys].sort(compareElements);
}

/** `f:<name>` */
export function fieldElement(name: string): string {
  return `f:${name}`;
}

/**
 * `k:{...}` for a keyed list element; key fields sorted so equal keys encode equally.
 * Written as text: this runs for every keyed element of every write (field names are
 * never integer-like, so this equals JSON.stringify of the sorted object).
 */
export function keyElement(key: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(key);
  if (names.length > 1) names.sort();
  let out = "k:{";
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    out += `${i > 0 ? "," : ""}${JSON.stringify(name)}:${JSON.stringify(key[name])}`;
  }
  return `${out}}`;
}

/** `v:<json>` for an element of a set-like list. */
export function valueElement(value: unknown): string {
  return `v:${JSON.stringify(value)}`;
}

/**
 * A path as Kubernetes prints it in conflict messages and causes:
 * `.spec.template.spec.containers[name="web"].image`.
 */
export function formatPath(path: readonly string[]): string {
  return path.map(formatElement).join("");
}

function formatElement(pe: string): string {
  const body = pe.slice(2);
  switch (pe[0]) {
    case "f":
      return `.${body}`;
    case "k": {
      const key = JSON.parse(body) as JsonObject;
      return `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}]`;
    }
    case "v":
      return `[=${body}]`;
    default:
      return `[${body}]`;
  }
}
