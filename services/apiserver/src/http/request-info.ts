/**
 * Kubernetes' URL grammar → what the request is about. A generic router cannot express
 * it: `/api/v1/namespaces/x/status` is the status of namespace x, while
 * `/api/v1/namespaces/x/pods` lists pods in x. This follows the API server's own rules.
 */

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

export interface ResourceRequest {
  kind: "resource";
  verb: Verb;
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
}

export interface OtherRequest {
  kind: "other";
  path: string;
}

export type RequestInfo = ResourceRequest | OtherRequest;

// Subresources of a namespace object, which would otherwise read as resources in it.
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

function verbFor(method: string, hasName: boolean, watch: boolean): Verb | undefined {
  switch (method) {
    case "GET":
    case "HEAD":
      if (watch) return "watch";
      return hasName ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return hasName ? "delete" : "deletecollection";
    default:
      return undefined;
  }
}

/** Parse a request path (without query) and method. */
export function parseRequestInfo(method: string, path: string, watchParam: boolean): RequestInfo {
  const parts = path.split("/").filter((p) => p.length > 0).map(decodeURIComponent);
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === "api" && parts.length >= 3) {
    group = "";
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return { kind: "other", path };
  }
  let watch = watchParam;
  // The deprecated /watch/ prefix form, still understood by Kubernetes.
  if (rest[0] === "watch") {
    watch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length > 0) return { kind: "other", path };
  const verb = verbFor(method, name !== undefined, watch);
  if (!verb) return { kind: "other", path };
  const info: ResourceRequest = { kind: "resource", verb, group, version, resource };
  if (namespace !== undefined) info.namespace = namespace;
  if (name !== undefined) info.name = name;
  if (subresource !== undefined) info.subresource = subresource;
  return info;
}
