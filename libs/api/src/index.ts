export {
  StatusReason,
  ApiError,
  NotFoundError,
  AlreadyExistsError,
  ConflictError,
  InvalidError,
  BadRequestError,
  GoneError,
  UnauthorizedError,
  MethodNotAllowedError,
  UnsupportedMediaTypeError,
  TooLargeError,
  TimeoutError,
  UnavailableError,
  InternalError,
  errorFromStatus,
  toApiError,
} from "./errors.ts";
export type { Status, StatusCause, StatusDetails, ObjectRef } from "./errors.ts";
export { WatchEventType } from "./meta.ts";
export type { ObjectMeta, OwnerReference, ManagedFieldsEntry, ListMeta, KubeObject, KubeList, WatchEvent } from "./meta.ts";
export { RESOURCES, groupVersion, resourceInfo, resourceForKind } from "./registry.ts";
export type { ResourceInfo, Subresource } from "./registry.ts";
export {
  applyMergePatch,
  applyJsonPatch,
  applyStrategicMergePatch,
  patchStrategyFor,
  patchMetaFor,
  fieldMeta,
  listShape,
  mergesList,
  PATCH_META_KINDS,
  serverSideApply,
  ApplyConflictError,
  conflictMessage,
  recordUpdate,
  MAX_UPDATE_MANAGERS,
  ANCIENT_CHANGES_MANAGER,
  BEFORE_FIRST_APPLY_MANAGER,
  cloneJson,
} from "./patch/index.ts";
export type { JsonPatchOperation, FieldPatchMeta, GroupKind, ListShape, PatchStrategy, FieldConflict, ServerSideApplyOptions, ServerSideApplyResult, RecordUpdateOptions } from "./patch/index.ts";
export {
  decodeObject,
  applyDefaults,
  carryOverAllocated,
  validateObject,
  CauseReason,
  openApiDocument,
  openApiGroupVersions,
  openApiIndex,
  schemaForKind,
  generateJobSelector,
  JOB_CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  parseQuantity,
  isQuantity,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isLabelValue,
  isQualifiedName,
  selectorMatches,
} from "./schema/index.ts";
export type {
  DecodeOptions,
  DecodeResult,
  OpenApiIndex,
  ConfigMapObject,
  ContainerObject,
  EventObject,
  LeaseObject,
  NodeObject,
  PodObject,
  PodSpecObject,
  RuntimeClassObject,
  SecretObject,
} from "./schema/index.ts";
export { microTime, rfc3339 } from "./time.ts";
export { runtimeLabel } from "./labels.ts";
