/**
 * core/v1 probes, lifecycle hooks and security contexts.
 * Field tables in the notation described in ../schema.ts.
 */
import type { MessageSource } from "../schema.ts";

/** Field tables, keyed by message name. */
export const POD_BEHAVIOUR_MESSAGES: MessageSource = {
  Probe: `
    1 - ProbeHandler
    2 initialDelaySeconds int32 o
    3 timeoutSeconds int32 o
    4 periodSeconds int32 o
    5 successThreshold int32 o
    6 failureThreshold int32 o
    7 terminationGracePeriodSeconds *int64 o
  `,
  ProbeHandler: `
    1 exec *ExecAction o
    2 httpGet *HTTPGetAction o
    3 tcpSocket *TCPSocketAction o
    4 grpc *GRPCAction o
  `,
  ExecAction: `
    1 command []string o
  `,
  HTTPGetAction: `
    1 path string o
    2 port IntOrString
    3 host string o
    4 scheme string o
    5 httpHeaders []HTTPHeader o
  `,
  HTTPHeader: `
    1 name string
    2 value string
  `,
  TCPSocketAction: `
    1 port IntOrString
    2 host string o
  `,
  GRPCAction: `
    1 port int32
    2 service *string
  `,
  Lifecycle: `
    1 postStart *LifecycleHandler o
    2 preStop *LifecycleHandler o
  `,
  LifecycleHandler: `
    1 exec *ExecAction o
    2 httpGet *HTTPGetAction o
    3 tcpSocket *TCPSocketAction o
    4 sleep *SleepAction o
  `,
  SleepAction: `
    1 seconds int64
  `,
  SecurityContext: `
    1 capabilities *Capabilities o
    2 privileged *bool o
    3 seLinuxOptions *SELinuxOptions o
    10 windowsOptions *WindowsSecurityContextOptions o
    4 runAsUser *int64 o
    8 runAsGroup *int64 o
    5 runAsNonRoot *bool o
    6 readOnlyRootFilesystem *bool o
    7 allowPrivilegeEscalation *bool o
    9 procMount *string o
    11 seccompProfile *SeccompProfile o
    12 appArmorProfile *AppArmorProfile o
  `,
  Capabilities: `
    1 add []string o
    2 drop []string o
  `,
  SELinuxOptions: `
    1 user string o
    2 role string o
    3 type string o
    4 level string o
  `,
  WindowsSecurityContextOptions: `
    1 gmsaCredentialSpecName *string o
    2 gmsaCredentialSpec *string o
    3 runAsUserName *string o
    4 hostProcess *bool o
  `,
  SeccompProfile: `
    1 type string
    2 localhostProfile *string o
  `,
  AppArmorProfile: `
    1 type string
    2 localhostProfile *string o
  `,
  PodSecurityContext: `
    1 seLinuxOptions *SELinuxOptions o
    8 windowsOptions *WindowsSecurityContextOptions o
    2 runAsUser *int64 o
    6 runAsGroup *int64 o
    3 runAsNonRoot *bool o
    4 supplementalGroups []int64 o
    12 supplementalGroupsPolicy *string o
    5 fsGroup *int64 o
    7 sysctls []Sysctl o
    9 fsGroupChangePolicy *string o
    10 seccompProfile *SeccompProfile o
    11 appArmorProfile *AppArmorProfile o
    13 seLinuxChangePolicy *string o
  `,
};
