/**
 * core/v1 PodSpec and containers: what a Deployment, Job or Pod template carries.
 * Field tables in the notation described in ../schema.ts.
 */
import type { MessageSource } from "../schema.ts";

/** Field tables, keyed by message name. */
export const POD_MESSAGES: MessageSource = {
  PodTemplateSpec: `
    1 metadata ObjectMeta o
    2 spec PodSpec o
  `,
  PodSpec: `
    1 volumes []Volume o
    20 initContainers []Container o
    2 containers []Container
    34 ephemeralContainers []EphemeralContainer o
    3 restartPolicy string o
    4 terminationGracePeriodSeconds *int64 o
    5 activeDeadlineSeconds *int64 o
    6 dnsPolicy string o
    7 nodeSelector map[string]string o
    8 serviceAccountName string o
    9 serviceAccount string o
    21 automountServiceAccountToken *bool o
    10 nodeName string o
    11 hostNetwork bool o
    12 hostPID bool o
    13 hostIPC bool o
    27 shareProcessNamespace *bool o
    14 securityContext *PodSecurityContext o
    15 imagePullSecrets []LocalObjectReference o
    16 hostname string o
    17 subdomain string o
    18 affinity *Affinity o
    19 schedulerName string o
    22 tolerations []Toleration o
    23 hostAliases []HostAlias o
    24 priorityClassName string o
    25 priority *int32 o
    26 dnsConfig *PodDNSConfig o
    28 readinessGates []PodReadinessGate o
    29 runtimeClassName *string o
    30 enableServiceLinks *bool o
    31 preemptionPolicy *string o
    32 overhead map[string]Quantity o
    33 topologySpreadConstraints []TopologySpreadConstraint o
    35 setHostnameAsFQDN *bool o
    36 os *PodOS o
    37 hostUsers *bool o
    38 schedulingGates []PodSchedulingGate o
    39 resourceClaims []PodResourceClaim o
    40 resources *ResourceRequirements o
  `,
  Container: `
    1 name string
    2 image string o
    3 command []string o
    4 args []string o
    5 workingDir string o
    6 ports []ContainerPort o
    19 envFrom []EnvFromSource o
    7 env []EnvVar o
    8 resources ResourceRequirements o
    23 resizePolicy []ContainerResizePolicy o
    24 restartPolicy *string o
    9 volumeMounts []VolumeMount o
    21 volumeDevices []VolumeDevice o
    10 livenessProbe *Probe o
    11 readinessProbe *Probe o
    22 startupProbe *Probe o
    12 lifecycle *Lifecycle o
    13 terminationMessagePath string o
    20 terminationMessagePolicy string o
    14 imagePullPolicy string o
    15 securityContext *SecurityContext o
    16 stdin bool o
    17 stdinOnce bool o
    18 tty bool o
  `,
  ContainerPort: `
    1 name string o
    2 hostPort int32 o
    3 containerPort int32
    4 protocol string o
    5 hostIP string o
  `,
  EnvFromSource: `
    1 prefix string o
    2 configMapRef *ConfigMapEnvSource o
    3 secretRef *SecretEnvSource o
  `,
  ConfigMapEnvSource: `
    1 - LocalObjectReference
    2 optional *bool o
  `,
  SecretEnvSource: `
    1 - LocalObjectReference
    2 optional *bool o
  `,
  EnvVar: `
    1 name string
    2 value string o
    3 valueFrom *EnvVarSource o
  `,
  EnvVarSource: `
    1 fieldRef *ObjectFieldSelector o
    2 resourceFieldRef *ResourceFieldSelector o
    3 configMapKeyRef *ConfigMapKeySelector o
    4 secretKeyRef *SecretKeySelector o
  `,
  ObjectFieldSelector: `
    1 apiVersion string o
    2 fieldPath string
  `,
  ResourceFieldSelector: `
    1 containerName string o
    2 resource string
    3 divisor Quantity o
  `,
  ConfigMapKeySelector: `
    1 - LocalObjectReference
    2 key string
    3 optional *bool o
  `,
  SecretKeySelector: `
    1 - LocalObjectReference
    2 key string
    3 optional *bool o
  `,
  ResourceRequirements: `
    1 limits map[string]Quantity o
    2 requests map[string]Quantity o
    3 claims []ResourceClaim o
  `,
  ResourceClaim: `
    1 name string
    2 request string o
  `,
  ContainerResizePolicy: `
    1 resourceName string
    2 restartPolicy string
  `,
  VolumeMount: `
    1 name string
    2 readOnly bool o
    7 recursiveReadOnly *string o
    3 mountPath string
    4 subPath string o
    5 mountPropagation *string o
    6 subPathExpr string o
  `,
  VolumeDevice: `
    1 name string
    2 devicePath string
  `,
  LocalObjectReference: `
    1 name string o
  `,
  HostAlias: `
    1 ip string
    2 hostnames []string o
  `,
  PodDNSConfig: `
    1 nameservers []string o
    2 searches []string o
    3 options []PodDNSConfigOption o
  `,
  PodDNSConfigOption: `
    1 name string o
    2 value *string o
  `,
  PodReadinessGate: `
    1 conditionType string
  `,
  PodOS: `
    1 name string
  `,
  PodSchedulingGate: `
    1 name string
  `,
  PodResourceClaim: `
    1 name string
    3 resourceClaimName *string o
    4 resourceClaimTemplateName *string o
  `,
  EphemeralContainer: `
    1 - Container
    2 targetContainerName string o
  `,
  Sysctl: `
    1 name string
    2 value string
  `,
};
