/** core/v1 Pod: its spec, status and the template controllers stamp pods from. */
import { Pkg, Time, bool, int32, int64, int64Item, list, listOf, quantities, ref, reqBool, reqInt32, reqStr, str, strMap, struct } from "./build.ts";
import { AppArmorProfile, Container, ResourceRequirements, SELinuxOptions, SeccompProfile, WindowsSecurityContextOptions } from "./core-container.ts";
import { Affinity, HostAlias, PodDNSConfig, PodOS, PodReadinessGate, PodSchedulingGate, Toleration, TopologySpreadConstraint } from "./core-scheduling.ts";
import { LocalObjectReference, Volume } from "./core-volume.ts";
import { ObjectMeta, resource } from "./objectmeta.ts";

const C = Pkg.core;

const Sysctl = struct(`${C}.Sysctl`, "A kernel parameter set for the pod.", {
  name: reqStr("Name of the parameter, e.g. net.core.somaxconn."),
  value: reqStr("Value to set."),
});

const PodSecurityContext = struct(`${C}.PodSecurityContext`, "Security settings applied to every container of the pod, unless a container overrides them.", {
  seLinuxOptions: ref(SELinuxOptions, "SELinux context for all containers."),
  windowsOptions: ref(WindowsSecurityContextOptions, "Windows-only settings."),
  runAsUser: int64("UID the containers' entrypoints run as."),
  runAsGroup: int64("Primary GID the containers' entrypoints run as."),
  runAsNonRoot: bool("Refuse to start containers that would run as UID 0."),
  supplementalGroups: list(int64Item(), "Extra GIDs given to every container process."),
  supplementalGroupsPolicy: str("Merge (default) adds groups from the image's /etc/group; Strict uses only the listed ones."),
  fsGroup: int64("GID that owns mounted volumes and is added to every process."),
  sysctls: list(Sysctl, "Namespaced kernel parameters to set."),
  fsGroupChangePolicy: str("OnRootMismatch or Always: when volume ownership is changed to fsGroup."),
  seccompProfile: ref(SeccompProfile, "Seccomp profile for all containers."),
  appArmorProfile: ref(AppArmorProfile, "AppArmor profile for all containers."),
  seLinuxChangePolicy: str("Recursive or MountOption: how SELinux labels are applied to volumes."),
});

export const PodSpec = struct(`${C}.PodSpec`, "What a pod runs and how: containers, volumes, scheduling and restart behaviour.", {
  volumes: list(Volume, "Volumes the containers can mount.", { mergeKey: "name", strategy: "merge,retainKeys" }),
  initContainers: list(Container, "Containers run one after another, each to completion, before the main containers start.", { mergeKey: "name" }),
  containers: listOf(Container, "The main containers; at least one. They cannot be added or removed after creation.", { mergeKey: "name" }),
  restartPolicy: str("When containers are restarted: Always (default), OnFailure or Never."),
  terminationGracePeriodSeconds: int64("Seconds between the stop signal and a forced kill when the pod is deleted. Defaults to 30."),
  activeDeadlineSeconds: int64("Seconds the pod may run before the kubelet fails it; a positive number."),
  dnsPolicy: str("How DNS is set up: ClusterFirst (default), ClusterFirstWithHostNet, Default (the node's) or None (only dnsConfig)."),
  nodeSelector: strMap("Labels a node must have for the pod to be scheduled on it."),
  serviceAccountName: str("Service account the pod runs as; defaults to default."),
  serviceAccount: str("Deprecated alias of serviceAccountName."),
  automountServiceAccountToken: bool("Whether the service account token is mounted into the containers."),
  nodeName: str("Node the pod runs on. Set by the scheduler; setting it yourself bypasses scheduling."),
  hostNetwork: bool("Use the node's network namespace; container ports are then node ports."),
  hostPID: bool("Use the node's process namespace."),
  hostIPC: bool("Use the node's IPC namespace."),
  shareProcessNamespace: bool("Put all containers in one process namespace so they can see each other's processes."),
  securityContext: ref(PodSecurityContext, "Pod-wide security settings. Defaults to empty."),
  imagePullSecrets: list(LocalObjectReference, "Secrets with registry credentials for pulling the images.", { mergeKey: "name" }),
  hostname: str("Host name of the pod; defaults to the pod name."),
  subdomain: str("With a headless service of this name, gives the pod the DNS name <hostname>.<subdomain>.<namespace>.svc."),
  affinity: ref(Affinity, "Node and pod affinity rules."),
  schedulerName: str("Scheduler that places the pod. Defaults to default-scheduler."),
  tolerations: list(Toleration, "Taints the pod tolerates."),
  hostAliases: list(HostAlias, "Extra /etc/hosts entries.", { mergeKey: "ip" }),
  priorityClassName: str("PriorityClass giving the pod its priority."),
  priority: int32("Scheduling priority; higher goes first and may preempt lower. Filled from priorityClassName; defaults to 0."),
  dnsConfig: ref(PodDNSConfig, "Extra DNS settings."),
  readinessGates: list(PodReadinessGate, "Extra conditions required for readiness."),
  runtimeClassName: str("RuntimeClass selecting the container runtime handler."),
  enableServiceLinks: bool("Inject environment variables describing the services in the namespace. Defaults to true."),
  preemptionPolicy: str("PreemptLowerPriority (default) or Never."),
  overhead: quantities("Resources the runtime itself uses for this pod; set from the RuntimeClass."),
  topologySpreadConstraints: list(TopologySpreadConstraint, "How matching pods are spread across zones, nodes or other domains.", { mergeKey: "topologyKey" }),
  setHostnameAsFQDN: bool("Make the pod's host name its fully qualified domain name."),
  os: ref(PodOS, "Operating system the pod needs."),
  hostUsers: bool("Use the host's user namespace (default true); false runs the pod in its own."),
  schedulingGates: list(PodSchedulingGate, "Gates that must all be removed before the pod is scheduled.", { mergeKey: "name" }),
  resources: ref(ResourceRequirements, "Resources for the pod as a whole, shared by its containers."),
});

export const PodCondition = struct(`${C}.PodCondition`, "One aspect of the pod's state, e.g. Ready or PodScheduled.", {
  type: reqStr("Condition type: PodScheduled, Initialized, ContainersReady, Ready, PodReadyToStartContainers, ..."),
  status: reqStr("True, False or Unknown."),
  observedGeneration: int64("Pod generation the condition was computed for."),
  lastProbeTime: ref(Time, "When the condition was last checked."),
  lastTransitionTime: ref(Time, "When the status last changed."),
  reason: str("One-word CamelCase reason for the last transition."),
  message: str("Human-readable detail."),
});

const ContainerStateWaiting = struct(`${C}.ContainerStateWaiting`, "The container is not running yet.", {
  reason: str("Why, e.g. ContainerCreating, ImagePullBackOff, CrashLoopBackOff."),
  message: str("Detail."),
});

const ContainerStateRunning = struct(`${C}.ContainerStateRunning`, "The container is running.", {
  startedAt: ref(Time, "When it last started."),
});

const ContainerStateTerminated = struct(`${C}.ContainerStateTerminated`, "The container has exited.", {
  exitCode: reqInt32("Exit status of the last run."),
  signal: int32("Signal that stopped it, if any."),
  reason: str("Why, e.g. Completed, Error, OOMKilled."),
  message: str("Detail, e.g. the termination message."),
  startedAt: ref(Time, "When the run started."),
  finishedAt: ref(Time, "When the run ended."),
  containerID: str("Runtime ID of the container, as <runtime>://<id>."),
});

const ContainerState = struct(`${C}.ContainerState`, "Exactly one of waiting, running or terminated.", {
  waiting: ref(ContainerStateWaiting, "Not started yet."),
  running: ref(ContainerStateRunning, "Running."),
  terminated: ref(ContainerStateTerminated, "Exited."),
});

export const ContainerStatus = struct(`${C}.ContainerStatus`, "What the kubelet last observed about one container.", {
  name: reqStr("Container name."),
  state: ref(ContainerState, "Current state."),
  lastState: ref(ContainerState, "State of the previous run, for restarted containers."),
  ready: reqBool("Whether the readiness probe passes."),
  restartCount: reqInt32("How many times the container has been restarted."),
  image: reqStr("Image the container runs."),
  imageID: reqStr("Resolved image ID (usually a digest)."),
  containerID: str("Runtime ID of the container, as <runtime>://<id>."),
  started: bool("Whether the startup probe has passed (true when there is none and the container started)."),
  allocatedResources: quantities("Resources allocated to the container on the node."),
  resources: ref(ResourceRequirements, "Resources actually configured in the runtime."),
});

const PodIP = struct(`${C}.PodIP`, "One IP address of the pod.", {
  ip: reqStr("The address."),
});

const HostIP = struct(`${C}.HostIP`, "One IP address of the pod's node.", {
  ip: reqStr("The address."),
});

export const PodStatus = struct(`${C}.PodStatus`, "Observed state of a pod, reported by the kubelet and the scheduler.", {
  observedGeneration: int64("Pod generation this status reflects."),
  phase: str("Lifecycle summary: Pending, Running, Succeeded, Failed or Unknown."),
  conditions: list(PodCondition, "Detailed conditions such as Ready.", { mergeKey: "type" }),
  message: str("Human-readable detail about the pod's state."),
  reason: str("Short reason for the state, e.g. Evicted."),
  nominatedNodeName: str("Node the pod is expected to land on after preemption."),
  hostIP: str("Primary IP address of the node running the pod."),
  hostIPs: list(HostIP, "All IP addresses of the node.", { mergeKey: "ip" }),
  podIP: str("Primary IP address of the pod."),
  podIPs: list(PodIP, "All IP addresses of the pod (one per family); the first equals podIP.", { mergeKey: "ip" }),
  startTime: ref(Time, "When the kubelet accepted the pod."),
  initContainerStatuses: list(ContainerStatus, "Status of each init container."),
  containerStatuses: list(ContainerStatus, "Status of each main container."),
  ephemeralContainerStatuses: list(ContainerStatus, "Status of each ephemeral container."),
  qosClass: str("Quality of service class from the resource settings: Guaranteed, Burstable or BestEffort."),
  resize: str("Progress of an in-place resize."),
});

export const PodTemplateSpec = struct(`${C}.PodTemplateSpec`, "The pods a controller creates: their metadata and spec.", {
  metadata: ref(ObjectMeta, "Labels and annotations given to each pod; the labels must match the controller's selector."),
  spec: ref(PodSpec, "Spec of each pod."),
});

export const Pod = resource(`${C}.Pod`, { group: "", version: "v1", kind: "Pod" }, "A group of containers scheduled together on one node, sharing network and volumes.", {
  spec: ref(PodSpec, "Desired behaviour of the pod."),
  status: ref(PodStatus, "Observed state of the pod; written by the system."),
});
