/**
 * `metadata.managedFields`: which manager owns which fields of an object. This module
 * reads and writes the entries and records ordinary writes (create, update, patch)
 * the way Kubernetes does: the fields a write changed move to its manager's `Update`
 * entry. Server-side apply (server-side-apply.ts) builds on the same pieces.
 */
import { BadRequestError } from "../errors.ts";
import type { KubeObject, ManagedFieldsEntry } from "../meta.ts";
import { deepEqual, getOwn, isObject, type JsonObject } from "./json.ts";
import { fieldElement, FieldSet } from "./field-set.ts";
import { changedFields, retainExisting, rootMeta } from "./field-paths.ts";
import { fieldsV1Of, fieldsV1Survives, skipTree, type SkipTree } from "./fields-v1.ts";
import { patchMetaFor, type GroupKind } from "./patch-meta.ts";

/** Update entries kept before the oldest are folded together, as Kubernetes does. */
export const MAX_UPDATE_MANAGERS = 10;
/** The entry older Update entries are folded into once there are too many. */
export const ANCIENT_CHANGES_MANAGER = "ancient-changes";
/** Who owns the fields of an object that had no managedFields when first applied. */
export const BEFORE_FIRST_APPLY_MANAGER = "before-first-apply";
const MAX_MANAGER_LENGTH = 128;

/** Field names from the root, e.g. `["status"]`: fields a request may not change. */
export type FieldNamePath = readonly string[];

/** A decoded managedFields entry. */
export interface ManagerEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion?: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
  /**
   * The entry's `fieldsV1` as read, when the write leaves it exactly as it was
   * (fieldsV1Survives): it is written back as it is, without decoding `set` (decoded
   * only if asked for) or encoding it again.
   */
  kept?: JsonObject;
}

/** Metadata the server sets: never owned by a manager, never taken from a request. */
const SERVER_METADATA = ["uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"];
/** Paths no entry records: identity and server-set metadata (Kubernetes' "strip meta"). */
const UNTRACKED_NAMES: readonly FieldNamePath[] = [["apiVersion"], ["kind"], ...["name", "namespace", ...SERVER_METADATA].map((f) => ["metadata", f])];
const UNTRACKED = UNTRACKED_NAMES.map((path) => path.map(fieldElement));
const UNTRACKED_SKIP = skipTree(UNTRACKED_NAMES);
const skipTrees = new WeakMap<readonly FieldNamePath[], SkipTree>();

/** The untracked paths plus a caller's ignored ones; callers pass constants, so this is built once. */
function skipWith(ignore: readonly FieldNamePath[]): SkipTree {
  let tree = skipTrees.get(ignore);
  if (!tree) skipTrees.set(ignore, (tree = skipTree([...UNTRACKED_NAMES, ...ignore])));
  return tree;
}

/** Throws a 400 unless `manager` is a usable fieldManager. */
export function validateManager(manager: string): void {
  if (!manager) throw new BadRequestError("fieldManager is required");
  if (manager.length > MAX_MANAGER_LENGTH) throw new BadRequestError(`fieldManager: must be no more than ${MAX_MANAGER_LENGTH} characters`);
  if (!/^[\x20-\x7e]+$/.test(manager)) throw new BadRequestError("fieldManager: must consist of printable characters");
}

/** The key that makes two entries the same manager. */
export function identity(e: Pick<ManagerEntry, "manager" | "operation" | "subresource">): string {
  return JSON.stringify([e.manager, e.operation, e.subresource ?? ""]);
}

/** Reads managedFields; an entry that cannot be read is dropped rather than failing the write. */
export function decodeManagedFields(entries: unknown): ManagerEntry[] {
  return readManagedFields(entries, () => false);
}

/**
 * Reads managedFields, keeping as they are (`kept`, set decoded on demand) the entries
 * for which `keep(entry, fieldsV1)` holds; `keep` sees the entry's identity fields only.
 */
function readManagedFields(entries: unknown, keep: (e: Omit<ManagerEntry, "set">, fieldsV1: unknown) => boolean): ManagerEntry[] {
  if (!Array.isArray(entries)) return [];
  const out: ManagerEntry[] = [];
  for (const e of entries) {
    if (!isObject(e) || (e.operation !== "Apply" && e.operation !== "Update") || typeof e.manager !== "string") continue;
    const head: Omit<ManagerEntry, "set"> = { manager: e.manager, operation: e.operation };
    if (typeof e.apiVersion === "string") head.apiVersion = e.apiVersion;
    if (typeof e.time === "string") head.time = e.time;
    if (typeof e.subresource === "string" && e.subresource) head.subresource = e.subresource;
    const fieldsV1 = e.fieldsV1 ?? {};
    if (keep(head, fieldsV1)) {
      out.push(keptEntry(head, fieldsV1 as JsonObject));
      continue;
    }
    const set = FieldSet.fromFieldsV1(fieldsV1);
    if (set) out.push({ ...head, set });
  }
  return out;
}

/** An entry written back as it was read; its set is decoded only if something asks (folding old entries). */
function keptEntry(head: Omit<ManagerEntry, "set">, fieldsV1: JsonObject): ManagerEntry {
  let set: FieldSet | undefined;
  return {
    ...head,
    kept: fieldsV1,
    get set(): FieldSet {
      return (set ??= FieldSet.fromFieldsV1(fieldsV1)!);
    },
  };
}

/** Writes entries in Kubernetes' order: Apply before Update, then by time and manager. */
export function encodeManagedFields(entries: readonly ManagerEntry[]): ManagedFieldsEntry[] {
  const sorted = [...entries].sort(
    (a, b) =>
      cmp(a.operation, b.operation) || cmp(seconds(a.time), seconds(b.time)) || cmp(a.manager, b.manager) || cmp(a.apiVersion ?? "", b.apiVersion ?? "") || cmp(a.subresource ?? "", b.subresource ?? ""),
  );
  return sorted.map((e) => {
    const out: ManagedFieldsEntry = { manager: e.manager, operation: e.operation };
    if (e.apiVersion) out.apiVersion = e.apiVersion;
    if (e.time) out.time = e.time;
    out.fieldsType = "FieldsV1";
    out.fieldsV1 = e.kept ?? e.set.toFieldsV1();
    if (e.subresource) out.subresource = e.subresource;
    return out;
  });
}

function cmp<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function seconds(time: string | undefined): number {
  const ms = time ? Date.parse(time) : NaN;
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** Removes untracked paths (identity, server metadata, ignored fields) from a set. */
export function stripUntracked(set: FieldSet, ignore: readonly FieldNamePath[] = []): FieldSet {
  for (const path of UNTRACKED) set.removeSubtree(path);
  for (const path of ignore) set.removeSubtree(path.map(fieldElement));
  return set.prune();
}

/**
 * The object without managedFields: what field sets describe. A copy of the top level
 * and metadata only; what is below is shared with `obj`, so neither may be changed
 * below that. A deep copy also hid what the write shares with the old object from
 * changedFields: recordUpdate of a pod's status patch took 345 µs of CPU with it, 160
 * without (bench/write-path.bench.ts, 2026-11-22).
 */
export function bodyOf(obj: unknown): JsonObject {
  if (!isObject(obj)) return {};
  const body: JsonObject = { ...obj };
  if (isObject(obj.metadata)) {
    const { managedFields: _, ...metadata } = obj.metadata;
    body.metadata = metadata;
  }
  return body;
}

/** Drops server-set metadata and ignored fields from a request body (in place). */
export function dropServerFields(body: JsonObject, ignore: readonly FieldNamePath[] = []): JsonObject {
  if (isObject(body.metadata)) for (const f of SERVER_METADATA) delete body.metadata[f];
  for (const path of ignore) {
    let node: unknown = body;
    for (const name of path.slice(0, -1)) node = isObject(node) ? getOwn(node, name) : undefined;
    if (isObject(node)) delete node[path[path.length - 1] ?? ""];
  }
  return body;
}

/**
 * The final list of entries for `body`: paths that no longer exist dropped, empty
 * entries dropped, Update entries past MAX_UPDATE_MANAGERS folded, encoded in order.
 */
export function finishEntries(entries: readonly ManagerEntry[], body: JsonObject, kind: GroupKind): ManagedFieldsEntry[] {
  const meta = rootMeta(patchMetaFor(kind));
  // A kept entry's paths all exist (that is why it was kept), and it is not empty.
  const live = entries.filter((e) => e.kept !== undefined || !retainExisting(e.set, body, meta).isEmpty());
  return encodeManagedFields(capUpdateManagers(live));
}

/**
 * Keeps at most MAX_UPDATE_MANAGERS Update entries: the oldest are merged into one
 * `ancient-changes` entry, so clients that invent manager names cannot grow an object
 * without bound. Apply entries are kept: each is an explicit, named owner.
 */
export function capUpdateManagers(entries: readonly ManagerEntry[], max = MAX_UPDATE_MANAGERS): ManagerEntry[] {
  const isBucket = (e: ManagerEntry): boolean => e.operation === "Update" && e.manager === ANCIENT_CHANGES_MANAGER && !e.subresource;
  const updates = entries.filter((e) => e.operation === "Update" && !isBucket(e));
  const bucket = entries.find(isBucket);
  if (updates.length + (bucket ? 1 : 0) <= max) return [...entries];
  const oldest = [...updates].sort((a, b) => seconds(a.time) - seconds(b.time)).slice(0, updates.length - (max - 1));
  const folded: ManagerEntry = { manager: ANCIENT_CHANGES_MANAGER, operation: "Update", set: bucket ? bucket.set.clone() : new FieldSet() };
  for (const e of oldest) {
    folded.set.union(e.set);
    if (!folded.time || seconds(e.time) > seconds(folded.time)) {
      if (e.time) folded.time = e.time;
      if (e.apiVersion) folded.apiVersion = e.apiVersion;
    }
  }
  return [...entries.filter((e) => !oldest.includes(e) && e !== bucket), folded];
}

/** Input of recordUpdate. */
export interface RecordUpdateOptions {
  /** The object before the write; undefined for a create. */
  old: KubeObject | undefined;
  /** The object the write produces (its managedFields as the client sent them). */
  next: KubeObject;
  /** The fieldManager; the caller derives a default (Kubernetes uses the user agent). */
  manager: string;
  /** Recorded operation. @default "Update" */
  operation?: "Update";
  kind: GroupKind;
  /** RFC 3339 time of the write. */
  now: string;
  /** "status" or "scale" for writes to a subresource. */
  subresource?: string;
  /** Fields this endpoint ignores (e.g. `["status"]` on the main resource): never recorded. */
  ignoreFields?: readonly FieldNamePath[];
  /**
   * The caller hands `next` over: it is given its managedFields in place instead of
   * being copied first. A create then needs neither a copy nor a diff (measured: the
   * copy and diff were a quarter of the apiserver's CPU per create). @default false
   */
  adopt?: boolean;
}

/**
 * Records a write that is not an apply (create, update, JSON/merge/strategic patch):
 * every field it added or changed moves to `manager`'s Update entry and out of every
 * other entry; paths that no longer exist leave every entry. Returns `next` with its
 * managedFields set.
 *
 * managedFields sent by the client: a list of one empty entry (`[{}]`) clears them
 * all; a non-empty list that differs from the old one replaces them; an empty list or
 * none keeps the old ones. This is how Kubernetes lets clients reset ownership.
 */
export function recordUpdate(opts: RecordUpdateOptions): KubeObject {
  validateManager(opts.manager);
  const sentFields = opts.next.metadata.managedFields;
  if (opts.adopt && opts.old === undefined && !(Array.isArray(sentFields) && sentFields.length > 0)) return recordCreate(opts);
  const body = bodyOf(opts.next);
  const sent = opts.next.metadata.managedFields;
  if (Array.isArray(sent) && sent.length > 0 && sent.every((e) => isObject(e) && Object.keys(e).length === 0)) return body as KubeObject;
  const before = opts.old?.metadata.managedFields;
  const base = Array.isArray(sent) && sent.length > 0 && !deepEqual(sent, before) ? sent : before;
  const meta = rootMeta(patchMetaFor(opts.kind));
  const changed = stripUntracked(changedFields(bodyOf(opts.old), body, meta), opts.ignoreFields);
  const id = identity({ manager: opts.manager, operation: "Update", subresource: opts.subresource });
  // The writer's own entry takes the changed fields, unless there are none.
  const entries = readManagedFields(base, (e, fieldsV1) => (changed.isEmpty() || identity(e) !== id) && fieldsV1Survives(fieldsV1, changed, body, meta));
  for (const e of entries) if (identity(e) !== id && !e.kept) e.set.subtract(changed);
  let mine = entries.find((e) => identity(e) === id);
  if (!changed.isEmpty()) {
    if (!mine) {
      mine = { manager: opts.manager, operation: "Update", set: new FieldSet(), ...(opts.subresource ? { subresource: opts.subresource } : {}) };
      entries.push(mine);
    }
    mine.set.union(changed);
    mine.time = opts.now;
    if (typeof body.apiVersion === "string") mine.apiVersion = body.apiVersion;
  }
  return withManagedFields(body, finishEntries(entries, body, opts.kind));
}

/** A new object: every field it has is its writer's; nothing to diff, nothing to copy. */
function recordCreate(opts: RecordUpdateOptions): KubeObject {
  const body = opts.next as JsonObject;
  if (isObject(body.metadata)) delete body.metadata.managedFields;
  const skip = opts.ignoreFields && opts.ignoreFields.length > 0 ? skipWith(opts.ignoreFields) : UNTRACKED_SKIP;
  const fieldsV1 = fieldsV1Of(body, rootMeta(patchMetaFor(opts.kind)), skip);
  if (!fieldsV1) return withManagedFields(body, []);
  const entry: ManagedFieldsEntry = { manager: opts.manager, operation: "Update" };
  if (typeof body.apiVersion === "string" && body.apiVersion) entry.apiVersion = body.apiVersion;
  entry.time = opts.now;
  entry.fieldsType = "FieldsV1";
  entry.fieldsV1 = fieldsV1;
  if (opts.subresource) entry.subresource = opts.subresource;
  return withManagedFields(body, [entry]);
}

/** `body` with managedFields set, or without the field when there are none. */
export function withManagedFields(body: JsonObject, entries: ManagedFieldsEntry[]): KubeObject {
  const metadata: JsonObject = isObject(body.metadata) ? body.metadata : {};
  if (entries.length > 0) metadata.managedFields = entries;
  else delete metadata.managedFields;
  body.metadata = metadata;
  return body as KubeObject;
}
