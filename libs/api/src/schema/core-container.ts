/** core/v1 Container and what it is made of: ports, env, resources, mounts, probes, hooks, security. */
import { IntOrString, Pkg, Quantity, bool, describe, int32, int64, list, quantities, ref, reqInt32, reqStr, str, strList, struct } from "./build.ts";

const C = Pkg.core;

export const ContainerPort = struct(`${C}.ContainerPort`, "A network port a container listens on.", {
  name: str("Optional name for the port (an IANA service name: at most 15 lowercase letters, digits and hyphens). Services can target the port by this name."),
  containerPort: reqInt32("Port number the process listens on, 1-65535."),
  protocol: str("TCP (default), UDP or SCTP."),
  hostPort: int32("Port to expose on the node as well; 0 or unset means none. Most workloads should not need it."),
  hostIP: str("Node IP address the host port binds to."),
});

const ConfigMapKeySelector = struct(`${C}.ConfigMapKeySelector`, "One key of a ConfigMap.", {
  name: str("Name of the ConfigMap in the pod's namespace."),
  key: reqStr("Key whose value is used."),
  optional: bool("When true, a missing ConfigMap or key is not an error."),
});

const SecretKeySelector = struct(`${C}.SecretKeySelector`, "One key of a Secret.", {
  name: str("Name of the Secret in the pod's namespace."),
  key: reqStr("Key whose value is used."),
  optional: bool("When true, a missing Secret or key is not an error."),
});

export const ObjectFieldSelector = struct(`${C}.ObjectFieldSelector`, "A field of the pod itself, e.g. metadata.name or status.podIP.", {
  apiVersion: str("Version the field path is written against; defaults to v1."),
  fieldPath: reqStr("Path of the field, e.g. metadata.namespace, metadata.labels['app'], spec.nodeName, status.podIP."),
});

export const ResourceFieldSelector = struct(`${C}.ResourceFieldSelector`, "A container's resource request or limit, e.g. limits.memory.", {
  containerName: str("Container whose resources are read; required for volumes, optional for env."),
  resource: reqStr("Which value: limits.cpu, limits.memory, requests.cpu, requests.memory, limits.ephemeral-storage or requests.ephemeral-storage."),
  divisor: ref(Quantity, "Unit the value is expressed in (e.g. 1Mi); defaults to 1."),
});

const EnvVarSource = struct(`${C}.EnvVarSource`, "Where an environment variable's value comes from; exactly one source is set.", {
  fieldRef: ref(ObjectFieldSelector, "A field of the pod."),
  resourceFieldRef: ref(ResourceFieldSelector, "A resource request or limit of a container."),
  configMapKeyRef: ref(ConfigMapKeySelector, "A key of a ConfigMap."),
  secretKeyRef: ref(SecretKeySelector, "A key of a Secret."),
});

export const EnvVar = struct(`${C}.EnvVar`, "An environment variable set in a container.", {
  name: reqStr("Variable name."),
  value: str("Literal value. $(VAR) references to earlier variables are expanded; $$ escapes a dollar sign."),
  valueFrom: ref(EnvVarSource, "Takes the value from elsewhere instead of value."),
});

const ConfigMapEnvSource = struct(`${C}.ConfigMapEnvSource`, "A ConfigMap whose keys all become environment variables.", {
  name: str("Name of the ConfigMap."),
  optional: bool("When true, a missing ConfigMap is not an error."),
});

const SecretEnvSource = struct(`${C}.SecretEnvSource`, "A Secret whose keys all become environment variables.", {
  name: str("Name of the Secret."),
  optional: bool("When true, a missing Secret is not an error."),
});

export const EnvFromSource = struct(`${C}.EnvFromSource`, "Imports every key of a ConfigMap or Secret as environment variables.", {
  prefix: str("String put in front of every imported key."),
  configMapRef: ref(ConfigMapEnvSource, "The ConfigMap to import."),
  secretRef: ref(SecretEnvSource, "The Secret to import."),
});

const ResourceClaim = struct(`${C}.ResourceClaim`, "A dynamic resource claim used by the container.", {
  name: reqStr("Name of an entry in the pod's resourceClaims."),
  request: str("Name of a request within that claim."),
});

export const ResourceRequirements = struct(`${C}.ResourceRequirements`, "Compute resources a container asks for (requests) and may not exceed (limits).", {
  limits: quantities("Most the container may use, by resource name (cpu, memory, ephemeral-storage, ...)."),
  requests: quantities("What the scheduler reserves for the container; defaults to the limit when only a limit is given. May not exceed the limit."),
  claims: list(ResourceClaim, "Dynamic resource claims the container uses."),
});

export const VolumeMount = struct(`${C}.VolumeMount`, "Mounts a pod volume into a container's filesystem.", {
  name: reqStr("Name of a volume in the pod's volumes list."),
  mountPath: reqStr("Absolute path in the container where the volume appears; must not contain ':'."),
  readOnly: bool("Mount read-only when true."),
  subPath: str("Mount only this path within the volume instead of its root."),
  subPathExpr: str("Like subPath but expands $(VAR) from the container's environment."),
  mountPropagation: str("How mounts propagate between host and container: None, HostToContainer or Bidirectional."),
  recursiveReadOnly: str("Whether read-only applies to submounts too: Disabled, IfPossible or Enabled."),
});

const VolumeDevice = struct(`${C}.VolumeDevice`, "Exposes a raw block volume as a device in the container.", {
  name: reqStr("Name of a persistentVolumeClaim volume of the pod."),
  devicePath: reqStr("Path of the device inside the container."),
});

const ExecAction = struct(`${C}.ExecAction`, "Runs a command inside the container; exit status 0 means success.", {
  command: strList("Command and arguments, run directly (not in a shell)."),
});

const HTTPHeader = struct(`${C}.HTTPHeader`, "An HTTP header to send.", {
  name: reqStr("Header name."),
  value: reqStr("Header value."),
});

const HTTPGetAction = struct(`${C}.HTTPGetAction`, "Sends an HTTP GET; a status from 200 to 399 means success.", {
  path: str("Request path; defaults to /."),
  port: describe(IntOrString, "Port number or container port name to connect to."),
  host: str("Host to connect to; defaults to the pod IP."),
  scheme: str("HTTP (default) or HTTPS."),
  httpHeaders: list(HTTPHeader, "Extra request headers."),
});

const TCPSocketAction = struct(`${C}.TCPSocketAction`, "Opens a TCP connection; success if it connects.", {
  port: describe(IntOrString, "Port number or container port name."),
  host: str("Host to connect to; defaults to the pod IP."),
});

const GRPCAction = struct(`${C}.GRPCAction`, "Calls the standard gRPC health checking service.", {
  port: reqInt32("Port number of the gRPC service."),
  service: str("Service name placed in the health check request; empty checks the server as a whole."),
});

export const Probe = struct(`${C}.Probe`, "A periodic health check of a container: exactly one of exec, httpGet, tcpSocket or grpc, with its timing.", {
  exec: ref(ExecAction, "Run a command in the container."),
  httpGet: ref(HTTPGetAction, "Make an HTTP GET request."),
  tcpSocket: ref(TCPSocketAction, "Open a TCP connection."),
  grpc: ref(GRPCAction, "Call the gRPC health service."),
  initialDelaySeconds: int32("Seconds after the container starts before the first check."),
  timeoutSeconds: int32("Seconds before a check times out. Defaults to 1."),
  periodSeconds: int32("Seconds between checks. Defaults to 10."),
  successThreshold: int32("Consecutive successes needed to count as healthy after a failure. Defaults to 1; must be 1 for liveness and startup probes."),
  failureThreshold: int32("Consecutive failures needed to count as unhealthy. Defaults to 3."),
  terminationGracePeriodSeconds: int64("Grace period used when a failing probe kills the container, overriding the pod's."),
});

const SleepAction = struct(`${C}.SleepAction`, "Waits for a number of seconds.", {
  seconds: int64("Seconds to sleep."),
});

const LifecycleHandler = struct(`${C}.LifecycleHandler`, "Action run at a lifecycle event: exactly one of exec, httpGet, tcpSocket or sleep.", {
  exec: ref(ExecAction, "Run a command in the container."),
  httpGet: ref(HTTPGetAction, "Make an HTTP GET request."),
  tcpSocket: ref(TCPSocketAction, "Deprecated; kept for compatibility."),
  sleep: ref(SleepAction, "Wait before continuing."),
});

const Lifecycle = struct(`${C}.Lifecycle`, "Hooks run when a container starts and before it stops.", {
  postStart: ref(LifecycleHandler, "Run right after the container is created; the container is restarted if it fails."),
  preStop: ref(LifecycleHandler, "Run before the container is stopped; the grace period keeps counting meanwhile."),
  stopSignal: str("Signal sent to stop the container, e.g. SIGTERM."),
});

const Capabilities = struct(`${C}.Capabilities`, "Linux capabilities to add to or drop from the container's default set.", {
  add: strList("Capabilities to add, e.g. NET_ADMIN."),
  drop: strList("Capabilities to drop, e.g. ALL."),
});

export const SELinuxOptions = struct(`${C}.SELinuxOptions`, "SELinux label applied to the container.", {
  user: str("SELinux user."),
  role: str("SELinux role."),
  type: str("SELinux type."),
  level: str("SELinux level."),
});

export const SeccompProfile = struct(`${C}.SeccompProfile`, "Seccomp filter applied to the process.", {
  type: reqStr("RuntimeDefault, Unconfined or Localhost."),
  localhostProfile: str("Path of a profile on the node, for type Localhost."),
});

export const AppArmorProfile = struct(`${C}.AppArmorProfile`, "AppArmor profile applied to the process.", {
  type: reqStr("RuntimeDefault, Unconfined or Localhost."),
  localhostProfile: str("Name of a profile loaded on the node, for type Localhost."),
});

export const WindowsSecurityContextOptions = struct(`${C}.WindowsSecurityContextOptions`, "Windows-only security settings.", {
  gmsaCredentialSpecName: str("Name of the GMSA credential spec to use."),
  gmsaCredentialSpec: str("Inline GMSA credential spec."),
  runAsUserName: str("Windows user to run the entrypoint as."),
  hostProcess: bool("Run as a Windows host process."),
});

const SecurityContext = struct(`${C}.SecurityContext`, "Security settings of one container; they override the pod's where both are set.", {
  capabilities: ref(Capabilities, "Linux capabilities to add or drop."),
  privileged: bool("Run with full access to the host's devices; equivalent to root on the host."),
  seLinuxOptions: ref(SELinuxOptions, "SELinux context of the container."),
  windowsOptions: ref(WindowsSecurityContextOptions, "Windows-only settings."),
  runAsUser: int64("UID the entrypoint runs as."),
  runAsGroup: int64("Primary GID the entrypoint runs as."),
  runAsNonRoot: bool("Refuse to start the container if it would run as UID 0."),
  readOnlyRootFilesystem: bool("Mount the container's root filesystem read-only."),
  allowPrivilegeEscalation: bool("Whether a process may gain more privileges than its parent (no_new_privs)."),
  procMount: str("Default or Unmasked /proc."),
  seccompProfile: ref(SeccompProfile, "Seccomp profile of the container."),
  appArmorProfile: ref(AppArmorProfile, "AppArmor profile of the container."),
});

const ContainerResizePolicy = struct(`${C}.ContainerResizePolicy`, "How a container reacts when one of its resources is resized in place.", {
  resourceName: reqStr("cpu or memory."),
  restartPolicy: reqStr("NotRequired or RestartContainer."),
});

export const Container = struct(`${C}.Container`, "One container of a pod: the image to run and how to run it.", {
  name: reqStr("Name of the container, unique within the pod; a DNS label."),
  image: str("Container image reference, e.g. nginx:1.27 or registry.example.com/app@sha256:...; required for pods."),
  command: strList("Entrypoint, replacing the image's ENTRYPOINT; not run in a shell. $(VAR) references are expanded."),
  args: strList("Arguments, replacing the image's CMD. $(VAR) references are expanded."),
  workingDir: str("Working directory; defaults to the image's."),
  ports: list(ContainerPort, "Ports the container exposes; informational, but named ports can be targeted by services and probes.", { mergeKey: "containerPort" }),
  envFrom: list(EnvFromSource, "ConfigMaps and Secrets whose keys all become environment variables; env entries win on conflicts."),
  env: list(EnvVar, "Environment variables to set.", { mergeKey: "name" }),
  resources: ref(ResourceRequirements, "CPU, memory and other resources requested and limited."),
  resizePolicy: list(ContainerResizePolicy, "What happens when resources are resized in place."),
  restartPolicy: str("Only for init containers: Always makes it a sidecar that keeps running beside the main containers."),
  volumeMounts: list(VolumeMount, "Volumes mounted into the container.", { mergeKey: "mountPath" }),
  volumeDevices: list(VolumeDevice, "Block volumes exposed as devices.", { mergeKey: "devicePath" }),
  livenessProbe: ref(Probe, "Restarts the container when it fails."),
  readinessProbe: ref(Probe, "Removes the pod from service endpoints while it fails."),
  startupProbe: ref(Probe, "Holds off the other probes until it succeeds once; the container is restarted if it fails."),
  lifecycle: ref(Lifecycle, "Hooks run after start and before stop."),
  terminationMessagePath: str("File whose contents become the termination message. Defaults to /dev/termination-log."),
  terminationMessagePolicy: str("File (default) reads the message file only; FallbackToLogsOnError uses the log tail when the file is empty and the container failed."),
  imagePullPolicy: str("Always, IfNotPresent or Never. Defaults to Always for a :latest or untagged image, otherwise IfNotPresent."),
  securityContext: ref(SecurityContext, "Security settings for this container."),
  stdin: bool("Keep a stdin buffer open for the container."),
  stdinOnce: bool("Close stdin after the first attached client disconnects."),
  tty: bool("Allocate a terminal; needs stdin."),
});
