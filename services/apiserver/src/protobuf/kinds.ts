/**
 * Which message decodes which (apiVersion, kind), and the one schema built from all
 * the tables. Covers what kubectl 1.32+ sends as protobuf (see the fixtures) plus
 * the workload kinds of the registry that share those messages.
 */
import { buildSchema } from "./schema.ts";
import type { MessageDef } from "./schema.ts";
import { ACCESS_MESSAGES } from "./schemas/access.ts";
import { APPS_MESSAGES } from "./schemas/apps.ts";
import { BATCH_MESSAGES } from "./schemas/batch.ts";
import { CLUSTER_MESSAGES } from "./schemas/cluster.ts";
import { CORE_MESSAGES } from "./schemas/core.ts";
import { META_MESSAGES } from "./schemas/meta.ts";
import { POD_BEHAVIOUR_MESSAGES } from "./schemas/pod-behaviour.ts";
import { POD_SCHEDULING_MESSAGES } from "./schemas/pod-scheduling.ts";
import { POD_STATUS_MESSAGES } from "./schemas/pod-status.ts";
import { POD_MESSAGES } from "./schemas/pod.ts";
import { VOLUME_MESSAGES } from "./schemas/volumes.ts";

/** Every message table, parsed and cross-checked once at module load. */
export const SCHEMA: ReadonlyMap<string, MessageDef> = buildSchema([
  META_MESSAGES,
  POD_MESSAGES,
  POD_BEHAVIOUR_MESSAGES,
  POD_SCHEDULING_MESSAGES,
  VOLUME_MESSAGES,
  POD_STATUS_MESSAGES,
  CORE_MESSAGES,
  APPS_MESSAGES,
  BATCH_MESSAGES,
  ACCESS_MESSAGES,
  CLUSTER_MESSAGES,
]);

/** "apiVersion/Kind" → root message name. In each case the message is named after the kind. */
const ROOT_KINDS: Readonly<Record<string, readonly string[]>> = {
  v1: ["Namespace", "ConfigMap", "Secret", "ServiceAccount", "Service", "Pod", "ResourceQuota"],
  "apps/v1": ["Deployment", "ReplicaSet", "DaemonSet"],
  "batch/v1": ["Job", "CronJob"],
  "rbac.authorization.k8s.io/v1": ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
  "authentication.k8s.io/v1": ["TokenRequest", "SelfSubjectReview"],
  "authorization.k8s.io/v1": ["SelfSubjectAccessReview"],
  "scheduling.k8s.io/v1": ["PriorityClass"],
  "policy/v1": ["PodDisruptionBudget"],
  "networking.k8s.io/v1": ["Ingress"],
  "coordination.k8s.io/v1": ["Lease"],
  "node.k8s.io/v1": ["RuntimeClass"],
};

const byGvk = new Map<string, string>(Object.entries(ROOT_KINDS).flatMap(([gv, kinds]) => kinds.map((k) => [`${gv}/${k}`, k] as const)));

/** The root message for an object of this apiVersion and kind, if Flotilla can decode it. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  return byGvk.get(`${apiVersion}/${kind}`);
}

/** Every "apiVersion/Kind" the decoder accepts, for error messages and tests. */
export function decodableKinds(): string[] {
  return [...byGvk.keys()];
}
