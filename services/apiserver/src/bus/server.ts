/**
 * The bus API: every apiserver replica subscribes in one queue group, so any of them
 * answers an actor's request. Watches stream to the watcher's inbox; heartbeats are
 * requests the watcher answers, so a watcher that went away is noticed ("no
 * responders") and its watch stopped, and a watcher whose apiserver died notices the
 * silence and resumes on another replica from its last resourceVersion.
 */
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { ApiError, BadRequestError, NotFoundError, StatusReason, RESOURCES, toApiError, type KubeObject, type ResourceInfo, type WatchEventType } from "@flotilla/api";
import { API_QUEUE_GROUP, decode, encode, type BusReply, type BusRequest, type BusWatchMessage } from "@flotilla/bus";
import type { Logger } from "@flotilla/log";
import type { ApiService } from "../registry/service.ts";
import { deleteObject } from "../registry/deletion.ts";
import { bindPod } from "../registry/binding.ts";
import { parsePatchType, patchObject } from "../registry/patching.ts";
import type { WatchSink } from "../storage/watch-cache.ts";
import { listReplyPacked, objectReplyPacked, watchMessagePacked, withoutManagedFields } from "../storage/encoded.ts";

export interface BusApiOptions {
  subjectPrefix: string;
  /** Requests handled at once; beyond this the reply is 429. @default 1024 */
  maxInFlight?: number;
  /** Watch heartbeat period when the watcher asks for none. @default 2000 */
  heartbeatMs?: number;
}

export interface BusApi {
  stop(): Promise<void>;
}

const byResource = new Map<string, ResourceInfo>(RESOURCES.map((r) => [r.resource, r]));

function resolveSubject(subject: string, prefixTokens: number): { verb: string; info: ResourceInfo } {
  const parts = subject.split(".");
  const verb = parts[prefixTokens + 1];
  const resource = parts[prefixTokens + 2];
  const info = resource ? byResource.get(resource) : undefined;
  if (!verb || !info || parts.length !== prefixTokens + 3) throw new NotFoundError({ group: "", resource: resource ?? "", name: subject });
  return { verb, info };
}

function reply(m: Msg, r: BusReply): void {
  if (m.reply) m.respond(encode(r));
}

/** The object as this request's client reads it: without managedFields when it asked so. */
function forClient(rq: BusRequest, object: KubeObject): KubeObject {
  return rq.omitManagedFields === true ? withoutManagedFields(object) : object;
}

/** The reply to a write: the object's msgpack bytes are shared with the watch events of the same write. */
function replyObject(m: Msg, rq: BusRequest, object: KubeObject, warnings?: string[]): void {
  if (m.reply) m.respond(objectReplyPacked(forClient(rq, object), warnings));
}

export async function startBusApi(nc: NatsConnection, svc: ApiService, log: Logger, opts: BusApiOptions): Promise<BusApi> {
  const maxInFlight = opts.maxInFlight ?? 1024;
  const prefixTokens = opts.subjectPrefix.split(".").length;
  const watches = new Set<() => void>();
  let inFlight = 0;

  async function handle(m: Msg): Promise<void> {
    const { verb, info } = resolveSubject(m.subject, prefixTokens);
    let rq: BusRequest;
    try {
      rq = decode<BusRequest>(m.data);
    } catch (err) {
      throw new BadRequestError(`the request is not valid msgpack: ${(err as Error).message}`);
    }
    if (rq === null || typeof rq !== "object") throw new BadRequestError("the request must be a msgpack map");
    const ns = info.namespaced ? rq.namespace : undefined;
    const write = { dryRun: rq.dryRun === true, strict: true, ...(rq.fieldManager ? { fieldManager: rq.fieldManager } : {}) };
    const finalize = verb === "update" && rq.subresource === "finalize" && info.resource === "namespaces";
    const createSub = verb === "create" && (rq.subresource === "binding" || (rq.subresource === "token" && info.resource === "serviceaccounts"));
    if (rq.subresource !== undefined && rq.subresource !== "status" && !createSub && !finalize) {
      throw new BadRequestError(`subresource ${String(rq.subresource)} is not supported for ${verb}`);
    }
    const sub = rq.subresource === "status" ? { subresource: "status" as const } : finalize ? { subresource: "finalize" as const } : {};
    switch (verb) {
      case "get":
        return replyObject(m, rq, await svc.get(info, ns, need(rq.name, "name"), rq.resourceVersion));
      case "list":
        // A reply must fit the connection's max_payload: pages are capped by size, and
        // the client follows `continue` (ApiClient.list does) for the rest.
        if (m.reply) {
          const list = await svc.list(info, ns, { ...rq, maxBytes: Math.floor((nc.info?.max_payload ?? 1 << 20) * 0.75) });
          m.respond(listReplyPacked({ ...list, items: list.items.map((o) => forClient(rq, o)) }));
        }
        return;
      case "create": {
        if (rq.subresource === "binding") return reply(m, { object: (await bindPod(svc, info, ns, need(rq.name, "name"), rq.body, write)) as unknown as KubeObject });
        if (rq.subresource === "token") return reply(m, { object: await svc.createToken(ns, need(rq.name, "name"), rq.body) });
        const r = await svc.create(info, ns, rq.body, write);
        return replyObject(m, rq, r.object, r.warnings);
      }
      case "update": {
        const r = await svc.update(info, ns, need(rq.name, "name"), rq.body, { ...write, ...sub });
        return replyObject(m, rq, r.object, r.warnings);
      }
      case "patch": {
        const r = await patchObject(svc, info, ns, need(rq.name, "name"), parsePatchType(rq.patchType), rq.body, { ...write, force: rq.force === true, ...(rq.subresource === "status" ? { subresource: "status" as const } : {}) });
        return replyObject(m, rq, r.object, r.warnings);
      }
      case "delete": {
        const r = await deleteObject(svc, info, ns, need(rq.name, "name"), rq);
        return replyObject(m, rq, r.object);
      }
      case "watch":
        return startWatch(m, info, ns, rq);
      default:
        throw new NotFoundError({ group: "", resource: info.resource, name: verb });
    }
  }

  async function startWatch(m: Msg, info: ResourceInfo, ns: string | undefined, rq: BusRequest): Promise<void> {
    const inbox = need(rq.inbox, "inbox");
    const heartbeatMs = Math.min(Math.max(rq.heartbeatMs ?? opts.heartbeatMs ?? 2000, 200), 60_000);
    let stopped = false;
    let lastRv = "";
    const send = (msg: BusWatchMessage) => {
      if (!stopped) nc.publish(inbox, encode(msg));
    };
    const sink: WatchSink = {
      event: (type: WatchEventType, object: KubeObject) => {
        lastRv = object.metadata.resourceVersion ?? lastRv;
        if (!stopped) nc.publish(inbox, watchMessagePacked(type, forClient(rq, object)));
      },
      bookmark: (rev) => send({ type: "BOOKMARK", resourceVersion: String(rev) }),
      close: (reason) => {
        send({ type: "ERROR", status: toApiError(reason ?? new ApiError(StatusReason.Gone, 410, "watch closed by the server")).toStatus() });
        stop();
      },
    };
    // Events delivered while the watch starts are queued behind the ack, so the
    // watcher sees the ack first and never an event of a watch it thinks failed.
    const early: BusWatchMessage[] = [];
    let acked = false;
    const gate: WatchSink = { ...sink, event: (t, o) => (acked ? sink.event(t, o) : early.push({ type: t, object: o })) };
    const w = await svc.watch(info, ns, { ...rq, allowWatchBookmarks: true }, gate);
    reply(m, { object: { apiVersion: "v1", kind: "Status", metadata: {} } });
    acked = true;
    for (const e of early) sink.event(e.type as WatchEventType, e.object!);
    const timer = setInterval(() => {
      nc.request(inbox, encode({ type: "HEARTBEAT", resourceVersion: String(Math.max(Number(lastRv) || 0, svc.cache.revision)) } satisfies BusWatchMessage), { timeout: heartbeatMs * 3 }).catch(() => stop());
    }, heartbeatMs);
    function stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      w.stop();
      watches.delete(stop);
    }
    watches.add(stop);
  }

  const sub: Subscription = nc.subscribe(`${opts.subjectPrefix}.api.>`, {
    queue: API_QUEUE_GROUP,
    callback: (err, m) => {
      if (err) {
        log.error({ err }, "bus subscription failed");
        return;
      }
      if (inFlight >= maxInFlight) {
        reply(m, { status: new ApiError(StatusReason.TooManyRequests, 429, "too many requests in flight; retry", { retryAfterSeconds: 1 }).toStatus() });
        return;
      }
      inFlight++;
      handle(m)
        .catch((e: unknown) => {
          const ae = toApiError(e);
          if (ae.code >= 500) log.error({ err: e, subject: m.subject }, "bus request failed");
          reply(m, { status: ae.toStatus() });
        })
        .finally(() => inFlight--);
    },
  });
  log.info({ subject: `${opts.subjectPrefix}.api.>`, queue: API_QUEUE_GROUP }, "bus api serving");
  return {
    async stop() {
      for (const s of [...watches]) s();
      await sub.drain();
    },
  };
}

function need<T>(v: T | undefined, field: string): T {
  if (v === undefined || v === null || v === "") throw new BadRequestError(`${field}: Required value`);
  return v;
}

