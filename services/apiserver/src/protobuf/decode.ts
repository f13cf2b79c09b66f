/**
 * Request bodies in `application/vnd.kubernetes.protobuf`, as kubectl 1.32+ sends for
 * its typed commands (`create namespace|configmap|secret|deployment|service|job|…`,
 * `create token`, `debug`, `auth can-i`). The body is the magic `k8s\0` followed by a
 * runtime.Unknown {1: TypeMeta {1 apiVersion, 2 kind}, 2: raw, 3: contentEncoding,
 * 4: contentType} whose raw bytes are the object's own protobuf message.
 */
import { ApiError, BadRequestError, UnsupportedMediaTypeError } from "@flotilla/api";
import type { KubeObject } from "@flotilla/api";
import { decodeMessage } from "./decoder.ts";
import { SCHEMA, messageForKind } from "./kinds.ts";
import { forEachField, readBytes, readString } from "./wire.ts";
import type { DecodeContext, UnknownField } from "./wire.ts";

/** The protobuf media type Kubernetes uses. */
export const PROTOBUF_CONTENT_TYPE = "application/vnd.kubernetes.protobuf";

const MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** What one protobuf body decodes to. */
export interface DecodedProtobuf {
  /** The object exactly as the same object sent as JSON would parse. */
  object: KubeObject;
  /** Fields the decoder does not know and skipped (empty when everything was understood). */
  unknownFields: UnknownField[];
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/**
 * True when a Content-Type header names Kubernetes protobuf (parameters and case
 * ignored). The watch stream type `;stream=watch` is not a request body, so it is
 * not accepted here.
 */
export function isProtobufContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [mediaType, ...params] = contentType.split(";").map((p) => p.trim().toLowerCase());
  if (mediaType !== PROTOBUF_CONTENT_TYPE) return false;
  return !params.some((p) => p.replace(/\s+/g, "") === "stream=watch");
}

function parseTypeMeta(bytes: Uint8Array, ctx: DecodeContext): { apiVersion: string; kind: string } {
  const tm = { apiVersion: "", kind: "" };
  forEachField(bytes, "<typeMeta>", ctx, (r, field, wt) => {
    if (field === 1) tm.apiVersion = readString(r, wt, "typeMeta.apiVersion");
    else if (field === 2) tm.kind = readString(r, wt, "typeMeta.kind");
    else return false;
    return true;
  });
  return tm;
}

function parseEnvelope(body: Uint8Array, ctx: DecodeContext): Envelope {
  if (body.length < MAGIC.length || MAGIC.some((b, i) => body[i] !== b)) {
    throw new BadRequestError("protobuf body does not start with the Kubernetes magic prefix k8s\\0");
  }
  const env: Envelope = { apiVersion: "", kind: "", raw: new Uint8Array(0), contentEncoding: "", contentType: "" };
  forEachField(body.subarray(MAGIC.length), "<envelope>", ctx, (r, field, wt) => {
    if (field === 1) Object.assign(env, parseTypeMeta(readBytes(r, wt, "envelope.typeMeta"), ctx));
    else if (field === 2) env.raw = readBytes(r, wt, "envelope.raw");
    else if (field === 3) env.contentEncoding = readString(r, wt, "envelope.contentEncoding");
    else if (field === 4) env.contentType = readString(r, wt, "envelope.contentType");
    else return false;
    return true;
  });
  return env;
}

/** The envelope may say its raw bytes are JSON; honour that rather than misread them. */
function decodeRawJson(env: Envelope): KubeObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(env.raw));
  } catch {
    throw new BadRequestError("protobuf envelope says its payload is JSON, but it does not parse");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new BadRequestError("protobuf envelope's JSON payload is not an object");
  return { kind: env.kind, apiVersion: env.apiVersion, metadata: {}, ...(parsed as Record<string, unknown>) };
}

function decodeEnvelope(env: Envelope, ctx: DecodeContext): KubeObject {
  if (env.contentEncoding !== "") throw new BadRequestError(`protobuf envelope content encoding "${env.contentEncoding}" is not supported`);
  if (!env.apiVersion || !env.kind) throw new BadRequestError("protobuf envelope has no apiVersion or kind");
  const payloadType = env.contentType.split(";")[0]!.trim().toLowerCase();
  if (payloadType === "application/json") return decodeRawJson(env);
  if (payloadType !== "" && payloadType !== PROTOBUF_CONTENT_TYPE) throw new BadRequestError(`protobuf envelope payload type "${env.contentType}" is not supported`);
  const message = messageForKind(env.apiVersion, env.kind);
  // Decoding only the metadata of an unknown kind would silently drop its spec, so refuse.
  if (!message) throw new UnsupportedMediaTypeError(`${PROTOBUF_CONTENT_TYPE} (for ${env.apiVersion}, Kind=${env.kind}; send application/json)`);
  const fields = decodeMessage(SCHEMA, env.raw, message, "", ctx);
  return { kind: env.kind, apiVersion: env.apiVersion, metadata: {}, ...fields };
}

/**
 * protobufjs reports bad input with RangeError (truncation) and plain Errors (bad
 * varints, wire types inside skipped groups, groups nested too deep). Anything else
 * is a bug and must surface as one.
 */
function isReaderError(err: unknown): err is Error {
  if (err instanceof RangeError) return true;
  return err instanceof Error && !(err instanceof ApiError) && /^(invalid (wire type|varint encoding|tag encoding|length encoding|end group tag)|index out of range|max depth exceeded|illegal tag)/.test(err.message);
}

/**
 * Decode a protobuf request body, reporting the fields that were skipped.
 * @throws BadRequestError for bytes that are not a well-formed Kubernetes protobuf body
 * @throws UnsupportedMediaTypeError for a kind the decoder has no schema for
 */
export function decodeProtobuf(body: Uint8Array): DecodedProtobuf {
  const ctx: DecodeContext = { unknown: [] };
  try {
    const object = decodeEnvelope(parseEnvelope(body, ctx), ctx);
    return { object, unknownFields: ctx.unknown };
  } catch (err) {
    if (isReaderError(err)) throw new BadRequestError(`malformed protobuf body: ${err.message}`);
    throw err;
  }
}

/**
 * Decode a protobuf request body into the JSON-shaped object, ignoring (but not
 * failing on) unknown fields. Use decodeProtobuf to also get the skipped fields.
 * @throws BadRequestError, UnsupportedMediaTypeError as decodeProtobuf
 */
export function decodeProtobufObject(body: Uint8Array): KubeObject {
  return decodeProtobuf(body).object;
}

/** One warning line per skipped field, in the style of Kubernetes' unknown-field warnings. */
export function unknownFieldWarnings(unknown: readonly UnknownField[]): string[] {
  return unknown.map((u) => `unknown protobuf field ${u.field} (wire type ${u.wireType}) in ${u.path || "the object"} was ignored`);
}
