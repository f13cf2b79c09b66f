/**
 * The small groups: coordination.k8s.io Lease, discovery.k8s.io EndpointSlice,
 * node.k8s.io RuntimeClass and autoscaling/v1 Scale (the scale subresource).
 */
import { MicroTime, Pkg, bool, int32, list, listOf, quantities, ref, reqInt32, reqStr, str, strList, strMap, struct } from "./build.ts";
import { Toleration } from "./core-scheduling.ts";
import { ObjectReference } from "./core-service.ts";
import { resource } from "./objectmeta.ts";

const LeaseSpec = struct(`${Pkg.coordination}.LeaseSpec`, "Who holds a lease and until when.", {
  holderIdentity: str("Identity of the current holder."),
  leaseDurationSeconds: int32("Seconds the lease is valid after renewTime; others may take it over afterwards."),
  acquireTime: ref(MicroTime, "When the current holder acquired it."),
  renewTime: ref(MicroTime, "When the current holder last renewed it."),
  leaseTransitions: int32("How many times the lease changed holder."),
  strategy: str("How the next holder is chosen, for coordinated election."),
  preferredHolder: str("Holder the election would like to hand over to."),
});

export const Lease = resource(`${Pkg.coordination}.Lease`, { group: "coordination.k8s.io", version: "v1", kind: "Lease" }, "A lock with an expiry, used for leader election and node heartbeats.", {
  spec: ref(LeaseSpec, "Holder and timing of the lease."),
});

const EndpointConditions = struct(`${Pkg.discovery}.EndpointConditions`, "Readiness of an endpoint.", {
  ready: bool("Ready to receive traffic (serving and not terminating)."),
  serving: bool("Passing readiness checks, even if terminating."),
  terminating: bool("Being shut down."),
});

const ForZone = struct(`${Pkg.discovery}.ForZone`, "A zone that should use an endpoint.", { name: reqStr("Zone name.") });
const ForNode = struct(`${Pkg.discovery}.ForNode`, "A node that should use an endpoint.", { name: reqStr("Node name.") });

const EndpointHints = struct(`${Pkg.discovery}.EndpointHints`, "Where an endpoint should preferably be used from.", {
  forZones: list(ForZone, "Zones that should use it."),
  forNodes: list(ForNode, "Nodes that should use it."),
});

const Endpoint = struct(`${Pkg.discovery}.Endpoint`, "One backend of a service: a pod's addresses and state.", {
  addresses: { ...strList("IP addresses (or one FQDN) of the endpoint, all of the slice's address type."), "x-kubernetes-list-type": "set" },
  conditions: ref(EndpointConditions, "Readiness of the endpoint."),
  hostname: str("Host name of the endpoint."),
  targetRef: ref(ObjectReference, "Object behind the endpoint, usually a pod."),
  deprecatedTopology: strMap("Deprecated topology labels."),
  nodeName: str("Node hosting the endpoint."),
  zone: str("Zone of the endpoint."),
  hints: ref(EndpointHints, "Routing hints."),
});

const DiscoveryEndpointPort = struct(`${Pkg.discovery}.EndpointPort`, "A port served by every endpoint of the slice.", {
  name: str("Name matching the service port."),
  protocol: str("TCP (default), UDP or SCTP."),
  port: int32("Port number; unset means all ports."),
  appProtocol: str("Application protocol hint."),
});

export const EndpointSlice = resource(`${Pkg.discovery}.EndpointSlice`, { group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice" }, "A subset of the endpoints behind a service; a service may have several slices.", {
  addressType: reqStr("IPv4, IPv6 or FQDN; every address in the slice is of this type. Cannot be changed."),
  endpoints: listOf(Endpoint, "The endpoints; at most 1000."),
  ports: list(DiscoveryEndpointPort, "Ports served by every endpoint."),
});

const Overhead = struct(`${Pkg.node}.Overhead`, "Resources the runtime adds to every pod.", {
  podFixed: quantities("Fixed overhead per pod."),
});

const Scheduling = struct(`${Pkg.node}.Scheduling`, "Where pods of a runtime class may run.", {
  nodeSelector: strMap("Labels of nodes that support the runtime; merged into the pod's nodeSelector."),
  tolerations: list(Toleration, "Tolerations added to pods of the class."),
});

export const RuntimeClass = resource(`${Pkg.node}.RuntimeClass`, { group: "node.k8s.io", version: "v1", kind: "RuntimeClass" }, "A container runtime configuration pods can select with runtimeClassName.", {
  handler: reqStr("Name of the runtime handler on the node, a DNS label; cannot be changed."),
  overhead: ref(Overhead, "Resources the runtime adds to each pod."),
  scheduling: ref(Scheduling, "Nodes that support the runtime."),
});

const ScaleSpec = struct(`${Pkg.autoscaling}.ScaleSpec`, "Desired size.", {
  replicas: int32("Number of replicas wanted."),
});

const ScaleStatus = struct(`${Pkg.autoscaling}.ScaleStatus`, "Observed size.", {
  replicas: reqInt32("Number of replicas currently observed."),
  selector: str("Label selector of the pods, in query string form."),
});

export const Scale = resource(`${Pkg.autoscaling}.Scale`, { group: "autoscaling", version: "v1", kind: "Scale" }, "The replica count of a scalable resource, read and written through its scale subresource.", {
  spec: ref(ScaleSpec, "Desired size."),
  status: ref(ScaleStatus, "Observed size."),
});
