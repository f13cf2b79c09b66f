/**
 * Which schema describes which kind, and which named schemas each group-version's
 * OpenAPI document is built from.
 */
import type { TSchema } from "@sinclair/typebox";
import type { ResourceInfo } from "../registry.ts";
import { ControllerRevision, DaemonSet, Deployment, ReplicaSet } from "./apps.ts";
import { Job } from "./batch.ts";
import { EndpointSlice, Lease, RuntimeClass, Scale } from "./cluster.ts";
import { Namespace, Node } from "./core-node.ts";
import { ConfigMap, Event, Secret, ServiceAccount } from "./core-other.ts";
import { Pod } from "./core-pod.ts";
import { Endpoints, Service } from "./core-service.ts";

/** The registry row for the scale subresource's kind, which has no resource of its own. */
export const SCALE_INFO: ResourceInfo = Object.freeze({
  group: "autoscaling",
  version: "v1",
  kind: "Scale",
  resource: "scale",
  singular: "scale",
  namespaced: true,
  shortNames: [],
  categories: [],
  subresources: [],
  verbs: ["get", "patch", "update"],
});

const KINDS: ReadonlyMap<string, TSchema> = new Map<string, TSchema>([
  ["v1/Namespace", Namespace],
  ["v1/Node", Node],
  ["v1/Pod", Pod],
  ["v1/Service", Service],
  ["v1/Endpoints", Endpoints],
  ["v1/Event", Event],
  ["v1/ServiceAccount", ServiceAccount],
  ["v1/Secret", Secret],
  ["v1/ConfigMap", ConfigMap],
  ["apps/v1/Deployment", Deployment],
  ["apps/v1/ReplicaSet", ReplicaSet],
  ["apps/v1/DaemonSet", DaemonSet],
  ["apps/v1/ControllerRevision", ControllerRevision],
  ["batch/v1/Job", Job],
  ["coordination.k8s.io/v1/Lease", Lease],
  ["discovery.k8s.io/v1/EndpointSlice", EndpointSlice],
  ["node.k8s.io/v1/RuntimeClass", RuntimeClass],
  ["autoscaling/v1/Scale", Scale],
]);

/** "apps/v1" or "v1". */
export function apiVersionOf(info: Pick<ResourceInfo, "group" | "version">): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** The top-level schema of a kind, or undefined for kinds Flotilla does not serve. */
export function schemaForKind(info: Pick<ResourceInfo, "group" | "version" | "kind">): TSchema | undefined {
  return KINDS.get(`${apiVersionOf(info)}/${info.kind}`);
}

/** Every top-level schema served in a group-version ("v1", "apps/v1", ...). */
export function schemasOfGroupVersion(gv: string): TSchema[] {
  const out: TSchema[] = [];
  for (const [key, schema] of KINDS) if (key.slice(0, key.lastIndexOf("/")) === gv) out.push(schema);
  return out;
}

/** The group-versions that have an OpenAPI document. */
export const GROUP_VERSIONS: readonly string[] = Object.freeze([...new Set([...KINDS.keys()].map((k) => k.slice(0, k.lastIndexOf("/"))))]);
