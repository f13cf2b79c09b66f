/**
 * What the server owns in every object, per Kubernetes' registry strategies: identity
 * and timestamps on create, generation on spec change, and the split between the main
 * resource (spec) and the status subresource (status).
 */
import { randomUUID, randomInt } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { BadRequestError, type KubeObject, type ResourceInfo, cloneJson, generateJobSelector, rfc3339 } from "@flotilla/api";

// Every write stamps one or two timestamps; the string changes once a second.
let stampSecond = NaN;
let stamp = "";

/** Kubernetes timestamps are RFC 3339 with second precision. */
export function nowTimestamp(now = new Date()): string {
  const second = Math.floor(now.getTime() / 1000);
  if (second !== stampSecond) {
    stamp = rfc3339(second * 1000);
    stampSecond = second;
  }
  return stamp;
}

// Kubernetes' generateName alphabet: no vowels (no accidental words) and no
// look-alike characters.
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function generateNameSuffix(length = 5): string {
  let s = "";
  for (let i = 0; i < length; i++) s += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return s;
}

function hasStatusSubresource(info: ResourceInfo): boolean {
  return info.subresources.includes("status");
}

/** Fields other than metadata and status: a change there is a new generation. */
function specOf(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

function tracksGeneration(obj: KubeObject): boolean {
  return "spec" in obj || "template" in obj;
}

/** The status a new object starts with (clients cannot create an object "already running"). */
function initialStatus(info: ResourceInfo, obj: KubeObject): unknown {
  switch (info.resource) {
    case "pods":
      return { phase: "Pending", qosClass: qosClass(obj) };
    case "namespaces":
      return { phase: "Active" };
    case "services":
      return { loadBalancer: {} };
    case "deployments":
    case "replicasets":
    case "daemonsets":
    case "jobs":
      return {};
    default:
      return obj["status"];
  }
}

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };

/** Pod QoS class from its containers' requests and limits. */
export function qosClass(pod: KubeObject): "Guaranteed" | "Burstable" | "BestEffort" {
  const spec = pod["spec"] as { containers?: { resources?: Resources }[]; initContainers?: { resources?: Resources }[] } | undefined;
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/**
 * Fill server-owned fields of a new object. `namespace` is the request's namespace
 * (undefined for cluster-scoped resources). Mutates and returns `obj`.
 */
export function prepareForCreate(info: ResourceInfo, obj: KubeObject, namespace: string | undefined, now: Date): KubeObject {
  const m = obj.metadata;
  if (info.namespaced) {
    if (m.namespace !== undefined && m.namespace !== "" && m.namespace !== namespace) {
      throw new BadRequestError("the namespace of the provided object does not match the namespace sent on the request");
    }
    m.namespace = namespace!;
  } else {
    delete m.namespace;
  }
  if (!m.name && m.generateName) m.name = m.generateName + generateNameSuffix();
  m.uid = randomUUID();
  // A Job's selector and pod labels come from its uid, as in Kubernetes (unless manualSelector).
  if (info.group === "batch" && info.kind === "Job") generateJobSelector(obj, m.uid);
  m.creationTimestamp = nowTimestamp(now);
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  if (tracksGeneration(obj)) m.generation = 1;
  else delete m.generation;
  if (hasStatusSubresource(info)) {
    const status = initialStatus(info, obj);
    if (status === undefined) delete obj["status"];
    else obj["status"] = status;
  }
  obj.apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  obj.kind = info.kind;
  return obj;
}

/**
 * Carry over what an update may not change, and bump generation on a spec change.
 * `subresource` "status" takes only the status from `next`; the main resource takes
 * everything but the status (for kinds that have a status subresource).
 *
 * The result may share nested values with `old` (and with `next`): `old` is never
 * changed, and the result must not be changed below its top level and metadata.
 */
export function prepareForUpdate(info: ResourceInfo, old: KubeObject, next: KubeObject, subresource?: "status" | "finalize"): KubeObject {
  let out: KubeObject;
  if (subresource === "finalize") {
    out = cloneJson(old);
    out["spec"] = { ...(old["spec"] as object), finalizers: (next["spec"] as { finalizers?: string[] } | undefined)?.finalizers ?? [] };
  } else if (subresource === "status") {
    // Everything but status comes from `old` unchanged, so it is shared rather than
    // copied: only the top level and metadata are written below. The copy cost 56 µs of
    // CPU per pod status patch, and sharing lets the managedFields diff skip the unchanged
    // spec by reference (recordUpdate 279 → 186 µs; bench/write-path.bench.ts, 2026-11-22).
    out = { ...old, status: next["status"] };
    // Labels and annotations may be written along with status (kubelets do); identity may not.
    out.metadata = { ...old.metadata, labels: next.metadata.labels ?? old.metadata.labels, annotations: next.metadata.annotations ?? old.metadata.annotations };
    if (out.metadata.labels === undefined) delete out.metadata.labels;
    if (out.metadata.annotations === undefined) delete out.metadata.annotations;
  } else {
    out = next;
    if (hasStatusSubresource(info)) {
      if (old["status"] === undefined) delete out["status"];
      else out["status"] = old["status"];
    }
    // A namespace's finalizers change only through namespaces/finalize, as in Kubernetes.
    if (info.resource === "namespaces") out["spec"] = { ...(out["spec"] as object), finalizers: (old["spec"] as { finalizers?: string[] } | undefined)?.finalizers ?? [] };
  }
  const m = out.metadata;
  const o = old.metadata;
  m.name = o.name!;
  if (o.namespace !== undefined) m.namespace = o.namespace;
  m.uid = o.uid!;
  m.creationTimestamp = o.creationTimestamp!;
  if (o.generateName !== undefined) m.generateName = o.generateName;
  // Deletion is requested with DELETE, never by writing the field.
  if (o.deletionTimestamp !== undefined) m.deletionTimestamp = o.deletionTimestamp;
  else delete m.deletionTimestamp;
  if (o.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  else delete m.deletionGracePeriodSeconds;
  if (o.generation !== undefined) {
    m.generation = isDeepStrictEqual(specOf(old), specOf(out)) ? o.generation : o.generation + 1;
  }
  delete m.resourceVersion;
  out.apiVersion = old.apiVersion ?? out.apiVersion;
  out.kind = old.kind ?? out.kind;
  return out;
}

/** Whether an update changes nothing but resourceVersion (such writes are skipped). */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, managedFields: undefined } });
  return isDeepStrictEqual(strip(a), strip(b));
}
