/**
 * Patch machinery of the API server: JSON merge patch, JSON patch, strategic merge
 * patch, server-side apply and managedFields tracking. Pure functions over decoded
 * JSON; no I/O.
 */
export { applyMergePatch, applyMergePatchSharing } from "./merge-patch.ts";
export { applyJsonPatch } from "./json-patch.ts";
export type { JsonPatchOperation } from "./json-patch.ts";
export { applyStrategicMergePatch } from "./strategic-merge-patch.ts";
export { fieldMeta, listShape, mergesList, PATCH_META_KINDS, patchMetaFor, patchStrategyFor } from "./patch-meta.ts";
export type { FieldPatchMeta, GroupKind, ListShape, ListType, MetaFields, PatchStrategy } from "./patch-meta.ts";
export { ApplyConflictError, conflictMessage, serverSideApply } from "./server-side-apply.ts";
export type { FieldConflict, ServerSideApplyOptions, ServerSideApplyResult } from "./server-side-apply.ts";
export { ANCIENT_CHANGES_MANAGER, BEFORE_FIRST_APPLY_MANAGER, MAX_UPDATE_MANAGERS, recordUpdate } from "./managed-fields.ts";
export type { FieldNamePath, RecordUpdateOptions } from "./managed-fields.ts";
export { cloneJson } from "./json.ts";
