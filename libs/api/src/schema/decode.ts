/**
 * Request body → typed object, as the apiserver's decoder does it: wrong JSON types
 * are a 400 naming the field in Go's words, unknown fields are a 400 under
 * fieldValidation=Strict and warnings otherwise, and apiVersion/kind must match
 * the endpoint (or be absent, then they are filled in).
 *
 * A compiled TypeBox check handles the common case (a well-formed object) in a few
 * microseconds; only bodies it rejects take the slower walk that explains why.
 */
import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { TypeCheck } from "@sinclair/typebox/compiler";
import { BadRequestError } from "../errors.ts";
import type { StatusCause } from "../errors.ts";
import type { KubeObject } from "../meta.ts";
import type { ResourceInfo } from "../registry.ts";
import { apiVersionOf, schemaForKind } from "./catalog.ts";
import { walkObject } from "./walk.ts";

/** How strictly to decode. */
export interface DecodeOptions {
  /** fieldValidation=Strict: unknown fields are an error instead of warnings. */
  strict: boolean;
}

/** A decoded object and the warnings to send with the response. */
export interface DecodeResult {
  /**
   * The decoded object, with apiVersion, kind and metadata present. Decoding never
   * changes `raw`, but a well-formed body is not deep-copied (that would cost more
   * than decoding it), so the result may share nested values with `raw`: hand the
   * body over rather than keep using it.
   */
  object: KubeObject;
  /** `unknown field "spec.foo"` for each dropped field; sent as Warning headers. */
  warnings: string[];
}

// One compiled checker per kind, built on first use: compiling every kind up front
// would cost start-up time for kinds a process never decodes.
const checkers = new Map<TSchema, TypeCheck<TSchema>>();

function checkerFor(schema: TSchema): TypeCheck<TSchema> {
  let c = checkers.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    checkers.set(schema, c);
  }
  return c;
}

function cannotHandle(info: ResourceInfo, detail: string, causes?: StatusCause[]): BadRequestError {
  return new BadRequestError(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${detail}`, causes);
}

function checkTypeMeta(info: ResourceInfo, raw: Record<string, unknown>): void {
  const want = apiVersionOf(info);
  const { apiVersion, kind } = raw;
  if (typeof apiVersion === "string" && apiVersion !== "" && apiVersion !== want) {
    throw new BadRequestError(`the API version in the data (${apiVersion}) does not match the expected API version (${want})`);
  }
  if (typeof kind === "string" && kind !== "" && kind !== info.kind) {
    throw new BadRequestError(`the kind in the data (${kind}) does not match the expected kind (${info.kind})`);
  }
}

function finish(info: ResourceInfo, obj: Record<string, unknown>, warnings: string[]): DecodeResult {
  const object: KubeObject = { ...obj, apiVersion: apiVersionOf(info), kind: info.kind, metadata: (obj.metadata as KubeObject["metadata"] | undefined) ?? {} };
  return { object, warnings };
}

/**
 * Decode a parsed JSON body into an object of `info`'s kind.
 *
 * @throws BadRequestError for a non-object body, a mismatched apiVersion or kind, a
 *   value of the wrong JSON type (or an unparseable quantity, time or base64 string),
 *   and, when `opts.strict`, any unknown field.
 */
export function decodeObject(info: ResourceInfo, raw: unknown, opts: DecodeOptions): DecodeResult {
  const schema = schemaForKind(info);
  if (!schema) throw new BadRequestError(`no schema for ${apiVersionOf(info)}, Kind=${info.kind}`);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    const what = Array.isArray(raw) ? "array" : raw === null ? "null" : typeof raw === "boolean" ? "bool" : typeof raw;
    throw cannotHandle(info, `json: cannot unmarshal ${what} into Go value of type ${info.version}.${info.kind}`);
  }
  const body = raw as Record<string, unknown>;
  checkTypeMeta(info, body);
  if (checkerFor(schema).Check(body)) return finish(info, body, []);

  const walked = walkObject(schema, body);
  if (walked.typeIssues.length > 0) {
    const causes = walked.typeIssues.map((t) => ({ reason: "FieldValueTypeInvalid", message: t.message, field: t.field }));
    throw cannotHandle(info, walked.typeIssues[0]!.message, causes);
  }
  const unknown = walked.unknown.map((p) => `unknown field "${p}"`);
  if (opts.strict && unknown.length > 0) throw cannotHandle(info, `strict decoding error: ${unknown.join(", ")}`);
  return finish(info, walked.value as Record<string, unknown>, unknown);
}
