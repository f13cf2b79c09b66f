/**
 * The `paths` of an OpenAPI document: the REST operations of each resource, named
 * and parameterised as the apiserver publishes them. kubectl reads one thing here
 * that changes its behaviour: a PATCH operation tagged with the kind's
 * `x-kubernetes-group-version-kind` and listing a `fieldValidation` parameter makes
 * it send fieldValidation=Strict instead of validating on the client.
 */
import type { ResourceInfo } from "../registry.ts";
import { SCALE_INFO, apiVersionOf, schemaForKind } from "./catalog.ts";

type Json = Record<string, unknown>;

const REF = "#/components/schemas/";
const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

function param(name: string, where: "query" | "path", description: string, type = "string"): Json {
  const p: Json = { name, in: where, description, schema: { type, uniqueItems: true } };
  if (where === "path") p.required = true;
  return p;
}

const P = {
  name: param("name", "path", "Name of the object."),
  namespace: param("namespace", "path", "Namespace of the object."),
  pretty: param("pretty", "query", "Indent the response when 'true'."),
  dryRun: param("dryRun", "query", "When 'All', check the request fully but do not persist anything."),
  fieldManager: param("fieldManager", "query", "Name of the client making the change, recorded in managedFields."),
  fieldValidation: param(
    "fieldValidation",
    "query",
    "What to do with unknown or duplicate fields in the body: Ignore drops them silently, Warn (the default) drops them and returns a Warning header for each, Strict rejects the request with a 400 listing them.",
  ),
  force: param("force", "query", "For apply patches: take ownership of fields other managers own.", "boolean"),
  gracePeriodSeconds: param("gracePeriodSeconds", "query", "Seconds to allow for graceful termination.", "integer"),
  propagationPolicy: param("propagationPolicy", "query", "Orphan, Background or Foreground: what happens to dependents."),
  labelSelector: param("labelSelector", "query", "Only objects whose labels match this selector."),
  fieldSelector: param("fieldSelector", "query", "Only objects whose fields match this selector."),
  resourceVersion: param("resourceVersion", "query", "Serve from at least this version; for watches, send changes after it."),
  resourceVersionMatch: param("resourceVersionMatch", "query", "How resourceVersion is applied to a list: NotOlderThan or Exact."),
  limit: param("limit", "query", "Most objects to return; a continue token is returned for the rest.", "integer"),
  continue: param("continue", "query", "Token from a previous page, to fetch the next one."),
  watch: param("watch", "query", "Stream changes instead of returning a list.", "boolean"),
  allowWatchBookmarks: param("allowWatchBookmarks", "query", "Allow BOOKMARK events in a watch.", "boolean"),
  timeoutSeconds: param("timeoutSeconds", "query", "End the list or watch after this many seconds.", "integer"),
} as const;

const LIST_PARAMS = [P.labelSelector, P.fieldSelector, P.resourceVersion, P.resourceVersionMatch, P.limit, P.continue, P.watch, P.allowWatchBookmarks, P.timeoutSeconds];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const PATCH_TYPES = ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"];

function body(schemaId: string, types = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]): Json {
  return { content: Object.fromEntries(types.map((t) => [t, { schema: { $ref: REF + schemaId } }])) };
}

function responses(codes: Record<string, string>): Json {
  const out: Json = {};
  for (const [code, id] of Object.entries(codes)) out[code] = { description: code === "201" ? "Created" : code === "202" ? "Accepted" : "OK", ...body(id) };
  return out;
}

/** "coordination.k8s.io" → "Coordination", "" → "Core". */
function groupWord(group: string): string {
  const first = group.split(".")[0] ?? "";
  return first ? first[0]!.toUpperCase() + first.slice(1) : "Core";
}

interface Target {
  info: ResourceInfo;
  /** Schema id of the object the operations read and write. */
  id: string;
  gvk: { group: string; version: string; kind: string };
  /** Operation name suffix for subresources: "Status", "Scale". */
  suffix: string;
}

function operation(t: Target, action: string, verb: string, extra: Json): Json {
  const { info } = t;
  const allNamespaces = t.suffix === "ForAllNamespaces";
  const scope = info.namespaced && !allNamespaces ? "Namespaced" : "";
  const version = info.version[0]!.toUpperCase() + info.version.slice(1);
  const what = t.suffix && !allNamespaces ? `${t.suffix.toLowerCase()} of the specified` : "the specified";
  return {
    description: `${verb.replace("the specified", what)} ${info.kind}`,
    operationId: `${action}${groupWord(info.group)}${version}${scope}${info.kind}${t.suffix}`,
    tags: [`${groupWord(info.group).toLowerCase()}_${info.version}`],
    "x-kubernetes-action": action === "read" ? "get" : action === "replace" ? "put" : action,
    "x-kubernetes-group-version-kind": t.gvk,
    ...extra,
  };
}

/** get, put and patch of one object (or one of its subresources). */
function itemOperations(t: Target, verbs: readonly string[]): Json {
  const ops: Json = {};
  if (verbs.includes("get")) ops.get = operation(t, "read", "read the specified", { responses: responses({ "200": t.id }) });
  if (verbs.includes("update")) {
    ops.put = operation(t, "replace", "replace the specified", { parameters: WRITE_PARAMS, requestBody: body(t.id), responses: responses({ "200": t.id, "201": t.id }) });
  }
  if (verbs.includes("patch")) {
    ops.patch = operation(t, "patch", "partially update the specified", {
      parameters: [...WRITE_PARAMS, P.force],
      requestBody: body(`${META}.Patch`, PATCH_TYPES),
      responses: responses({ "200": t.id, "201": t.id }),
    });
  }
  return ops;
}

function resourcePaths(info: ResourceInfo): Record<string, Json> {
  const id = (schemaForKind(info) as { $id: string }).$id;
  const base = `/${info.group ? `apis/${apiVersionOf(info)}` : `api/${info.version}`}`;
  const coll = info.namespaced ? `${base}/namespaces/{namespace}/${info.resource}` : `${base}/${info.resource}`;
  const scopeParams = info.namespaced ? [P.namespace, P.pretty] : [P.pretty];
  const t: Target = { info, id, gvk: { group: info.group, version: info.version, kind: info.kind }, suffix: "" };
  const out: Record<string, Json> = {};

  const collection: Json = { parameters: scopeParams };
  if (info.verbs.includes("list")) collection.get = operation(t, "list", "list or watch objects of kind", { parameters: LIST_PARAMS, responses: responses({ "200": `${id}List` }) });
  if (info.verbs.includes("create")) collection.post = operation(t, "create", "create a", { parameters: WRITE_PARAMS, requestBody: body(id), responses: responses({ "200": id, "201": id, "202": id }) });
  if (info.verbs.includes("deletecollection")) {
    collection.delete = operation(t, "deletecollection", "delete collection of", { parameters: [...LIST_PARAMS, P.dryRun, P.gracePeriodSeconds, P.propagationPolicy], requestBody: body(`${META}.DeleteOptions`, ["application/json"]), responses: responses({ "200": `${META}.Status` }) });
  }
  out[coll] = collection;

  const item: Json = { parameters: [P.name, ...scopeParams], ...itemOperations(t, info.verbs) };
  if (info.verbs.includes("delete")) {
    item.delete = operation(t, "delete", "delete the specified", { parameters: [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy], requestBody: body(`${META}.DeleteOptions`, ["application/json"]), responses: responses({ "200": id, "202": id }) });
  }
  out[`${coll}/{name}`] = item;

  if (info.subresources.includes("status")) {
    out[`${coll}/{name}/status`] = { parameters: [P.name, ...scopeParams], ...itemOperations({ ...t, suffix: "Status" }, ["get", "update", "patch"]) };
  }
  if (info.subresources.includes("scale")) {
    const scale: Target = { ...t, id: (schemaForKind(SCALE_INFO) as { $id: string }).$id, gvk: { group: "autoscaling", version: "v1", kind: "Scale" }, suffix: "Scale" };
    out[`${coll}/{name}/scale`] = { parameters: [P.name, ...scopeParams], ...itemOperations(scale, ["get", "update", "patch"]) };
  }
  if (info.namespaced && info.verbs.includes("list")) {
    out[`${base}/${info.resource}`] = { parameters: [P.pretty], get: operation({ ...t, suffix: "ForAllNamespaces" }, "list", "list or watch objects of kind", { parameters: LIST_PARAMS, responses: responses({ "200": `${id}List` }) }) };
  }
  return out;
}

/** The paths object of a group-version's document, for its resources. */
export function pathsFor(kinds: readonly ResourceInfo[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const info of kinds) Object.assign(out, resourcePaths(info));
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
