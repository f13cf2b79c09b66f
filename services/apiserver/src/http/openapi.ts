/**
 * OpenAPI v3, generated from the same schemas that validate requests. Documents are
 * rendered once and served with a content hash in their URL, so kubectl caches them
 * until the schemas change. There is no v2: kubectl then relies on v3 (a 404 on v2 is
 * what it expects from a v3-only server).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { NotFoundError, openApiDocument, openApiGroupVersions } from "@flotilla/api";

interface Rendered {
  body: string;
  hash: string;
}

let cache: Map<string, Rendered> | undefined;

/** "api/v1" / "apis/apps/v1" → rendered document. */
function documents(): Map<string, Rendered> {
  if (cache) return cache;
  cache = new Map();
  for (const gv of openApiGroupVersions()) {
    const body = JSON.stringify(openApiDocument(gv));
    const path = gv.includes("/") ? `apis/${gv}` : `api/${gv}`;
    cache.set(path, { body, hash: createHash("sha512").update(body).digest("hex").slice(0, 64).toUpperCase() });
  }
  return cache;
}

export function openApiResponse(req: IncomingMessage, res: ServerResponse, path: string): void {
  const docs = documents();
  if (path === "/openapi/v3") {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [p, d] of docs) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` };
    const text = JSON.stringify({ paths });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
    return;
  }
  const doc = path.startsWith("/openapi/v3/") ? docs.get(path.slice("/openapi/v3/".length)) : undefined;
  if (!doc) throw new NotFoundError({ group: "", resource: "", name: path });
  const hashed = new URL(req.url ?? "/", "https://x").searchParams.get("hash") === doc.hash;
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(doc.body),
    etag: `"${doc.hash}"`,
    // A URL with the document's hash never changes meaning.
    "cache-control": hashed ? "public, immutable, max-age=31536000" : "no-cache, private",
  });
  res.end(doc.body);
}
