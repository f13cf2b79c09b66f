/**
 * Content negotiation as kubectl exercises it: Accept picks a Table, plain JSON or
 * YAML; request bodies arrive as JSON, YAML or (kubectl 1.32 typed commands) protobuf.
 */
import type { IncomingMessage } from "node:http";
import { parse as parseYaml } from "yaml";
import { ApiError, BadRequestError, StatusReason, TooLargeError, UnsupportedMediaTypeError } from "@flotilla/api";
import { decodeProtobufObject, isProtobufContentType } from "../protobuf/index.ts";

export type ResponseFormat = "json" | "yaml" | "table";

interface MediaType {
  type: string;
  params: Record<string, string>;
}

function parseAccept(accept: string): MediaType[] {
  return accept
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [type, ...ps] = entry.split(";").map((p) => p.trim());
      const params: Record<string, string> = {};
      for (const p of ps) {
        const i = p.indexOf("=");
        if (i > 0) params[p.slice(0, i).toLowerCase()] = p.slice(i + 1);
      }
      return { type: (type ?? "").toLowerCase(), params };
    });
}

/** The first acceptable format in the client's order; protobuf is skipped (we answer JSON). */
export function negotiate(accept: string | undefined, tableAllowed: boolean): ResponseFormat {
  if (!accept) return "json";
  for (const m of parseAccept(accept)) {
    if (m.params["as"] === "Table") {
      if (tableAllowed && m.params["g"] === "meta.k8s.io" && m.type === "application/json") return "table";
      continue;
    }
    if (m.params["as"]) continue; // PartialObjectMetadata and friends: fall through to full objects
    if (m.type === "application/json" || m.type === "application/*" || m.type === "*/*") return "json";
    if (m.type === "application/yaml") return "yaml";
  }
  throw new ApiError(StatusReason.NotAcceptable, 406, `only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io`);
}

/** Read a body up to a limit (Kubernetes' is 3 MiB). */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new TooLargeError(limitBytes);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function describeJsonError(err: unknown, body: string): string {
  const msg = err instanceof Error ? err.message : String(err);
  return `couldn't get version/kind; json parse error: ${msg}${body.length === 0 ? " (empty body)" : ""}`;
}

/** Decode a body by its content type into a plain JSON value. */
export function decodeBody(contentType: string | undefined, body: Buffer): unknown {
  const ct = (contentType ?? "application/json").split(";")[0]!.trim().toLowerCase();
  if (isProtobufContentType(ct)) return decodeProtobufObject(new Uint8Array(body));
  const text = body.toString("utf8");
  if (ct === "application/yaml" || ct === "application/apply-patch+yaml") {
    try {
      // YAML 1.2 core schema with unique keys: a duplicated key is an error, as in Kubernetes.
      return parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 });
    } catch (err) {
      throw new BadRequestError(`error converting YAML to JSON: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  if (ct === "application/json" || ct.endsWith("+json")) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new BadRequestError(describeJsonError(err, text));
    }
  }
  throw new UnsupportedMediaTypeError(ct);
}
