/**
 * The writes a Deployment plan asks for (see planDeployment in plan.ts). ReplicaSet
 * writes name the cached copy they were decided from (uid, resourceVersion), so the
 * executor can make them compare-and-set; annotation maps are complete, not patches.
 */
import type { NewReplicaSetLike } from "./types.ts";

/**
 * Create this ReplicaSet (a complete object: apiVersion, kind, metadata, spec). On
 * AlreadyExists, ask `isHashCollision` (plan.ts) what the existing one means.
 */
export interface CreateReplicaSetAction {
  type: "createReplicaSet";
  rs: NewReplicaSetLike;
}

/** Identity of an existing ReplicaSet, for compare-and-set writes. */
export interface ExistingRef {
  name: string;
  uid: string | undefined;
  /** The resourceVersion of the cached copy this decision was made from. */
  resourceVersion: string | undefined;
}

/**
 * Set spec.replicas to `replicas` (from `from`, for the event) and metadata.annotations to
 * `annotations` (the complete map, not a patch); also spec.minReadySeconds when given.
 */
export interface ScaleReplicaSetAction extends ExistingRef {
  type: "scaleReplicaSet";
  from: number;
  replicas: number;
  annotations: Record<string, string>;
  minReadySeconds?: number;
}

/** Set metadata.annotations to `annotations` (the complete map); also spec.minReadySeconds when given. */
export interface UpdateReplicaSetAnnotationsAction extends ExistingRef {
  type: "updateReplicaSetAnnotations";
  annotations: Record<string, string>;
  minReadySeconds?: number;
}

/** Delete this ReplicaSet (history cleanup); send the uid as a precondition. */
export interface DeleteReplicaSetAction extends ExistingRef {
  type: "deleteReplicaSet";
}

/** Set the Deployment's metadata.annotations to `annotations` (the complete map). */
export interface UpdateDeploymentAnnotationsAction {
  type: "updateDeploymentAnnotations";
  annotations: Record<string, string>;
}

/** One write. A plan never holds two actions for the same ReplicaSet. */
export type DeploymentAction =
  | CreateReplicaSetAction
  | ScaleReplicaSetAction
  | UpdateReplicaSetAnnotationsAction
  | DeleteReplicaSetAction
  | UpdateDeploymentAnnotationsAction;
