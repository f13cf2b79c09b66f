/**
 * apps/v1 Deployment, ReplicaSet and DaemonSet.
 * Field tables in the notation described in ../schema.ts.
 */
import type { MessageSource } from "../schema.ts";

/** Field tables, keyed by message name. */
export const APPS_MESSAGES: MessageSource = {
  Deployment: `
    1 metadata ObjectMeta o
    2 spec DeploymentSpec o
    3 status DeploymentStatus o
  `,
  DeploymentSpec: `
    1 replicas *int32 o
    2 selector *LabelSelector
    3 template PodTemplateSpec
    4 strategy DeploymentStrategy o
    5 minReadySeconds int32 o
    6 revisionHistoryLimit *int32 o
    7 paused bool o
    9 progressDeadlineSeconds *int32 o
  `,
  DeploymentStrategy: `
    1 type string o
    2 rollingUpdate *RollingUpdateDeployment o
  `,
  RollingUpdateDeployment: `
    1 maxUnavailable *IntOrString o
    2 maxSurge *IntOrString o
  `,
  DeploymentStatus: `
    1 observedGeneration int64 o
    2 replicas int32 o
    3 updatedReplicas int32 o
    7 readyReplicas int32 o
    4 availableReplicas int32 o
    5 unavailableReplicas int32 o
    6 conditions []DeploymentCondition o
    8 collisionCount *int32 o
  `,
  DeploymentCondition: `
    1 type string
    2 status string
    6 lastUpdateTime Time o
    7 lastTransitionTime Time o
    4 reason string o
    5 message string o
  `,
  ReplicaSet: `
    1 metadata ObjectMeta o
    2 spec ReplicaSetSpec o
    3 status ReplicaSetStatus o
  `,
  ReplicaSetSpec: `
    1 replicas *int32 o
    4 minReadySeconds int32 o
    2 selector *LabelSelector
    3 template PodTemplateSpec o
  `,
  ReplicaSetStatus: `
    1 replicas int32
    2 fullyLabeledReplicas int32 o
    4 readyReplicas int32 o
    5 availableReplicas int32 o
    3 observedGeneration int64 o
    6 conditions []ReplicaSetCondition o
  `,
  ReplicaSetCondition: `
    1 type string
    2 status string
    3 lastTransitionTime Time o
    4 reason string o
    5 message string o
  `,
  DaemonSet: `
    1 metadata ObjectMeta o
    2 spec DaemonSetSpec o
    3 status DaemonSetStatus o
  `,
  DaemonSetSpec: `
    1 selector *LabelSelector
    2 template PodTemplateSpec
    3 updateStrategy DaemonSetUpdateStrategy o
    4 minReadySeconds int32 o
    6 revisionHistoryLimit *int32 o
  `,
  DaemonSetUpdateStrategy: `
    1 type string o
    2 rollingUpdate *RollingUpdateDaemonSet o
  `,
  RollingUpdateDaemonSet: `
    1 maxUnavailable *IntOrString o
    2 maxSurge *IntOrString o
  `,
  DaemonSetStatus: `
    1 currentNumberScheduled int32
    2 numberMisscheduled int32
    3 desiredNumberScheduled int32
    4 numberReady int32
    5 observedGeneration int64 o
    6 updatedNumberScheduled int32 o
    7 numberAvailable int32 o
    8 numberUnavailable int32 o
    9 collisionCount *int32 o
    10 conditions []DaemonSetCondition o
  `,
  DaemonSetCondition: `
    1 type string
    2 status string
    3 lastTransitionTime Time o
    4 reason string o
    5 message string o
  `,
};
