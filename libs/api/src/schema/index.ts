/**
 * API object schemas and what is built on them: decoding request bodies,
 * Kubernetes' defaults, validation rules and the OpenAPI v3 documents kubectl reads.
 */
export { decodeObject } from "./decode.ts";
export type { DecodeOptions, DecodeResult } from "./decode.ts";
export { applyDefaults, carryOverAllocated, generateJobSelector, JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL } from "./defaults.ts";
export { defaultPullPolicy } from "./defaults-pod.ts";
export { validateObject } from "./validate.ts";
export { CauseReason } from "./field-errors.ts";
export { openApiDocument, openApiGroupVersions, openApiIndex } from "./openapi.ts";
export type { OpenApiIndex } from "./openapi.ts";
export { SCALE_INFO, schemaForKind } from "./catalog.ts";
export { parseQuantity, isQuantity, QUANTITY_FORMAT_ERROR } from "./quantity.ts";
export { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isLabelValue, isQualifiedName } from "./names.ts";
export { selectorMatches } from "./validate-meta.ts";
export { IntOrString, Quantity, Time } from "./build.ts";
export { LabelSelector, ObjectMeta, OwnerReference } from "./objectmeta.ts";
export { Container, EnvVar, Probe, ResourceRequirements, VolumeMount } from "./core-container.ts";
export { Volume } from "./core-volume.ts";
export { Affinity, Toleration } from "./core-scheduling.ts";
export { Pod, PodSpec, PodStatus, PodTemplateSpec } from "./core-pod.ts";
export { Namespace, Node, Taint } from "./core-node.ts";
export { Endpoints, ObjectReference, Service, ServicePort } from "./core-service.ts";
export { ConfigMap, Event, Secret, ServiceAccount } from "./core-other.ts";
export { ControllerRevision, DaemonSet, Deployment, ReplicaSet } from "./apps.ts";
export { Job } from "./batch.ts";
export { EndpointSlice, Lease, RuntimeClass, Scale } from "./cluster.ts";
export type {
  ConfigMapObject,
  ContainerObject,
  ControllerRevisionObject,
  DaemonSetObject,
  DeploymentObject,
  EndpointSliceObject,
  EndpointsObject,
  EventObject,
  JobObject,
  LabelSelectorObject,
  LeaseObject,
  NamespaceObject,
  NodeObject,
  PodObject,
  PodSpecObject,
  PodTemplateSpecObject,
  ReplicaSetObject,
  RuntimeClassObject,
  ScaleObject,
  SecretObject,
  ServiceAccountObject,
  ServiceObject,
} from "./types.ts";
