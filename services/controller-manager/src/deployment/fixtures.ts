/**
 * Builders for the Deployment planner's unit tests: a Deployment named `web` and the
 * ReplicaSets it would own, frozen the way a shared cache's objects must be treated.
 * Only tests import this file.
 */
import { rfc3339 } from "@flotilla/api/time";
import { POD_TEMPLATE_HASH_LABEL, Annotation } from "./types.ts";
import type { DeploymentConditionLike, DeploymentLike, DeploymentStatusLike, PodTemplateLike, ReplicaSetLike } from "./types.ts";
import { templateHash } from "./template.ts";

export const T0 = Date.parse("2026-11-22T01:00:00Z");
export const DEPLOYMENT_UID = "uid-web";

/** Inputs come from a shared read-only cache: freezing them makes any mutation throw. */
export function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** The pod template of `web` at an image tag, as the API server stores it (defaults applied). */
export function template(image: string): PodTemplateLike {
  return {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "web", image: `nginx:${image}`, imagePullPolicy: "IfNotPresent" }], restartPolicy: "Always", dnsPolicy: "ClusterFirst" },
  };
}

export interface DeploymentOptions {
  image?: string;
  replicas?: number;
  generation?: number;
  strategy?: "RollingUpdate" | "Recreate";
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  paused?: boolean;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  minReadySeconds?: number;
  annotations?: Record<string, string>;
  status?: DeploymentStatusLike;
  deleting?: boolean;
}

export function deployment(o: DeploymentOptions = {}): DeploymentLike {
  const rolling = o.maxSurge !== undefined || o.maxUnavailable !== undefined;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web",
      namespace: "default",
      uid: DEPLOYMENT_UID,
      generation: o.generation ?? 1,
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.deleting ? { deletionTimestamp: rfc3339(T0 - 1000) } : {}),
    },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: "web" } },
      template: template(o.image ?? "v1"),
      strategy: {
        type: o.strategy ?? "RollingUpdate",
        ...(rolling ? { rollingUpdate: { maxSurge: o.maxSurge ?? "25%", maxUnavailable: o.maxUnavailable ?? "25%" } } : {}),
      },
      ...(o.paused !== undefined ? { paused: o.paused } : {}),
      ...(o.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: o.revisionHistoryLimit } : {}),
      ...(o.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
      ...(o.minReadySeconds !== undefined ? { minReadySeconds: o.minReadySeconds } : {}),
    },
    ...(o.status ? { status: o.status } : {}),
  };
}

export interface ReplicaSetOptions {
  image: string;
  replicas: number;
  /** status.replicas; defaults to `replicas`. */
  pods?: number;
  available?: number;
  ready?: number;
  revision?: number;
  /** Seconds after T0 − 1 day. */
  createdAt?: number;
  annotations?: Record<string, string>;
  name?: string;
  generation?: number;
  observedGeneration?: number;
  deleting?: boolean;
}

/** A ReplicaSet of `web` for an image, as the controller would have created it. */
export function replicaSet(o: ReplicaSetOptions): ReplicaSetLike {
  const tpl = template(o.image);
  const hash = templateHash(tpl);
  const labels = { app: "web", [POD_TEMPLATE_HASH_LABEL]: hash };
  const pods = o.pods ?? o.replicas;
  const available = o.available ?? pods;
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: o.name ?? `web-${hash}`,
      namespace: "default",
      uid: `uid-${o.name ?? o.image}`,
      resourceVersion: "7",
      generation: o.generation ?? 1,
      creationTimestamp: rfc3339(T0 - 86_400_000 + (o.createdAt ?? 0) * 1000),
      labels,
      annotations: { ...(o.revision !== undefined ? { [Annotation.revision]: String(o.revision) } : {}), ...(o.annotations ?? {}) },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: DEPLOYMENT_UID, controller: true, blockOwnerDeletion: true }],
      ...(o.deleting ? { deletionTimestamp: rfc3339(T0) } : {}),
    },
    spec: {
      replicas: o.replicas,
      minReadySeconds: 0,
      selector: { matchLabels: { ...labels } },
      template: { ...tpl, metadata: { labels: { ...labels } } },
    },
    status: { replicas: pods, readyReplicas: o.ready ?? available, availableReplicas: available, observedGeneration: o.observedGeneration ?? o.generation ?? 1 },
  };
}

/** The replicas annotations a ReplicaSet last scaled for `desired` (and `max` with surge) carries. */
export function sized(desired: number, max: number): Record<string, string> {
  return { [Annotation.desiredReplicas]: String(desired), [Annotation.maxReplicas]: String(max) };
}

/** The status of a Deployment of `replicas` pods whose rollout completed. */
export function completeStatus(replicas: number, generation = 1, progressing: Partial<DeploymentConditionLike> = {}): DeploymentStatusLike {
  const then = rfc3339(T0 - 3_600_000);
  return {
    observedGeneration: generation,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    conditions: [
      { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability.", lastUpdateTime: then, lastTransitionTime: then },
      { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: "done", lastUpdateTime: then, lastTransitionTime: then, ...progressing },
    ],
  };
}

/**
 * `kubectl rollout status` for a Deployment (kubectl's DeploymentStatusViewer): "done",
 * "waiting", or "deadline" when it would fail with "exceeded its progress deadline".
 */
export function kubectlRolloutStatus(d: DeploymentLike): "done" | "waiting" | "deadline" {
  const s = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) return "waiting";
  if (s.conditions?.some((c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded")) return "deadline";
  if (d.spec?.replicas !== undefined && (s.updatedReplicas ?? 0) < d.spec.replicas) return "waiting";
  if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return "waiting";
  if ((s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0)) return "waiting";
  return "done";
}
