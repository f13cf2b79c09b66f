/**
 * Label and field selectors with Kubernetes' syntax. Parsed once per request, then
 * matched against every candidate object from the watch cache, so matching is a tight
 * loop over pre-parsed requirements.
 */
import { BadRequestError, isLabelValue, isQualifiedName, type KubeObject } from "@flotilla/api";

export type LabelOp = "=" | "!=" | "in" | "notin" | "exists" | "!";

export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: readonly string[];
}

export type LabelSelector = readonly LabelRequirement[];


/** Split on commas that are not inside parentheses: `a in (x,y),b` → [`a in (x,y)`, `b`]. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function checkKey(key: string, raw: string): string {
  if (isQualifiedName(key).length > 0) throw new BadRequestError(`unable to parse requirement: invalid label key "${key}" in selector "${raw}"`);
  return key;
}

function checkValue(value: string, raw: string): string {
  if (isLabelValue(value).length > 0) throw new BadRequestError(`unable to parse requirement: invalid label value "${value}" in selector "${raw}"`);
  return value;
}

function parseRequirement(part: string, raw: string): LabelRequirement {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (set) {
    const values = set[3]!.split(",").map((v) => checkValue(v.trim(), raw));
    return { key: checkKey(set[1]!, raw), op: set[2] as "in" | "notin", values };
  }
  const eq = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
  if (eq) {
    const op = eq[2] === "!=" ? "!=" : "=";
    return { key: checkKey(eq[1]!, raw), op, values: [checkValue(eq[3]!.trim(), raw)] };
  }
  if (part.startsWith("!")) return { key: checkKey(part.slice(1).trim(), raw), op: "!", values: [] };
  return { key: checkKey(part, raw), op: "exists", values: [] };
}

/** Parse `app=web,tier!=db,env in (a,b),!canary,release`. Empty → matches everything. */
export function parseLabelSelector(raw: string | undefined): LabelSelector {
  if (!raw) return [];
  return splitTopLevel(raw).map((p) => parseRequirement(p, raw));
}

export function matchLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  for (const r of selector) {
    const v = labels?.[r.key];
    switch (r.op) {
      case "=":
        if (v !== r.values[0]) return false;
        break;
      case "!=":
        if (v === r.values[0]) return false;
        break;
      case "in":
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case "notin":
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case "exists":
        if (v === undefined) return false;
        break;
      case "!":
        if (v !== undefined) return false;
        break;
    }
  }
  return true;
}

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

export type FieldSelector = readonly FieldRequirement[];

/**
 * Field selectors allowed for every resource, plus per-resource ones (as Kubernetes
 * does: an unsupported field is a 400, not a silent match-all).
 */
const COMMON_FIELDS = ["metadata.name", "metadata.namespace"];
const RESOURCE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  pods: ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"],
  events: ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
  nodes: ["spec.unschedulable"],
  namespaces: ["status.phase"],
  secrets: ["type"],
  replicasets: ["status.replicas"],
  jobs: ["status.successful"],
};

function unescapeFieldValue(v: string): string {
  return v.replace(/\\([\\,=!])/g, "$1");
}

/** Parse `spec.nodeName=n1,status.phase!=Succeeded` for a resource. */
export function parseFieldSelector(raw: string | undefined, resource: string): FieldSelector {
  if (!raw) return [];
  const allowed = new Set([...COMMON_FIELDS, ...(RESOURCE_FIELDS[resource] ?? [])]);
  return raw
    .split(/(?<!\\),/)
    .filter((p) => p.trim().length > 0)
    .map((part) => {
      const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(part.trim());
      if (!m) throw new BadRequestError(`invalid field selector: "${part}" is not of the form field=value or field!=value`);
      const field = m[1]!;
      if (!allowed.has(field)) throw new BadRequestError(`field label not supported: ${field}`);
      return { field, op: m[2] === "!=" ? "!=" : "=", value: unescapeFieldValue(m[3]!) } as FieldRequirement;
    });
}

// Every event is matched against each candidate watcher's selector: the supported
// fields' paths are split once, not per comparison (fieldValue was 1.6 % of the
// apiserver's CPU in the deployment bench; matching a pod against a kubelet's
// spec.nodeName watch: 0.8 → 0.2 µs, bench/write-path.bench.ts, 2026-11-22).
const FIELD_PATHS = new Map<string, readonly string[]>([...COMMON_FIELDS, ...Object.values(RESOURCE_FIELDS).flat()].map((f) => [f, f.split(".")]));

/** The string value a field selector compares against (missing fields compare as ""). */
export function fieldValue(obj: KubeObject, field: string): string {
  if (field === "source") return String((obj["source"] as { component?: string } | undefined)?.component ?? "");
  let cur: unknown = obj;
  for (const part of FIELD_PATHS.get(field) ?? field.split(".")) {
    if (cur === null || typeof cur !== "object") return "";
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return "";
  return typeof cur === "object" ? JSON.stringify(cur) : String(cur);
}

export function matchFields(selector: FieldSelector, obj: KubeObject): boolean {
  for (const r of selector) {
    const v = fieldValue(obj, r.field);
    if (r.op === "=" ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** What a list or watch asks for, parsed once. */
export interface ObjectFilter {
  namespace?: string;
  labels: LabelSelector;
  fields: FieldSelector;
}

export function matchesFilter(filter: ObjectFilter, obj: KubeObject): boolean {
  if (filter.namespace !== undefined && obj.metadata.namespace !== filter.namespace) return false;
  return matchLabels(filter.labels, obj.metadata.labels) && matchFields(filter.fields, obj);
}
