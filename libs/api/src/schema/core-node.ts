/** core/v1 Node and Namespace. */
import { Pkg, Time, bool, int64, list, quantities, ref, reqInt32, reqStr, str, strList, struct } from "./build.ts";
import { resource } from "./objectmeta.ts";

const C = Pkg.core;

export const Taint = struct(`${C}.Taint`, "Repels pods that do not tolerate it from a node.", {
  key: reqStr("Taint key."),
  value: str("Taint value."),
  effect: reqStr("NoSchedule (no new pods), PreferNoSchedule (avoid if possible) or NoExecute (also evict running pods)."),
  timeAdded: ref(Time, "When a NoExecute taint was added."),
});

const NodeSpec = struct(`${C}.NodeSpec`, "Desired settings of a node.", {
  podCIDR: str("Pod IP range assigned to the node."),
  podCIDRs: { ...strList("Pod IP ranges assigned to the node, at most one per IP family; the first equals podCIDR."), "x-kubernetes-patch-strategy": "merge" },
  providerID: str("ID of the machine in its cloud or VM provider, as <provider>://<id>."),
  unschedulable: bool("When true no new pods are scheduled here (kubectl cordon)."),
  taints: list(Taint, "Taints on the node."),
  externalID: str("Deprecated; unused."),
});

const NodeCondition = struct(`${C}.NodeCondition`, "One aspect of a node's health, e.g. Ready or MemoryPressure.", {
  type: reqStr("Ready, MemoryPressure, DiskPressure, PIDPressure or NetworkUnavailable."),
  status: reqStr("True, False or Unknown."),
  lastHeartbeatTime: ref(Time, "When the kubelet last reported this condition."),
  lastTransitionTime: ref(Time, "When the status last changed."),
  reason: str("One-word CamelCase reason for the last transition."),
  message: str("Human-readable detail."),
});

const NodeAddress = struct(`${C}.NodeAddress`, "An address of the node.", {
  type: reqStr("Hostname, InternalIP, ExternalIP, InternalDNS or ExternalDNS."),
  address: reqStr("The address."),
});

const DaemonEndpoint = struct(`${C}.DaemonEndpoint`, "A port a node daemon listens on.", {
  Port: reqInt32("Port number."),
});

const NodeDaemonEndpoints = struct(`${C}.NodeDaemonEndpoints`, "Ports of the daemons running on the node.", {
  kubeletEndpoint: ref(DaemonEndpoint, "Port of the kubelet."),
});

const NodeSystemInfo = struct(`${C}.NodeSystemInfo`, "Facts about the node's machine and software.", {
  machineID: reqStr("Machine ID (/etc/machine-id)."),
  systemUUID: reqStr("Hardware UUID."),
  bootID: reqStr("ID of the current boot."),
  kernelVersion: reqStr("Kernel version (uname -r)."),
  osImage: reqStr("OS image, e.g. Debian GNU/Linux 12."),
  containerRuntimeVersion: reqStr("Container runtime and version, e.g. containerd://2.0.0."),
  kubeletVersion: reqStr("Kubelet version."),
  kubeProxyVersion: str("Deprecated; kube-proxy version."),
  operatingSystem: reqStr("linux or windows."),
  architecture: reqStr("CPU architecture, e.g. amd64 or arm64."),
  swap: ref(struct(`${C}.NodeSwapStatus`, "Swap on the node.", { capacity: int64("Swap size in bytes.") }), "Swap memory of the node."),
});

const ContainerImage = struct(`${C}.ContainerImage`, "An image present on the node.", {
  names: strList("Names and digests of the image."),
  sizeBytes: int64("Size in bytes."),
});

const AttachedVolume = struct(`${C}.AttachedVolume`, "A volume attached to the node.", {
  name: reqStr("Name of the volume."),
  devicePath: reqStr("Where the device appears on the node."),
});

const NodeRuntimeHandlerFeatures = struct(`${C}.NodeRuntimeHandlerFeatures`, "Optional features a runtime handler supports.", {
  recursiveReadOnlyMounts: bool("Recursive read-only mounts."),
  userNamespaces: bool("User namespaces."),
});

const NodeRuntimeHandler = struct(`${C}.NodeRuntimeHandler`, "A runtime handler available on the node.", {
  name: str("Handler name; empty for the default."),
  features: ref(NodeRuntimeHandlerFeatures, "What it supports."),
});

const NodeFeatures = struct(`${C}.NodeFeatures`, "Optional features the node supports.", {
  supplementalGroupsPolicy: bool("The supplementalGroupsPolicy pod field."),
});

const NodeStatus = struct(`${C}.NodeStatus`, "Observed state of a node, reported by its kubelet.", {
  capacity: quantities("Total resources of the node (cpu, memory, pods, ephemeral-storage, ...)."),
  allocatable: quantities("Resources available to pods after system reservations; defaults to capacity."),
  phase: str("Deprecated; unused."),
  conditions: list(NodeCondition, "Health conditions, including Ready.", { mergeKey: "type" }),
  addresses: list(NodeAddress, "Addresses the node is reachable at.", { mergeKey: "type" }),
  daemonEndpoints: ref(NodeDaemonEndpoints, "Ports of the node's daemons."),
  nodeInfo: ref(NodeSystemInfo, "Machine and software facts."),
  images: list(ContainerImage, "Images present on the node."),
  volumesInUse: strList("Volumes in use (mounted) on the node."),
  volumesAttached: list(AttachedVolume, "Volumes attached to the node."),
  runtimeHandlers: list(NodeRuntimeHandler, "Runtime handlers available."),
  features: ref(NodeFeatures, "Optional features supported."),
});

export const Node = resource(`${C}.Node`, { group: "", version: "v1", kind: "Node" }, "A machine (VM, server or Raspberry Pi) that runs pods; its kubelet registers and reports it.", {
  spec: ref(NodeSpec, "Desired settings of the node."),
  status: ref(NodeStatus, "Observed state; written by the kubelet."),
});

const NamespaceSpec = struct(`${C}.NamespaceSpec`, "Settings of a namespace.", {
  finalizers: strList("Finalizers that must finish before the namespace is removed; defaults to kubernetes, which deletes its contents."),
});

const NamespaceCondition = struct(`${C}.NamespaceCondition`, "One aspect of a namespace's state.", {
  type: reqStr("Condition type, e.g. NamespaceDeletionContentFailure."),
  status: reqStr("True, False or Unknown."),
  lastTransitionTime: ref(Time, "When the status last changed."),
  reason: str("Reason for the last transition."),
  message: str("Human-readable detail."),
});

const NamespaceStatus = struct(`${C}.NamespaceStatus`, "Observed state of a namespace.", {
  phase: str("Active, or Terminating while its contents are deleted."),
  conditions: list(NamespaceCondition, "Conditions of the namespace.", { mergeKey: "type" }),
});

export const Namespace = resource(`${C}.Namespace`, { group: "", version: "v1", kind: "Namespace" }, "A scope for names: most objects live in exactly one namespace, and deleting it deletes them.", {
  spec: ref(NamespaceSpec, "Settings of the namespace."),
  status: ref(NamespaceStatus, "Observed state of the namespace."),
});
