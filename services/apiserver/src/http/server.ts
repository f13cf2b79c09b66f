/**
 * The apiserver's HTTPS front: authentication, the Kubernetes URL space, and every
 * failure as a `Status`. Nothing a client sends may take the process down: each
 * request's errors end in a Status reply.
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { NotFoundError, UnauthorizedError, toApiError } from "@flotilla/api";
import type { Logger } from "@flotilla/log";
import type { ApiService } from "../registry/service.ts";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from "./discovery.ts";
import type { Duplex } from "node:stream";
import { handleResource, resolve } from "./handlers.ts";
import { ExecUpgrader, refuseUpgrade } from "./pod-streams.ts";
import type { NodeProxy } from "../registry/node-proxy.ts";
import type { Authenticator } from "../auth/authenticator.ts";
import { AUTHENTICATION_GROUP, handleAuthenticationReview } from "./authn-reviews.ts";
import { openApiResponse } from "./openapi.ts";
import { parseRequestInfo } from "./request-info.ts";
import { writeError, writeJson } from "./respond.ts";

export interface HttpServerOptions {
  certPem: string;
  keyPem: string;
  /** Who a bearer token stands for: the admin token or a service-account token. */
  authenticator: Authenticator;
  /** Reaches kubelets for logs and exec. */
  proxy: NodeProxy;
  flotillaVersion: string;
  /** Longest a watch stays open without timeoutSeconds (jittered ×1–2). @default 1800 */
  maxWatchSeconds?: number;
}

const PUBLIC_PATHS = new Set(["/healthz", "/livez", "/readyz"]);

/** Ready while the watch cache follows the store; alive as long as the process answers. */
function health(svc: ApiService, path: string): { code: number; text: string } {
  if (path !== "/livez" && !svc.cache.following) return { code: 503, text: "the watch cache lost the store and is resuming; its reads may be stale" };
  return { code: 200, text: "ok" };
}

export function createHttpServer(svc: ApiService, log: Logger, opts: HttpServerOptions): Server {
  const maxWatchSeconds = opts.maxWatchSeconds ?? 1800;
  const server = createServer({ cert: opts.certPem, key: opts.keyPem }, (req, res) => {
    const started = performance.now();
    serve(req, res).catch((err: unknown) => {
      const e = toApiError(err);
      if (e.code >= 500) log.error({ err, method: req.method, url: req.url }, "request failed");
      writeError(res, e);
    }).finally(() => {
      log.debug({ method: req.method, url: req.url, code: res.statusCode, ms: Math.round(performance.now() - started) }, "request");
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://localhost");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    if (PUBLIC_PATHS.has(path)) {
      const h = health(svc, path);
      res.writeHead(h.code, { "content-type": "text/plain" }).end(h.text);
      return;
    }
    const user = await opts.authenticator.authenticate(req.headers.authorization);
    if (user === undefined) throw new UnauthorizedError();
    const ri = parseRequestInfo(req.method ?? "GET", path, url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1");
    if (ri.kind === "resource" && ri.group === AUTHENTICATION_GROUP) return handleAuthenticationReview(req, res, ri, user, opts.authenticator);
    if (ri.kind === "resource") return handleResource({ svc, req, res, query: url.searchParams, ri, maxWatchSeconds, proxy: opts.proxy });
    return serveOther(req, res, path);
  }

  function serveOther(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (path === "/version") return writeJson(res, 200, versionInfo(opts.flotillaVersion));
    if (path === "/api") return writeJson(res, 200, apiVersions(`${req.socket.localAddress ?? "127.0.0.1"}:${req.socket.localPort ?? 0}`));
    if (path === "/apis") return writeJson(res, 200, apiGroupList());
    if (path.startsWith("/openapi/")) return openApiResponse(req, res, path);
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)(?:\/([^/]+))?)$/.exec(path);
    if (m) {
      const body = m[1] ? apiResourceList("v1") : m[3] ? apiResourceList(`${m[2]}/${m[3]}`) : apiGroup(m[2]!);
      if (body) return writeJson(res, 200, body);
    }
    throw new NotFoundError({ group: "", resource: "", name: path });
  }

  const exec = new ExecUpgrader(opts.proxy);
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "https://localhost");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const run = async () => {
      if ((await opts.authenticator.authenticate(req.headers.authorization)) === undefined) throw new UnauthorizedError();
      const ri = parseRequestInfo(req.method ?? "GET", path, false);
      if (ri.kind !== "resource" || ri.subresource !== "exec" || !ri.name) throw new NotFoundError({ group: "", resource: "", name: path });
      const info = resolve(ri);
      await exec.upgrade(svc, info, ri.namespace ?? "default", ri.name, url.searchParams, req, socket, head);
    };
    run().catch((err: unknown) => {
      // exec.upgrade only throws before the upgrade; afterwards errors go out on channel 3.
      if (socket.writable) refuseUpgrade(socket, err);
      log.debug({ err: (err as Error).message, url: req.url }, "upgrade refused");
    });
  });

  server.on("clientError", (err, socket) => {
    log.debug({ err }, "client error");
    socket.destroy();
  });
  return server;
}
