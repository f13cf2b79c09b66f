/**
 * core/v1 Namespace, ConfigMap, Secret, ServiceAccount, Service and ResourceQuota.
 * Field tables in the notation described in ../schema.ts.
 */
import type { MessageSource } from "../schema.ts";

/** Field tables, keyed by message name. */
export const CORE_MESSAGES: MessageSource = {
  Namespace: `
    1 metadata ObjectMeta o
    2 spec NamespaceSpec o
    3 status NamespaceStatus o
  `,
  NamespaceSpec: `
    1 finalizers []string o
  `,
  NamespaceStatus: `
    1 phase string o
    2 conditions []NamespaceCondition o
  `,
  NamespaceCondition: `
    1 type string
    2 status string
    4 lastTransitionTime Time o
    5 reason string o
    6 message string o
  `,
  ConfigMap: `
    1 metadata ObjectMeta o
    4 immutable *bool o
    2 data map[string]string o
    3 binaryData map[string]bytes o
  `,
  Secret: `
    1 metadata ObjectMeta o
    5 immutable *bool o
    2 data map[string]bytes o
    4 stringData map[string]string o
    3 type string o
  `,
  ServiceAccount: `
    1 metadata ObjectMeta o
    2 secrets []ObjectReference o
    3 imagePullSecrets []LocalObjectReference o
    4 automountServiceAccountToken *bool o
  `,
  ObjectReference: `
    1 kind string o
    2 namespace string o
    3 name string o
    4 uid string o
    5 apiVersion string o
    6 resourceVersion string o
    7 fieldPath string o
  `,
  Service: `
    1 metadata ObjectMeta o
    2 spec ServiceSpec o
    3 status ServiceStatus o
  `,
  ServiceSpec: `
    1 ports []ServicePort o
    2 selector map[string]string o
    3 clusterIP string o
    18 clusterIPs []string o
    4 type string o
    5 externalIPs []string o
    7 sessionAffinity string o
    8 loadBalancerIP string o
    9 loadBalancerSourceRanges []string o
    10 externalName string o
    11 externalTrafficPolicy string o
    12 healthCheckNodePort int32 o
    13 publishNotReadyAddresses bool o
    14 sessionAffinityConfig *SessionAffinityConfig o
    19 ipFamilies []string o
    17 ipFamilyPolicy *string o
    20 allocateLoadBalancerNodePorts *bool o
    21 loadBalancerClass *string o
    22 internalTrafficPolicy *string o
    23 trafficDistribution *string o
  `,
  ServicePort: `
    1 name string o
    2 protocol string o
    6 appProtocol *string o
    3 port int32
    4 targetPort IntOrString o
    5 nodePort int32 o
  `,
  SessionAffinityConfig: `
    1 clientIP *ClientIPConfig o
  `,
  ClientIPConfig: `
    1 timeoutSeconds *int32 o
  `,
  ServiceStatus: `
    1 loadBalancer LoadBalancerStatus o
    2 conditions []Condition o
  `,
  LoadBalancerStatus: `
    1 ingress []LoadBalancerIngress o
  `,
  LoadBalancerIngress: `
    1 ip string o
    2 hostname string o
    3 ipMode *string o
    4 ports []PortStatus o
  `,
  PortStatus: `
    1 port int32
    2 protocol string
    3 error *string o
  `,
  ResourceQuota: `
    1 metadata ObjectMeta o
    2 spec ResourceQuotaSpec o
    3 status ResourceQuotaStatus o
  `,
  ResourceQuotaSpec: `
    1 hard map[string]Quantity o
    2 scopes []string o
    3 scopeSelector *ScopeSelector o
  `,
  ScopeSelector: `
    1 matchExpressions []ScopedResourceSelectorRequirement o
  `,
  ScopedResourceSelectorRequirement: `
    1 scopeName string
    2 operator string
    3 values []string o
  `,
  ResourceQuotaStatus: `
    1 hard map[string]Quantity o
    2 used map[string]Quantity o
  `,
};
