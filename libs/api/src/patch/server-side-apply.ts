/**
 * Server-side apply: `PATCH` with `application/apply-patch+yaml`, as
 * `kubectl apply --server-side` sends it. The applied configuration is the manager's
 * whole intent: fields it applied before and leaves out now are removed (unless
 * someone else owns them too), fields it sets are merged into the live object, and a
 * field another manager owns may only change with `force`.
 */
import { ConflictError, InvalidError, type StatusCause, type StatusDetails } from "../errors.ts";
import { BadRequestError } from "../errors.ts";
import type { KubeObject } from "../meta.ts";
import { clone, deepEqual, isObject, withoutNulls, type JsonObject } from "./json.ts";
import { FieldSet, formatPath } from "./field-set.ts";
import { changedFields, FieldPathError, rootMeta, toFieldSet, type ValueMeta } from "./field-paths.ts";
import { mergeApplied, pruneUnapplied } from "./apply-merge.ts";
import {
  BEFORE_FIRST_APPLY_MANAGER,
  bodyOf,
  decodeManagedFields,
  dropServerFields,
  finishEntries,
  identity,
  stripUntracked,
  validateManager,
  withManagedFields,
  type FieldNamePath,
  type ManagerEntry,
} from "./managed-fields.ts";
import { patchMetaFor, type GroupKind } from "./patch-meta.ts";

/** Input of serverSideApply. */
export interface ServerSideApplyOptions {
  /** The stored object, or undefined when the apply creates it. */
  live: KubeObject | undefined;
  /** The decoded request body: the manager's full intent for the object. */
  applied: unknown;
  /** The `fieldManager` query parameter (required for apply). */
  manager: string;
  /** The `force` query parameter: take ownership of conflicting fields. */
  force: boolean;
  kind: GroupKind;
  /** RFC 3339 time recorded in the manager's entry. */
  now: string;
  /** "status" or "scale" when applying to a subresource. */
  subresource?: string;
  /** Fields this endpoint ignores (e.g. `["status"]` on the main resource): neither merged nor owned. */
  ignoreFields?: readonly FieldNamePath[];
}

/** One field another manager owns whose value an apply changes. */
export interface FieldConflict {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion?: string;
  subresource?: string;
  /** The field as Kubernetes prints it: `.spec.template.spec.containers[name="web"].image`. */
  field: string;
}

/** What serverSideApply returns. */
export interface ServerSideApplyResult {
  /** The object to store, managedFields included. */
  object: KubeObject;
  /** With force: the conflicts that were overridden (their fields changed owner). */
  conflicts?: FieldConflict[];
}

/**
 * Applies `applied` for `manager` to `live` (or creates the object) and returns the
 * object to store. Server-set metadata in the body (uid, resourceVersion, generation,
 * creationTimestamp) is ignored: checking a resourceVersion precondition and filling
 * those in on create is the caller's job. Throws ApplyConflictError (409) when another
 * manager owns a field whose value would change and `force` is false;
 * BadRequestError for a missing manager or a body that is not an object;
 * InvalidError for keyed lists with missing or repeated keys.
 */
export function serverSideApply(opts: ServerSideApplyOptions): ServerSideApplyResult {
  validateManager(opts.manager);
  const meta = rootMeta(patchMetaFor(opts.kind));
  const config = cleanApplied(opts.applied, opts.ignoreFields);
  const configSet = stripUntracked(appliedFieldSet(config, meta, opts), opts.ignoreFields);
  const apiVersion = typeof config.apiVersion === "string" ? config.apiVersion : opts.live?.apiVersion;
  const id = identity({ manager: opts.manager, operation: "Apply", subresource: opts.subresource });
  const newEntry = (set: FieldSet): ManagerEntry => ({
    manager: opts.manager,
    operation: "Apply",
    ...(apiVersion ? { apiVersion } : {}),
    time: opts.now,
    set,
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
  });
  if (!opts.live) return { object: withManagedFields(config, finishEntries([newEntry(configSet)], config, opts.kind)) };

  const liveBody = bodyOf(opts.live);
  const entries = currentEntries(opts.live, liveBody, meta, opts.ignoreFields);
  const mine = entries.find((e) => identity(e) === id);
  const others = entries.filter((e) => e !== mine);
  const merged = mergeApplied(clone(liveBody), config, meta) as JsonObject;
  if (mine) pruneUnapplied(merged, mine.set, configSet, unionOf(others), meta);

  const changed = stripUntracked(changedFields(liveBody, merged, meta), opts.ignoreFields);
  const conflicts = findConflicts(others, changed);
  if (conflicts.length > 0 && !opts.force) throw new ApplyConflictError(opts.kind, objectName(opts.live), conflicts);
  // Forcing takes the changed fields away from everyone else.
  for (const e of others) e.set.subtract(changed);

  const objectChanged = !deepEqual(liveBody, merged);
  if (!mine) entries.push(newEntry(configSet));
  else if (objectChanged || !mine.set.equals(configSet)) Object.assign(mine, newEntry(configSet));
  const object = withManagedFields(merged, finishEntries(entries, merged, opts.kind));
  return conflicts.length > 0 ? { object, conflicts } : { object };
}

/** The request body as the configuration to merge: nulls and server-set fields dropped. */
function cleanApplied(applied: unknown, ignore: readonly FieldNamePath[] | undefined): JsonObject {
  if (!isObject(applied)) throw new BadRequestError("an apply patch must be a single object (with apiVersion, kind and metadata)");
  const managed = isObject(applied.metadata) ? applied.metadata.managedFields : undefined;
  if (managed !== undefined && managed !== null && !(Array.isArray(managed) && managed.length === 0)) {
    throw new BadRequestError("metadata.managedFields must be nil in an apply patch");
  }
  return dropServerFields(withoutNulls(applied) as JsonObject, ignore);
}

function appliedFieldSet(config: JsonObject, meta: ValueMeta, opts: ServerSideApplyOptions): FieldSet {
  try {
    return toFieldSet(config, meta, true);
  } catch (err) {
    if (!(err instanceof FieldPathError)) throw err;
    const name = isObject(config.metadata) && typeof config.metadata.name === "string" ? config.metadata.name : objectName(opts.live);
    throw new InvalidError(opts.kind.kind, opts.kind.group, name, [{ reason: err.reason, message: err.message, field: err.field }]);
  }
}

/**
 * The live object's entries. An object that was never tracked (no managedFields)
 * gets one `before-first-apply` entry owning everything, so an apply cannot silently
 * overwrite values set before tracking began.
 */
function currentEntries(live: KubeObject, body: JsonObject, meta: ValueMeta, ignore: readonly FieldNamePath[] | undefined): ManagerEntry[] {
  const entries = decodeManagedFields(live.metadata.managedFields);
  if (entries.length > 0) return entries;
  const set = stripUntracked(toFieldSet(body, meta), ignore);
  if (set.isEmpty()) return [];
  const seed: ManagerEntry = { manager: BEFORE_FIRST_APPLY_MANAGER, operation: "Update", set };
  if (live.apiVersion) seed.apiVersion = live.apiVersion;
  return [seed];
}

function unionOf(entries: readonly ManagerEntry[]): FieldSet {
  const all = new FieldSet();
  for (const e of entries) all.union(e.set);
  return all;
}

function findConflicts(others: readonly ManagerEntry[], changed: FieldSet): FieldConflict[] {
  const out: FieldConflict[] = [];
  for (const e of others) {
    for (const path of e.set.intersect(changed).paths()) {
      const c: FieldConflict = { manager: e.manager, operation: e.operation, field: formatPath(path) };
      if (e.apiVersion) c.apiVersion = e.apiVersion;
      if (e.subresource) c.subresource = e.subresource;
      out.push(c);
    }
  }
  return out;
}

function objectName(obj: KubeObject | undefined): string {
  return obj?.metadata.name ?? "";
}

/** How Kubernetes names a manager in a conflict: `"kubectl-client-side-apply" using apps/v1`. */
function describeManager(c: FieldConflict): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
  if (c.operation === "Update" && c.apiVersion) s += ` using ${c.apiVersion}`;
  return s;
}

/** The message Kubernetes gives for apply conflicts, which kubectl prints as is. */
export function conflictMessage(conflicts: readonly FieldConflict[]): string {
  const [only] = conflicts;
  if (conflicts.length === 1 && only) return `Apply failed with 1 conflict: conflict with ${describeManager(only)}: ${only.field}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const m = describeManager(c);
    byManager.set(m, [...(byManager.get(m) ?? []), c.field]);
  }
  const lines: string[] = [];
  for (const m of [...byManager.keys()].sort()) lines.push(`conflicts with ${m}:`, ...(byManager.get(m) ?? []).map((f) => `- ${f}`));
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
}

/**
 * 409 for an apply that would change fields other managers own. The message and one
 * `FieldManagerConflict` cause per field match Kubernetes, so kubectl's hint about
 * `--force-conflicts` reads right.
 */
export class ApplyConflictError extends ConflictError {
  override name = "ApplyConflictError";
  readonly conflicts: readonly FieldConflict[];

  constructor(kind: GroupKind, name: string, conflicts: readonly FieldConflict[]) {
    super({ group: kind.group, resource: kind.kind.toLowerCase(), name });
    this.conflicts = conflicts;
    this.message = conflictMessage(conflicts);
    const causes: StatusCause[] = conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with ${describeManager(c)}`, field: c.field }));
    // ConflictError fixes its details at construction and has no causes; Kubernetes
    // sends only the causes for apply conflicts, so replace them.
    (this as unknown as { details: StatusDetails }).details = { causes };
  }
}
