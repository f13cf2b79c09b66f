/**
 * Resource requests: one function per verb, each a thin translation between HTTP
 * (query parameters, bodies, status codes) and the transport-free ApiService.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { BadRequestError, MethodNotAllowedError, NotFoundError, groupVersion, resourceInfo, type ResourceInfo, cloneJson } from "@flotilla/api";
import type { ApiService, WriteOptions } from "../registry/service.ts";
import { deleteObject, type DeleteOptions } from "../registry/deletion.ts";
import { parsePatchType, patchedRaw, patchObject, type PatchOptions } from "../registry/patching.ts";
import { replicasFromScale, toScale } from "../registry/scale.ts";
import { bindPod } from "../registry/binding.ts";
import type { NodeProxy } from "../registry/node-proxy.ts";
import { handleLog } from "./pod-streams.ts";
import { decodeBody, negotiate, readBody } from "./negotiate.ts";
import type { ResourceRequest } from "./request-info.ts";
import { writeJson, writeObject } from "./respond.ts";
import { HttpWatchSink } from "./watch-stream.ts";
import { intParam } from "./query.ts";

/** Kubernetes' default request body limit. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface HandlerContext {
  svc: ApiService;
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  ri: ResourceRequest;
  /** Longest a watch stays open when the client sets no timeoutSeconds. */
  maxWatchSeconds: number;
  /** Reaches kubelets for logs and exec. */
  proxy: NodeProxy;
}

/** Kubernetes' default field manager: the User-Agent's product ("kubectl/v1.32 …" → "kubectl"). */
function defaultManager(userAgent: string | undefined): string {
  return (userAgent ?? "unknown").split("/")[0]!.slice(0, 128) || "unknown";
}

function writeOptions(q: URLSearchParams, userAgent?: string): WriteOptions {
  const dryRun = q.getAll("dryRun");
  for (const d of dryRun) if (d !== "All") throw new BadRequestError(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  const fv = q.get("fieldValidation") ?? "Warn";
  if (!["Strict", "Warn", "Ignore"].includes(fv)) throw new BadRequestError(`fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Warn", "Strict"`);
  const o: WriteOptions = { dryRun: dryRun.length > 0, strict: fv === "Strict" };
  const fm = q.get("fieldManager");
  if (fm !== null && fm.length > 128) throw new BadRequestError("fieldManager: Too long: may not be longer than 128 characters");
  o.fieldManager = fm ?? defaultManager(userAgent);
  return o;
}


function listOptions(q: URLSearchParams): Parameters<ApiService["list"]>[2] {
  const o: Parameters<ApiService["list"]>[2] = {};
  const ls = q.get("labelSelector");
  const fs = q.get("fieldSelector");
  const c = q.get("continue");
  const rv = q.get("resourceVersion");
  const limit = intParam(q, "limit");
  if (ls) o.labelSelector = ls;
  if (fs) o.fieldSelector = fs;
  if (c) o.continue = c;
  if (rv !== null) o.resourceVersion = rv;
  if (limit) o.limit = limit;
  return o;
}

/** Find the resource, check the subresource, and enforce namespace scoping. */
export function resolve(ri: ResourceRequest): ResourceInfo {
  const info = resourceInfo(ri.group, ri.resource);
  if (!info || info.version !== ri.version) throw new NotFoundError({ group: ri.group, resource: ri.resource, name: ri.name ?? "" });
  if (ri.subresource && !info.subresources.includes(ri.subresource as never)) {
    throw new NotFoundError({ group: ri.group, resource: `${ri.resource}/${ri.subresource}`, name: ri.name ?? "" });
  }
  if (info.namespaced && ri.namespace === undefined && ri.verb !== "list" && ri.verb !== "watch") {
    throw new NotFoundError({ group: ri.group, resource: ri.resource, name: ri.name ?? "" });
  }
  if (!info.namespaced && ri.namespace !== undefined) throw new NotFoundError({ group: ri.group, resource: ri.resource, name: ri.name ?? "" });
  return info;
}

async function body(ctx: HandlerContext): Promise<unknown> {
  const raw = await readBody(ctx.req, MAX_BODY_BYTES);
  if (raw.length === 0) throw new BadRequestError("the request body is empty");
  return decodeBody(ctx.req.headers["content-type"], raw);
}

async function handleWatch(ctx: HandlerContext, info: ResourceInfo): Promise<void> {
  const { svc, req, res, query, ri } = ctx;
  const format = negotiate(req.headers.accept, true);
  const timeoutSeconds = intParam(query, "timeoutSeconds") ?? Math.round(ctx.maxWatchSeconds * (1 + Math.random()));
  const opts = { ...listOptions(query), allowWatchBookmarks: query.get("allowWatchBookmarks") === "true" };
  if (ri.name) opts.fieldSelector = [opts.fieldSelector, `metadata.name=${ri.name}`].filter(Boolean).join(",");
  const sink = new HttpWatchSink(res, { resource: info.resource, kind: info.kind, apiVersion: groupVersion(info), format });
  // svc.watch validates selectors and resourceVersion (410) before anything is sent.
  const watch = await svc.watch(info, ri.namespace, opts, sink);
  sink.start();
  const timer = setTimeout(() => sink.close(), timeoutSeconds * 1000);
  const stop = () => {
    clearTimeout(timer);
    watch.stop();
  };
  sink.onClose = stop;
  res.on("close", () => {
    stop();
    sink.close();
  });
}

async function handleScale(ctx: HandlerContext, info: ResourceInfo): Promise<void> {
  const { svc, ri, res, query, req } = ctx;
  const name = ri.name!;
  if (ri.verb === "get") {
    writeJson(res, 200, toScale(await svc.get(info, ri.namespace, name)));
    return;
  }
  if (ri.verb !== "update" && ri.verb !== "patch") throw new MethodNotAllowedError(`${ri.verb} is not supported on ${info.resource}/scale`);
  const opts = writeOptions(query, req.headers["user-agent"]);
  const patchType = ri.verb === "patch" ? parsePatchType(req.headers["content-type"]) : undefined;
  const input = await body(ctx);
  const updated = await svc.guaranteedUpdate(
    info,
    ri.namespace,
    name,
    (current) => {
      const next = patchType ? patchedRaw(patchType, toScale(current), input, { group: "autoscaling", kind: "Scale" }) : input;
      const replicas = replicasFromScale(info, next);
      const out = cloneJson(current);
      (out["spec"] as Record<string, unknown>)["replicas"] = replicas;
      const m = out.metadata;
      if (m.generation !== undefined && replicas !== (current["spec"] as { replicas?: number }).replicas) m.generation++;
      return out;
    },
    { dryRun: opts.dryRun === true },
  );
  writeJson(res, 200, toScale(updated));
}

function deleteOptionsFrom(q: URLSearchParams, b: unknown): DeleteOptions {
  const o: DeleteOptions = {};
  const bodyOpts = (b ?? {}) as Record<string, unknown>;
  const policy = q.get("propagationPolicy") ?? (bodyOpts["propagationPolicy"] as string | undefined);
  if (policy) o.propagationPolicy = policy;
  const grace = intParam(q, "gracePeriodSeconds") ?? (bodyOpts["gracePeriodSeconds"] as number | undefined);
  if (grace !== undefined) o.gracePeriodSeconds = grace;
  if (bodyOpts["preconditions"]) o.preconditions = bodyOpts["preconditions"] as DeleteOptions["preconditions"] & object;
  if (bodyOpts["orphanDependents"] === true || q.get("orphanDependents") === "true") o.orphanDependents = true;
  const dry = q.getAll("dryRun").length > 0 || (Array.isArray(bodyOpts["dryRun"]) && bodyOpts["dryRun"].length > 0);
  if (dry) o.dryRun = true;
  return o;
}

async function handleDelete(ctx: HandlerContext, info: ResourceInfo): Promise<void> {
  const { svc, ri, res, query, req } = ctx;
  const raw = await readBody(req, MAX_BODY_BYTES);
  const opts = deleteOptionsFrom(query, raw.length > 0 ? decodeBody(req.headers["content-type"], raw) : undefined);
  const format = negotiate(req.headers.accept, false);
  if (ri.verb === "delete") {
    const r = await deleteObject(svc, info, ri.namespace, ri.name!, opts);
    writeObject(res, r.deleted ? 200 : 202, format, info.resource, r.object);
    return;
  }
  const list = await svc.list(info, ri.namespace, listOptions(query));
  for (const item of list.items) {
    try {
      await deleteObject(svc, info, item.metadata.namespace, item.metadata.name!, opts);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  writeObject(res, 200, format, info.resource, list);
}

export async function handleResource(ctx: HandlerContext): Promise<void> {
  const { svc, ri, req, res, query } = ctx;
  const info = resolve(ri);
  if (ri.subresource === "scale") return handleScale(ctx, info);
  if (ri.subresource === "log") return handleLog(ctx, info, ctx.proxy);
  if (ri.subresource === "exec") throw new BadRequestError("exec needs a WebSocket upgrade (Upgrade: websocket, subprotocol v5.channel.k8s.io)");
  if (ri.subresource === "binding") {
    if (ri.verb !== "create") throw new MethodNotAllowedError(`${ri.verb} is not supported on ${info.resource}/binding`);
    writeJson(res, 201, await bindPod(svc, info, ri.namespace, ri.name!, await body(ctx), writeOptions(query, req.headers["user-agent"])));
    return;
  }
  if (ri.subresource === "token") {
    if (ri.verb !== "create") throw new MethodNotAllowedError(`${ri.verb} is not supported on ${info.resource}/token`);
    writeObject(res, 201, negotiate(req.headers.accept, false), info.resource, await svc.createToken(ri.namespace, ri.name!, await body(ctx)));
    return;
  }
  if (ri.subresource === "finalize") {
    // namespaces/finalize: PUT only, and only spec.finalizers is taken from the body.
    if (info.resource !== "namespaces" || ri.verb !== "update") throw new MethodNotAllowedError(`${ri.verb} is not supported on ${info.resource}/finalize`);
    const r = await svc.update(info, undefined, ri.name!, await body(ctx), { ...writeOptions(query, req.headers["user-agent"]), subresource: "finalize" });
    writeObject(res, 200, negotiate(req.headers.accept, false), info.resource, r.object, r.warnings);
    return;
  }
  if (ri.subresource && ri.subresource !== "status") throw new MethodNotAllowedError(`${info.resource}/${ri.subresource} is not served yet`);
  const sub: "status" | undefined = ri.subresource === "status" ? "status" : undefined;
  switch (ri.verb) {
    case "get": {
      const format = negotiate(req.headers.accept, true);
      const rv = query.get("resourceVersion") ?? undefined;
      writeObject(res, 200, format, info.resource, await svc.get(info, ri.namespace, ri.name!, rv));
      return;
    }
    case "list": {
      const format = negotiate(req.headers.accept, true);
      writeObject(res, 200, format, info.resource, await svc.list(info, ri.namespace, listOptions(query)));
      return;
    }
    case "watch":
      return handleWatch(ctx, info);
    case "create": {
      const format = negotiate(req.headers.accept, false);
      const r = await svc.create(info, ri.namespace, await body(ctx), writeOptions(query, req.headers["user-agent"]));
      writeObject(res, 201, format, info.resource, r.object, r.warnings);
      return;
    }
    case "update": {
      const format = negotiate(req.headers.accept, false);
      const r = await svc.update(info, ri.namespace, ri.name!, await body(ctx), { ...writeOptions(query, req.headers["user-agent"]), ...(sub ? { subresource: sub } : {}) });
      writeObject(res, 200, format, info.resource, r.object, r.warnings);
      return;
    }
    case "patch": {
      const format = negotiate(req.headers.accept, false);
      const type = parsePatchType(req.headers["content-type"]);
      const opts: PatchOptions = { ...writeOptions(query, req.headers["user-agent"]), force: query.get("force") === "true" };
      if (sub) opts.subresource = sub;
      const r = await patchObject(svc, info, ri.namespace, ri.name!, type, await body(ctx), opts);
      writeObject(res, r.created ? 201 : 200, format, info.resource, r.object, r.warnings);
      return;
    }
    case "delete":
    case "deletecollection":
      return handleDelete(ctx, info);
  }
}
