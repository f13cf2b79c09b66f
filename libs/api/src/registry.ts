/**
 * The built-in resources Flotilla serves: one row each. Discovery, the store's key
 * layout, OpenAPI, tables and validation are all keyed on these rows, so a resource
 * exists everywhere or nowhere.
 */

export type Subresource = "status" | "scale" | "binding" | "log" | "exec" | "eviction" | "finalize" | "token";

export interface ResourceInfo {
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Plural, lower case: the URL segment and the first token of store keys. */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames: readonly string[];
  /** "all" puts the resource in `kubectl get all`. */
  categories: readonly string[];
  subresources: readonly Subresource[];
  /** Verbs the resource accepts, as discovery lists them. */
  verbs: readonly string[];
}

const CRUD = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] as const;

function r(group: string, version: string, kind: string, resource: string, namespaced: boolean, extra: Partial<ResourceInfo> = {}): ResourceInfo {
  return {
    group,
    version,
    kind,
    resource,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    subresources: [],
    verbs: CRUD,
    ...extra,
  };
}

export const RESOURCES: readonly ResourceInfo[] = Object.freeze([
  r("", "v1", "Namespace", "namespaces", false, { shortNames: ["ns"], subresources: ["status", "finalize"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] }),
  r("", "v1", "Node", "nodes", false, { shortNames: ["no"], subresources: ["status"] }),
  r("", "v1", "Pod", "pods", true, { shortNames: ["po"], categories: ["all"], subresources: ["status", "binding", "log", "exec", "eviction"] }),
  r("", "v1", "Service", "services", true, { shortNames: ["svc"], categories: ["all"], subresources: ["status"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] }),
  r("", "v1", "Endpoints", "endpoints", true, { singular: "endpoints", shortNames: ["ep"] }),
  r("", "v1", "Event", "events", true, { shortNames: ["ev"] }),
  r("", "v1", "ServiceAccount", "serviceaccounts", true, { shortNames: ["sa"], subresources: ["token"] }),
  r("", "v1", "Secret", "secrets", true),
  r("", "v1", "ConfigMap", "configmaps", true, { shortNames: ["cm"] }),
  r("apps", "v1", "Deployment", "deployments", true, { shortNames: ["deploy"], categories: ["all"], subresources: ["status", "scale"] }),
  r("apps", "v1", "ReplicaSet", "replicasets", true, { shortNames: ["rs"], categories: ["all"], subresources: ["status", "scale"] }),
  r("apps", "v1", "DaemonSet", "daemonsets", true, { shortNames: ["ds"], categories: ["all"], subresources: ["status"] }),
  r("apps", "v1", "ControllerRevision", "controllerrevisions", true),
  r("batch", "v1", "Job", "jobs", true, { categories: ["all"], subresources: ["status"] }),
  r("coordination.k8s.io", "v1", "Lease", "leases", true),
  r("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true),
  r("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false),
]);

/** "apps/v1" or "v1" for the core group. */
export function groupVersion(info: Pick<ResourceInfo, "group" | "version">): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

const byResource = new Map(RESOURCES.map((i) => [`${i.group}/${i.resource}`, i]));
const byKind = new Map(RESOURCES.map((i) => [`${groupVersion(i)}/${i.kind}`, i]));

/** The row for a (group, plural) pair, e.g. ("apps", "deployments"). */
export function resourceInfo(group: string, resource: string): ResourceInfo | undefined {
  return byResource.get(`${group}/${resource}`);
}

/** The row for an (apiVersion, kind) pair, e.g. ("apps/v1", "Deployment"). */
export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return byKind.get(`${apiVersion}/${kind}`);
}
