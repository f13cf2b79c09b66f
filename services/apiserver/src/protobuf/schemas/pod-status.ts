/**
 * core/v1 Pod and its status.
 * Field tables in the notation described in ../schema.ts.
 */
import type { MessageSource } from "../schema.ts";

/** Field tables, keyed by message name. */
export const POD_STATUS_MESSAGES: MessageSource = {
  Pod: `
    1 metadata ObjectMeta o
    2 spec PodSpec o
    3 status PodStatus o
  `,
  PodStatus: `
    1 phase string o
    2 conditions []PodCondition o
    3 message string o
    4 reason string o
    11 nominatedNodeName string o
    5 hostIP string o
    16 hostIPs []HostIP o
    6 podIP string o
    12 podIPs []PodIP o
    7 startTime *Time o
    10 initContainerStatuses []ContainerStatus o
    8 containerStatuses []ContainerStatus o
    9 qosClass string o
    13 ephemeralContainerStatuses []ContainerStatus o
    14 resize string o
    15 resourceClaimStatuses []PodResourceClaimStatus o
  `,
  PodCondition: `
    1 type string
    2 status string
    3 lastProbeTime Time o
    4 lastTransitionTime Time o
    5 reason string o
    6 message string o
  `,
  HostIP: `
    1 ip string
  `,
  PodIP: `
    1 ip string
  `,
  ContainerStatus: `
    1 name string
    2 state ContainerState o
    3 lastState ContainerState o
    4 ready bool
    5 restartCount int32
    6 image string
    7 imageID string
    8 containerID string o
    9 started *bool o
    10 allocatedResources map[string]Quantity o
    11 resources *ResourceRequirements o
    12 volumeMounts []VolumeMountStatus o
    13 user *ContainerUser o
    14 allocatedResourcesStatus []ResourceStatus o
  `,
  ContainerState: `
    1 waiting *ContainerStateWaiting o
    2 running *ContainerStateRunning o
    3 terminated *ContainerStateTerminated o
  `,
  ContainerStateWaiting: `
    1 reason string o
    2 message string o
  `,
  ContainerStateRunning: `
    1 startedAt Time o
  `,
  ContainerStateTerminated: `
    1 exitCode int32
    2 signal int32 o
    3 reason string o
    4 message string o
    5 startedAt Time o
    6 finishedAt Time o
    7 containerID string o
  `,
  VolumeMountStatus: `
    1 name string
    2 mountPath string
    3 readOnly bool o
    4 recursiveReadOnly *string o
  `,
  ContainerUser: `
    1 linux *LinuxContainerUser o
  `,
  LinuxContainerUser: `
    1 uid int64
    2 gid int64
    3 supplementalGroups []int64 o
  `,
  ResourceStatus: `
    1 name string
    2 resources []ResourceHealth o
  `,
  ResourceHealth: `
    1 resourceID string
    2 health string o
  `,
  PodResourceClaimStatus: `
    1 name string
    2 resourceClaimName *string o
  `,
};
