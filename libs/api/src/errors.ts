/**
 * Expected API failures as typed errors. Each maps to a Kubernetes `Status` reason and
 * HTTP code, so the apiserver (HTTP or bus) and its clients speak the same language.
 */

/** Kubernetes StatusReason values Flotilla produces. */
export const StatusReason = {
  BadRequest: "BadRequest",
  Unauthorized: "Unauthorized",
  Forbidden: "Forbidden",
  NotFound: "NotFound",
  AlreadyExists: "AlreadyExists",
  Conflict: "Conflict",
  Gone: "Expired",
  Invalid: "Invalid",
  MethodNotAllowed: "MethodNotAllowed",
  NotAcceptable: "NotAcceptable",
  UnsupportedMediaType: "UnsupportedMediaType",
  RequestEntityTooLarge: "RequestEntityTooLarge",
  TooManyRequests: "TooManyRequests",
  Timeout: "Timeout",
  ServiceUnavailable: "ServiceUnavailable",
  InternalError: "InternalError",
} as const;
export type StatusReason = (typeof StatusReason)[keyof typeof StatusReason];

/** One field-level problem, as in `Status.details.causes`. */
export interface StatusCause {
  /** e.g. FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueTypeInvalid, FieldValueDuplicate */
  reason: string;
  message: string;
  /** JSON-path-like field name, e.g. `spec.containers[0].image`. */
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The Kubernetes `Status` object (meta/v1) returned for every failure. */
export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message: string;
  reason: StatusReason | "";
  details?: StatusDetails;
  code: number;
}

/** Base class: an expected failure with a reason and an HTTP code. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly reason: StatusReason;
  readonly code: number;
  readonly details: StatusDetails | undefined;

  constructor(reason: StatusReason, code: number, message: string, details?: StatusDetails, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.reason = reason;
    this.code = code;
    this.details = details;
  }

  toStatus(): Status {
    const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: this.message, reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** What is being talked about: the `details` of NotFound / AlreadyExists / Conflict. */
export interface ObjectRef {
  group: string;
  /** plural resource, e.g. "deployments" */
  resource: string;
  name: string;
}

function qualified(ref: ObjectRef): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

export class NotFoundError extends ApiError {
  override name = "NotFoundError";
  constructor(ref: ObjectRef) {
    super(StatusReason.NotFound, 404, `${qualified(ref)} "${ref.name}" not found`, { name: ref.name, group: ref.group, kind: ref.resource });
  }
}

export class AlreadyExistsError extends ApiError {
  override name = "AlreadyExistsError";
  constructor(ref: ObjectRef) {
    super(StatusReason.AlreadyExists, 409, `${qualified(ref)} "${ref.name}" already exists`, { name: ref.name, group: ref.group, kind: ref.resource });
  }
}

export class ConflictError extends ApiError {
  override name = "ConflictError";
  constructor(ref: ObjectRef, why = "the object has been modified; please apply your changes to the latest version and try again") {
    super(StatusReason.Conflict, 409, `Operation cannot be fulfilled on ${qualified(ref)} "${ref.name}": ${why}`, { name: ref.name, group: ref.group, kind: ref.resource });
  }
}

/** 422: the object decoded but breaks validation rules; causes name each field. */
export class InvalidError extends ApiError {
  override name = "InvalidError";
  readonly causes: StatusCause[];
  constructor(kind: string, group: string, name: string, causes: StatusCause[]) {
    const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
    const summary = list.length === 1 ? list[0]! : `[${list.join(", ")}]`;
    super(StatusReason.Invalid, 422, `${kind} "${name}" is invalid: ${summary}`, { name, group, kind, causes });
    this.causes = causes;
  }
}

/** 400: the body could not be decoded (syntax, wrong type, unknown field under Strict). */
export class BadRequestError extends ApiError {
  override name = "BadRequestError";
  constructor(message: string, causes?: StatusCause[]) {
    super(StatusReason.BadRequest, 400, message, causes ? { causes } : undefined);
  }
}

/** 410: a watch or continue token older than the history kept. */
export class GoneError extends ApiError {
  override name = "GoneError";
  constructor(message: string) {
    super(StatusReason.Gone, 410, message);
  }
}

export class UnauthorizedError extends ApiError {
  override name = "UnauthorizedError";
  constructor(message = "Unauthorized") {
    super(StatusReason.Unauthorized, 401, message);
  }
}

export class MethodNotAllowedError extends ApiError {
  override name = "MethodNotAllowedError";
  constructor(message: string) {
    super(StatusReason.MethodNotAllowed, 405, message);
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  override name = "UnsupportedMediaTypeError";
  constructor(contentType: string) {
    super(StatusReason.UnsupportedMediaType, 415, `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf; got ${contentType}`);
  }
}

export class TooLargeError extends ApiError {
  override name = "TooLargeError";
  constructor(limitBytes: number) {
    super(StatusReason.RequestEntityTooLarge, 413, `the request body is larger than ${limitBytes} bytes`);
  }
}

export class TimeoutError extends ApiError {
  override name = "TimeoutError";
  constructor(message: string, retryAfterSeconds = 1) {
    super(StatusReason.Timeout, 504, message, { retryAfterSeconds });
  }
}

export class UnavailableError extends ApiError {
  override name = "UnavailableError";
  constructor(message: string, cause?: unknown) {
    super(StatusReason.ServiceUnavailable, 503, message, { retryAfterSeconds: 1 }, cause);
  }
}

export class InternalError extends ApiError {
  override name = "InternalError";
  constructor(message: string, cause?: unknown) {
    super(StatusReason.InternalError, 500, `Internal error occurred: ${message}`, undefined, cause);
  }
}

/** The typed class for each reason, so `instanceof ConflictError` works across the bus. */
function classFor(reason: string, code: number): (new (...args: never[]) => ApiError) | undefined {
  switch (reason) {
    case StatusReason.NotFound:
      return NotFoundError;
    case StatusReason.AlreadyExists:
      return AlreadyExistsError;
    case StatusReason.Conflict:
      return ConflictError;
    case StatusReason.Invalid:
      return InvalidError;
    case StatusReason.BadRequest:
      return BadRequestError;
    case StatusReason.Gone:
      return GoneError;
    case StatusReason.Unauthorized:
      return UnauthorizedError;
    case StatusReason.Timeout:
      return TimeoutError;
    case StatusReason.ServiceUnavailable:
      return UnavailableError;
    default:
      return code === 410 ? GoneError : undefined;
  }
}

/**
 * Rebuild a typed error from a Status (received over HTTP or the bus), keeping the
 * server's exact message: the subclass's prototype with ApiError's fields.
 */
export function errorFromStatus(s: Pick<Status, "reason" | "code" | "message" | "details">): ApiError {
  const reason = (s.reason || StatusReason.InternalError) as StatusReason;
  const cls = classFor(reason, s.code);
  const err: ApiError = cls ? Reflect.construct(ApiError, [reason, s.code, s.message, s.details], cls) : new ApiError(reason, s.code, s.message, s.details);
  if (cls) err.name = cls.name;
  if (err instanceof InvalidError) (err as { causes: StatusCause[] }).causes = s.details?.causes ?? [];
  return err;
}

/** Any thrown value as an ApiError; unexpected errors become 500 with their message. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new InternalError(err instanceof Error ? err.message : String(err), err);
}
