/**
 * The shapes the Deployment planner reads and writes, and the names Kubernetes gives its
 * labels, annotations and condition reasons.
 *
 * `@flotilla/api` does not export `DeploymentObject`, `ReplicaSetObject` or
 * `PodTemplateSpecObject` (libs/api/src/schema/apps.ts), so the views here are declared
 * structurally, field for field after that schema: a schema object is assignable to its
 * view, so the executor passes objects from its caches in unchanged. Object metadata and
 * pod specs reuse the exported `PodObject` and `PodSpecObject` types, so a ReplicaSet the
 * planner builds carries exactly the template types the API validates.
 */
import type { PodObject, PodSpecObject } from "@flotilla/api";

/** Object metadata (meta/v1 ObjectMeta), as the schema types it. */
export type ObjectMetaLike = NonNullable<PodObject["metadata"]>;

/** A pod template (core/v1 PodTemplateSpec). */
export interface PodTemplateLike {
  metadata?: ObjectMetaLike;
  spec?: PodSpecObject;
}

/** A label selector (meta/v1 LabelSelector). */
export type LabelSelectorLike = {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
};

/** intstr.IntOrString as maxSurge and maxUnavailable use it: a count or a percentage such as "25%". */
export type IntOrPercent = number | string;

/** One Deployment condition (apps/v1 DeploymentCondition). */
export interface DeploymentConditionLike {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** The status a Deployment reports (apps/v1 DeploymentStatus). */
export interface DeploymentStatusLike {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  terminatingReplicas?: number;
  conditions?: DeploymentConditionLike[];
  collisionCount?: number;
}

/** apps/v1 DeploymentSpec. */
export interface DeploymentSpecLike {
  replicas?: number;
  selector?: LabelSelectorLike;
  template?: PodTemplateLike;
  strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: IntOrPercent; maxSurge?: IntOrPercent } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}

/** An apps/v1 Deployment; `DeploymentObject` is assignable to it. */
export interface DeploymentLike {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMetaLike;
  spec?: DeploymentSpecLike;
  status?: DeploymentStatusLike;
}

/** One ReplicaSet condition (apps/v1 ReplicaSetCondition). */
export interface ReplicaSetConditionLike {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** The status a ReplicaSet reports (apps/v1 ReplicaSetStatus). */
export interface ReplicaSetStatusLike {
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  terminatingReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetConditionLike[];
}

/** An apps/v1 ReplicaSet; `ReplicaSetObject` is assignable to it. */
export interface ReplicaSetLike {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMetaLike;
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: LabelSelectorLike;
    template?: PodTemplateLike;
  };
  status?: ReplicaSetStatusLike;
}

/**
 * A ReplicaSet the planner builds for creation: complete, with every spec field set, so
 * it is also assignable to the schema's `ReplicaSetObject` (whose spec requires a selector).
 */
export interface NewReplicaSetLike extends ReplicaSetLike {
  apiVersion: string;
  kind: string;
  metadata: ObjectMetaLike;
  spec: { replicas: number; minReadySeconds: number; selector: LabelSelectorLike; template: PodTemplateLike };
}

/**
 * A ReplicaSet as the scaling decisions see it: `replicas` is its size as planned so far
 * in this pass (its spec, or what an earlier step decided), the rest comes from the cache.
 */
export interface ReplicaSetState {
  readonly name: string;
  readonly replicas: number;
  readonly availableReplicas: number;
  /** creationTimestamp in ms; 0 when unknown, so such a ReplicaSet sorts as the oldest. */
  readonly createdMs: number;
  readonly annotations: Readonly<Record<string, string>>;
}

/** The label that ties a ReplicaSet and its pods to one template (apps/v1 DefaultDeploymentUniqueLabelKey). */
export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

/** Annotations the Deployment controller keeps on its ReplicaSets (and the revision on itself). */
export const Annotation = {
  /** The rollout sequence number of a ReplicaSet; the Deployment carries its new ReplicaSet's. */
  revision: "deployment.kubernetes.io/revision",
  /** Earlier revisions a ReplicaSet served before a rollback made it new again, comma-separated. */
  revisionHistory: "deployment.kubernetes.io/revision-history",
  /** spec.replicas of the Deployment when the ReplicaSet was last scaled. */
  desiredReplicas: "deployment.kubernetes.io/desired-replicas",
  /** spec.replicas + maxSurge of the Deployment when the ReplicaSet was last scaled. */
  maxReplicas: "deployment.kubernetes.io/max-replicas",
} as const;

/** Condition types of a Deployment. */
export const ConditionType = {
  Available: "Available",
  Progressing: "Progressing",
  ReplicaFailure: "ReplicaFailure",
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Reasons of the Available and Progressing conditions, as Kubernetes spells them (kubectl matches on some). */
export const Reason = {
  MinimumReplicasAvailable: "MinimumReplicasAvailable",
  MinimumReplicasUnavailable: "MinimumReplicasUnavailable",
  NewReplicaSetCreated: "NewReplicaSetCreated",
  FoundNewReplicaSet: "FoundNewReplicaSet",
  ReplicaSetUpdated: "ReplicaSetUpdated",
  NewReplicaSetAvailable: "NewReplicaSetAvailable",
  ProgressDeadlineExceeded: "ProgressDeadlineExceeded",
  DeploymentPaused: "DeploymentPaused",
  DeploymentResumed: "DeploymentResumed",
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/**
 * What an unset field of a Deployment means. The API server defaults all of them on
 * create; the planner applies the same defaults so that objects built by hand (tests,
 * older stored objects) behave the same.
 */
export const DEPLOYMENT_DEFAULTS = Object.freeze({
  /** @default 1 */
  replicas: 1,
  /** @default "25%" */
  maxSurge: "25%" as IntOrPercent,
  /** @default "25%" */
  maxUnavailable: "25%" as IntOrPercent,
  /** @default 10 */
  revisionHistoryLimit: 10,
  /** @default 600 */
  progressDeadlineSeconds: 600,
});

/** int32 max: as revisionHistoryLimit it keeps every ReplicaSet, as progressDeadlineSeconds it disables the deadline. */
export const MAX_INT32 = 2147483647;

/** The Deployment's spec.replicas, defaulted. */
export function desiredReplicas(d: DeploymentLike): number {
  return d.spec?.replicas ?? DEPLOYMENT_DEFAULTS.replicas;
}
