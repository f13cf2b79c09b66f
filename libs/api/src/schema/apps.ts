/** apps/v1 Deployment, ReplicaSet, DaemonSet and ControllerRevision. */
import { Type } from "@sinclair/typebox";
import { IntOrString, Pkg, Time, bool, describe, int32, int64, list, ref, register, reqInt64, reqStr, str, struct } from "./build.ts";
import { PodTemplateSpec } from "./core-pod.ts";
import { LabelSelector, resource } from "./objectmeta.ts";

const A = Pkg.apps;

const RollingUpdateDeployment = struct(`${A}.RollingUpdateDeployment`, "Pace of a rolling update.", {
  maxUnavailable: ref(IntOrString, "How many pods (a number, or a percentage of replicas rounded down) may be unavailable during the update. Defaults to 25%; cannot be 0 when maxSurge is 0."),
  maxSurge: ref(IntOrString, "How many pods (a number, or a percentage of replicas rounded up) may exist above the desired count during the update. Defaults to 25%."),
});

const DeploymentStrategy = struct(`${A}.DeploymentStrategy`, "How old pods are replaced by new ones.", {
  type: str("RollingUpdate (default) replaces pods gradually; Recreate deletes all old pods before creating new ones."),
  rollingUpdate: ref(RollingUpdateDeployment, "Pace of a RollingUpdate; only with that type."),
});

const DeploymentSpec = struct(`${A}.DeploymentSpec`, "Desired state of a deployment.", {
  replicas: int32("Number of pods wanted. Defaults to 1."),
  selector: describe(LabelSelector, "Which pods belong to the deployment; must match the template's labels and cannot be changed."),
  template: describe(PodTemplateSpec, "Pods to create. Changing it starts a rollout; restartPolicy must be Always."),
  strategy: ref(DeploymentStrategy, "How a rollout replaces old pods."),
  minReadySeconds: int32("Seconds a new pod must be ready, without crashing, before it counts as available. Defaults to 0."),
  revisionHistoryLimit: int32("Old ReplicaSets kept for rollback. Defaults to 10."),
  paused: bool("While true, template changes do not start a rollout."),
  progressDeadlineSeconds: int32("Seconds a rollout may go without progress before it is reported as failed. Defaults to 600."),
});

const DeploymentCondition = struct(`${A}.DeploymentCondition`, "One aspect of a deployment's state: Available, Progressing or ReplicaFailure.", {
  type: reqStr("Available, Progressing or ReplicaFailure."),
  status: reqStr("True, False or Unknown."),
  lastUpdateTime: ref(Time, "When the condition was last updated."),
  lastTransitionTime: ref(Time, "When the status last changed."),
  reason: str("One-word CamelCase reason, e.g. NewReplicaSetAvailable."),
  message: str("Human-readable detail."),
});

const DeploymentStatus = struct(`${A}.DeploymentStatus`, "Observed state of a deployment, written by its controller.", {
  observedGeneration: int64("Generation the controller last acted on; equal to metadata.generation when up to date."),
  replicas: int32("Pods owned by the deployment (any template)."),
  updatedReplicas: int32("Pods running the current template."),
  readyReplicas: int32("Pods that are ready."),
  availableReplicas: int32("Pods ready for at least minReadySeconds."),
  unavailableReplicas: int32("Pods still needed for full availability."),
  terminatingReplicas: int32("Pods being terminated."),
  conditions: list(DeploymentCondition, "Conditions of the deployment.", { mergeKey: "type" }),
  collisionCount: int32("Counter used to avoid name collisions of ReplicaSets."),
});

export const Deployment = resource(`${A}.Deployment`, { group: "apps", version: "v1", kind: "Deployment" }, "Runs a number of identical pods and rolls out template changes through ReplicaSets.", {
  spec: ref(DeploymentSpec, "Desired state of the deployment."),
  status: ref(DeploymentStatus, "Observed state of the deployment."),
});

const ReplicaSetSpec = struct(`${A}.ReplicaSetSpec`, "Desired state of a replica set.", {
  replicas: int32("Number of pods wanted. Defaults to 1."),
  minReadySeconds: int32("Seconds a new pod must be ready before it counts as available."),
  selector: describe(LabelSelector, "Which pods belong to the replica set; must match the template's labels."),
  template: ref(PodTemplateSpec, "Pods to create when there are too few."),
});

const ReplicaSetCondition = struct(`${A}.ReplicaSetCondition`, "One aspect of a replica set's state.", {
  type: reqStr("Condition type, e.g. ReplicaFailure."),
  status: reqStr("True, False or Unknown."),
  lastTransitionTime: ref(Time, "When the status last changed."),
  reason: str("Reason for the last transition."),
  message: str("Human-readable detail."),
});

const ReplicaSetStatus = struct(`${A}.ReplicaSetStatus`, "Observed state of a replica set.", {
  replicas: int32("Pods currently owned."),
  fullyLabeledReplicas: int32("Pods whose labels match the template's."),
  readyReplicas: int32("Pods that are ready."),
  availableReplicas: int32("Pods ready for at least minReadySeconds."),
  terminatingReplicas: int32("Pods being terminated."),
  observedGeneration: int64("Generation the controller last acted on."),
  conditions: list(ReplicaSetCondition, "Conditions of the replica set.", { mergeKey: "type" }),
});

export const ReplicaSet = resource(`${A}.ReplicaSet`, { group: "apps", version: "v1", kind: "ReplicaSet" }, "Keeps a number of identical pods running; usually managed by a Deployment.", {
  spec: ref(ReplicaSetSpec, "Desired state of the replica set."),
  status: ref(ReplicaSetStatus, "Observed state of the replica set."),
});

const RollingUpdateDaemonSet = struct(`${A}.RollingUpdateDaemonSet`, "Pace of a daemon set rolling update.", {
  maxUnavailable: ref(IntOrString, "How many nodes (a number or a percentage) may be without a ready pod during the update. Defaults to 1."),
  maxSurge: ref(IntOrString, "How many nodes (a number or a percentage) may run an old and a new pod at once. Defaults to 0; cannot be 0 together with maxUnavailable."),
});

const DaemonSetUpdateStrategy = struct(`${A}.DaemonSetUpdateStrategy`, "How daemon pods are replaced when the template changes.", {
  type: str("RollingUpdate (default) or OnDelete (only when old pods are deleted by hand)."),
  rollingUpdate: ref(RollingUpdateDaemonSet, "Pace of a RollingUpdate."),
});

const DaemonSetSpec = struct(`${A}.DaemonSetSpec`, "Desired state of a daemon set.", {
  selector: describe(LabelSelector, "Which pods belong to the daemon set; must match the template's labels and cannot be changed."),
  template: describe(PodTemplateSpec, "Pod to run on every eligible node; restartPolicy must be Always."),
  updateStrategy: ref(DaemonSetUpdateStrategy, "How pods are replaced on template changes."),
  minReadySeconds: int32("Seconds a new pod must be ready before it counts as available."),
  revisionHistoryLimit: int32("Old revisions kept for rollback. Defaults to 10."),
});

const DaemonSetCondition = struct(`${A}.DaemonSetCondition`, "One aspect of a daemon set's state.", {
  type: reqStr("Condition type."),
  status: reqStr("True, False or Unknown."),
  lastTransitionTime: ref(Time, "When the status last changed."),
  reason: str("Reason for the last transition."),
  message: str("Human-readable detail."),
});

const DaemonSetStatus = struct(`${A}.DaemonSetStatus`, "Observed state of a daemon set.", {
  currentNumberScheduled: int32("Nodes running at least one daemon pod that should."),
  numberMisscheduled: int32("Nodes running a daemon pod that should not."),
  desiredNumberScheduled: int32("Nodes that should run the daemon pod."),
  numberReady: int32("Nodes whose daemon pod is ready."),
  observedGeneration: int64("Generation the controller last acted on."),
  updatedNumberScheduled: int32("Nodes running the current template."),
  numberAvailable: int32("Nodes whose daemon pod has been ready for minReadySeconds."),
  numberUnavailable: int32("Nodes that should run an available daemon pod but do not."),
  collisionCount: int32("Counter used to avoid name collisions of revisions."),
  conditions: list(DaemonSetCondition, "Conditions of the daemon set.", { mergeKey: "type" }),
});

export const DaemonSet = resource(`${A}.DaemonSet`, { group: "apps", version: "v1", kind: "DaemonSet" }, "Runs one copy of a pod on every eligible node, e.g. a log shipper or a network agent.", {
  spec: ref(DaemonSetSpec, "Desired state of the daemon set."),
  status: ref(DaemonSetStatus, "Observed state of the daemon set."),
});

/**
 * runtime.RawExtension: an embedded JSON object of any shape. No declared fields and no
 * `additionalProperties: false`, so the decoder keeps whatever it holds as it is (a
 * strict decode must not call the fields of a saved patch unknown).
 */
const RawExtension = register(Type.Object({}, { $id: "io.k8s.apimachinery.pkg.runtime.RawExtension", description: "An embedded object of any kind, stored as the JSON it was written as." }));

export const ControllerRevision = resource(`${A}.ControllerRevision`, { group: "apps", version: "v1", kind: "ControllerRevision" }, "An immutable snapshot of the state a controller can roll back to. A DaemonSet keeps one per pod template it has run; `kubectl rollout history` lists them and `kubectl rollout undo` applies one.", {
  data: ref(RawExtension, "The saved state. For a DaemonSet: a strategic merge patch that puts its pod template back, {\"spec\":{\"template\":{\"$patch\":\"replace\", ...}}}. Cannot be changed."),
  revision: reqInt64("Sequence number of the state among its controller's revisions; the highest is the current one. Required, at least 0."),
});
