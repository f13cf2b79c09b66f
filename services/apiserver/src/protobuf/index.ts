/**
 * Decoding of `application/vnd.kubernetes.protobuf` request bodies (kubectl 1.32+
 * typed commands) into the same JSON-shaped objects a JSON body would give.
 */
export { decodeProtobuf, decodeProtobufObject, isProtobufContentType, unknownFieldWarnings, PROTOBUF_CONTENT_TYPE } from "./decode.ts";
export type { DecodedProtobuf } from "./decode.ts";
export type { UnknownField } from "./wire.ts";
export { decodableKinds } from "./kinds.ts";
