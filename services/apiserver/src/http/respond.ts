/** Writing responses: objects in the negotiated format, Status errors, warnings. */
import type { ServerResponse } from "node:http";
import { stringify as toYaml } from "yaml";
import { toApiError, type KubeObject, type KubeList } from "@flotilla/api";
import { buildTable } from "../tables/index.ts";
import type { ResponseFormat } from "./negotiate.ts";
import { objectJson } from "../storage/encoded.ts";

export function writeJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function writeError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = toApiError(err).toStatus();
  writeJson(res, status.code, status, status.details?.retryAfterSeconds ? { "retry-after": String(status.details.retryAfterSeconds) } : {});
}

/** `Warning: 299 - "text"` headers, as Kubernetes sends for dropped unknown fields. */
export function warningHeaders(warnings: readonly string[]): Record<string, string[]> {
  if (warnings.length === 0) return {};
  return { warning: warnings.slice(0, 50).map((w) => `299 - ${JSON.stringify(w)}`) };
}

// Chunks of about this size go to the socket: few syscalls, and no 40 MB string.
const LIST_CHUNK_CHARS = 256 * 1024;

/**
 * A list as JSON, built from each item's cached JSON and written in chunks: a 10,000
 * pod list never becomes one string, and items already serialized for watchers or
 * earlier lists cost nothing.
 */
function writeJsonList(res: ServerResponse, code: number, list: KubeList): void {
  const { items, ...head } = list;
  res.writeHead(code, { "content-type": "application/json" });
  let chunk = JSON.stringify(head).slice(0, -1) + ',"items":[';
  for (let i = 0; i < items.length; i++) {
    chunk += (i === 0 ? "" : ",") + objectJson(items[i]!);
    if (chunk.length >= LIST_CHUNK_CHARS) {
      res.write(chunk);
      chunk = "";
    }
  }
  res.end(chunk + "]}");
}

export function writeObject(res: ServerResponse, code: number, format: ResponseFormat, resource: string, body: KubeObject | KubeList, warnings: readonly string[] = []): void {
  for (const [k, v] of Object.entries(warningHeaders(warnings))) res.setHeader(k, v);
  if (format === "yaml") {
    const text = toYaml(body);
    res.writeHead(code, { "content-type": "application/yaml", "content-length": Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  if (format === "table") {
    const list = "items" in body && Array.isArray(body.items) ? (body as KubeList) : undefined;
    const table = buildTable({
      resource,
      objects: list ? list.items : [body as KubeObject],
      now: new Date(),
      resourceVersion: list?.metadata.resourceVersion ?? (body as KubeObject).metadata.resourceVersion ?? "",
      ...(list?.metadata.continue ? { continue: list.metadata.continue } : {}),
      includeObject: "Metadata",
    });
    writeJson(res, code, table);
    return;
  }
  if ("items" in body && Array.isArray(body.items)) writeJsonList(res, code, body as KubeList);
  else writeJson(res, code, body);
}
