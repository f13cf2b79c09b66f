/**
 * DELETE as Kubernetes does it: preconditions, finalizers (an object with finalizers
 * only gets a deletionTimestamp until they are removed), propagation policies (the
 * garbage collector acts on the `orphan` / `foregroundDeletion` finalizers), graceful
 * pod termination (a pod on a node is marked and its kubelet finishes the deletion).
 */
import { BadRequestError, ConflictError, NotFoundError, type KubeObject, type ResourceInfo, cloneJson } from "@flotilla/api";
import { MAX_UPDATE_ATTEMPTS, type ApiService } from "./service.ts";
import { atRevision } from "../storage/encoded.ts";
import { mapStoreError } from "./store-errors.ts";
import { nowTimestamp } from "./strategy.ts";

export interface DeleteOptions {
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  /** Deprecated form of propagationPolicy=Orphan, still sent by old clients. */
  orphanDependents?: boolean;
}

export interface DeleteResult {
  object: KubeObject;
  /** true when the object is gone; false when it is only marked for deletion. */
  deleted: boolean;
}

const POLICIES = ["Background", "Foreground", "Orphan"];

function checkPreconditions(info: ResourceInfo, obj: KubeObject, p: DeleteOptions["preconditions"]): void {
  const name = obj.metadata.name!;
  if (p?.uid && p.uid !== obj.metadata.uid) {
    throw new ConflictError({ group: info.group, resource: info.resource, name }, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${obj.metadata.uid}`);
  }
  if (p?.resourceVersion && p.resourceVersion !== obj.metadata.resourceVersion) {
    throw new ConflictError({ group: info.group, resource: info.resource, name }, `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in meta: ${obj.metadata.resourceVersion}`);
  }
}

/** Pods bound to a node that has not finished them are deleted gracefully by their kubelet. */
function podGraceSeconds(obj: KubeObject, requested: number | undefined): number {
  const spec = obj["spec"] as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
  const phase = (obj["status"] as { phase?: string } | undefined)?.phase;
  if (!spec?.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
  return requested ?? spec.terminationGracePeriodSeconds ?? 30;
}

/** The marked object, or undefined when it can be removed right away. */
function markForDeletion(info: ResourceInfo, obj: KubeObject, opts: DeleteOptions, now: Date): KubeObject | undefined {
  const m = obj.metadata;
  const finalizers = new Set(m.finalizers ?? []);
  const policy = opts.propagationPolicy ?? (opts.orphanDependents ? "Orphan" : undefined);
  if (policy === "Orphan") finalizers.add("orphan");
  if (policy === "Foreground") finalizers.add("foregroundDeletion");
  const grace = info.resource === "pods" ? podGraceSeconds(obj, opts.gracePeriodSeconds) : 0;
  const nsFinalizers = info.resource === "namespaces" ? ((obj["spec"] as { finalizers?: string[] } | undefined)?.finalizers ?? []) : [];
  if (finalizers.size === 0 && grace === 0 && nsFinalizers.length === 0) return undefined;
  if (m.deletionTimestamp) {
    // Already terminating: a shorter grace period may still speed it up.
    if (grace > 0 && m.deletionGracePeriodSeconds !== undefined && grace < m.deletionGracePeriodSeconds) {
      m.deletionGracePeriodSeconds = grace;
      return obj;
    }
    if (finalizers.size === (m.finalizers?.length ?? 0)) return obj;
  } else {
    m.deletionTimestamp = nowTimestamp(new Date(now.getTime() + grace * 1000));
    m.deletionGracePeriodSeconds = grace;
    if (m.generation !== undefined) m.generation++;
  }
  if (finalizers.size > 0) m.finalizers = [...finalizers];
  if (info.resource === "namespaces") obj["status"] = { ...(obj["status"] as object), phase: "Terminating" };
  return obj;
}

export async function deleteObject(svc: ApiService, info: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions): Promise<DeleteResult> {
  if (opts.propagationPolicy !== undefined && !POLICIES.includes(opts.propagationPolicy)) {
    throw new BadRequestError(`propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Background", "Foreground", "Orphan"`);
  }
  if (opts.gracePeriodSeconds !== undefined && (!Number.isInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)) {
    throw new BadRequestError("gracePeriodSeconds: must be a non-negative integer");
  }
  const key = svc.key(info, namespace, name);
  const ref = svc.ref(info, name);
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const current = await svc.get(info, namespace, name);
    checkPreconditions(info, current, opts.preconditions);
    const revision = Number(current.metadata.resourceVersion);
    const marked = markForDeletion(info, cloneJson(current), opts, new Date());
    if (opts.dryRun) return { object: marked ?? current, deleted: marked === undefined };
    try {
      if (marked === undefined) {
        const rev = await svc.store.delete(key, revision);
        current.metadata.resourceVersion = String(rev);
        await svc.afterWrite(info, current, undefined);
        return { object: current, deleted: true };
      }
      if (marked.metadata.resourceVersion === current.metadata.resourceVersion && JSON.stringify(marked) === JSON.stringify(current)) {
        return { object: current, deleted: false };
      }
      delete marked.metadata.resourceVersion;
      const rev = await svc.store.update(key, marked, revision);
      return { object: atRevision(marked, rev), deleted: false };
    } catch (err) {
      const mapped = mapStoreError(err, ref);
      if (mapped instanceof NotFoundError) throw mapped;
      if (!(mapped instanceof ConflictError)) throw mapped;
    }
  }
  throw new ConflictError(ref, "too many concurrent writers; please retry");
}
