/**
 * TypeScript types of the API objects, derived from the schemas so the two cannot
 * drift. They describe decoded objects: no nulls, quantities as strings.
 */
import type { Static } from "@sinclair/typebox";
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet } from "./apps.ts";
import type { Job } from "./batch.ts";
import type { EndpointSlice, Lease, RuntimeClass, Scale } from "./cluster.ts";
import type { Container } from "./core-container.ts";
import type { Namespace, Node } from "./core-node.ts";
import type { ConfigMap, Event, Secret, ServiceAccount } from "./core-other.ts";
import type { Pod, PodSpec, PodTemplateSpec } from "./core-pod.ts";
import type { Endpoints, Service } from "./core-service.ts";
import type { LabelSelector } from "./objectmeta.ts";

export type PodObject = Static<typeof Pod>;
export type PodSpecObject = Static<typeof PodSpec>;
export type PodTemplateSpecObject = Static<typeof PodTemplateSpec>;
export type ContainerObject = Static<typeof Container>;
export type LabelSelectorObject = Static<typeof LabelSelector>;
export type NamespaceObject = Static<typeof Namespace>;
export type NodeObject = Static<typeof Node>;
export type ServiceObject = Static<typeof Service>;
export type EndpointsObject = Static<typeof Endpoints>;
export type EventObject = Static<typeof Event>;
export type ServiceAccountObject = Static<typeof ServiceAccount>;
export type SecretObject = Static<typeof Secret>;
export type ConfigMapObject = Static<typeof ConfigMap>;
export type DeploymentObject = Static<typeof Deployment>;
export type ReplicaSetObject = Static<typeof ReplicaSet>;
export type DaemonSetObject = Static<typeof DaemonSet>;
export type ControllerRevisionObject = Static<typeof ControllerRevision>;
export type JobObject = Static<typeof Job>;
export type LeaseObject = Static<typeof Lease>;
export type EndpointSliceObject = Static<typeof EndpointSlice>;
export type RuntimeClassObject = Static<typeof RuntimeClass>;
export type ScaleObject = Static<typeof Scale>;
