/**
 * Field-level validation failures, worded as Kubernetes words them, so clients and
 * people see the same `spec.replicas: Invalid value: -1: must be greater than or
 * equal to 0` they would from a real apiserver.
 */
import type { StatusCause } from "../errors.ts";

/** Cause reasons, as in Kubernetes' field.ErrorType. */
export const CauseReason = {
  Required: "FieldValueRequired",
  Invalid: "FieldValueInvalid",
  NotSupported: "FieldValueNotSupported",
  Duplicate: "FieldValueDuplicate",
  Forbidden: "FieldValueForbidden",
  TooLong: "FieldValueTooLong",
  NotFound: "FieldValueNotFound",
  TypeInvalid: "FieldValueTypeInvalid",
} as const;
export type CauseReason = (typeof CauseReason)[keyof typeof CauseReason];

/** How Kubernetes prints a bad value: strings quoted, numbers bare, the rest as JSON. */
export function formatValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === undefined || v === null) return "null";
  return JSON.stringify(v);
}

function cause(reason: CauseReason, field: string, message: string): StatusCause {
  return { reason, message, field };
}

/** `Required value`, optionally with a detail. */
export function required(field: string, detail = ""): StatusCause {
  return cause(CauseReason.Required, field, detail ? `Required value: ${detail}` : "Required value");
}

/** `Invalid value: <value>: <detail>`. */
export function invalid(field: string, value: unknown, detail: string): StatusCause {
  return cause(CauseReason.Invalid, field, `Invalid value: ${formatValue(value)}${detail ? `: ${detail}` : ""}`);
}

/** `Unsupported value: <value>: supported values: ...`. */
export function notSupported(field: string, value: unknown, supported: readonly string[]): StatusCause {
  const list = supported.map((s) => JSON.stringify(s)).join(", ");
  return cause(CauseReason.NotSupported, field, `Unsupported value: ${formatValue(value)}: supported values: ${list}`);
}

/** `Duplicate value: <value>`. */
export function duplicate(field: string, value: unknown): StatusCause {
  return cause(CauseReason.Duplicate, field, `Duplicate value: ${formatValue(value)}`);
}

/** `Forbidden: <detail>`. */
export function forbidden(field: string, detail: string): StatusCause {
  return cause(CauseReason.Forbidden, field, `Forbidden: ${detail}`);
}

/** `Too long: may not be more than <n> bytes`. */
export function tooLong(field: string, maxBytes: number): StatusCause {
  return cause(CauseReason.TooLong, field, `Too long: may not be more than ${maxBytes} bytes`);
}

/** `Not found: <value>`, e.g. a mount naming no volume. */
export function notFound(field: string, value: unknown): StatusCause {
  return cause(CauseReason.NotFound, field, `Not found: ${formatValue(value)}`);
}

/** `spec` + `replicas` → `spec.replicas`; the root has no prefix. */
export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** `spec.containers` + 0 → `spec.containers[0]`; keys likewise: `data[key]`. */
export function index(path: string, i: number | string): string {
  return `${path}[${i}]`;
}

/** A value that may be checked as an object (decoded objects never hold nulls). */
export type Obj = Record<string, unknown>;

/** True for a JSON object (not an array). */
export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Elements of a list field that are objects, with their index. */
export function entries(v: unknown): [number, Obj][] {
  if (!Array.isArray(v)) return [];
  const out: [number, Obj][] = [];
  v.forEach((e, i) => {
    if (isObj(e)) out.push([i, e]);
  });
  return out;
}

/** The value if it is a string, otherwise "" (absent). */
export function asString(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** Non-negative integer fields: `must be greater than or equal to 0`. */
export function nonNegative(errs: StatusCause[], field: string, v: unknown): void {
  if (typeof v === "number" && v < 0) errs.push(invalid(field, v, "must be greater than or equal to 0"));
}

/** Enumerated string fields: required when `requiredValue`, otherwise optional. */
export function oneOf(errs: StatusCause[], field: string, v: unknown, values: readonly string[], requiredValue = false): void {
  if (v === undefined || v === "") {
    if (requiredValue) errs.push(required(field));
    return;
  }
  if (!values.includes(v as string)) errs.push(notSupported(field, v, values));
}
