/**
 * scheduling.k8s.io/v1 PriorityClass, policy/v1 PodDisruptionBudget, networking.k8s.io/v1
 * Ingress, coordination.k8s.io/v1 Lease and node.k8s.io/v1 RuntimeClass.
 * Field tables in the notation described in ../schema.ts.
 */
import type { MessageSource } from "../schema.ts";

/** Field tables, keyed by message name. */
export const CLUSTER_MESSAGES: MessageSource = {
  PriorityClass: `
    1 metadata ObjectMeta o
    2 value int32
    3 globalDefault bool o
    4 description string o
    5 preemptionPolicy *string o
  `,
  PodDisruptionBudget: `
    1 metadata ObjectMeta o
    2 spec PodDisruptionBudgetSpec o
    3 status PodDisruptionBudgetStatus o
  `,
  PodDisruptionBudgetSpec: `
    1 minAvailable *IntOrString o
    2 selector *LabelSelector o
    3 maxUnavailable *IntOrString o
    4 unhealthyPodEvictionPolicy *string o
  `,
  PodDisruptionBudgetStatus: `
    1 observedGeneration int64 o
    2 disruptedPods map[string]Time o
    3 disruptionsAllowed int32
    4 currentHealthy int32
    5 desiredHealthy int32
    6 expectedPods int32
    7 conditions []Condition o
  `,
  Ingress: `
    1 metadata ObjectMeta o
    2 spec IngressSpec o
    3 status IngressStatus o
  `,
  IngressSpec: `
    4 ingressClassName *string o
    1 defaultBackend *IngressBackend o
    2 tls []IngressTLS o
    3 rules []IngressRule o
  `,
  IngressBackend: `
    4 service *IngressServiceBackend o
    3 resource *TypedLocalObjectReference o
  `,
  IngressServiceBackend: `
    1 name string
    2 port ServiceBackendPort o
  `,
  ServiceBackendPort: `
    1 name string o
    2 number int32 o
  `,
  IngressTLS: `
    1 hosts []string o
    2 secretName string o
  `,
  IngressRule: `
    1 host string o
    2 - IngressRuleValue
  `,
  IngressRuleValue: `
    1 http *HTTPIngressRuleValue o
  `,
  HTTPIngressRuleValue: `
    1 paths []HTTPIngressPath
  `,
  HTTPIngressPath: `
    1 path string o
    3 pathType *string
    2 backend IngressBackend
  `,
  IngressStatus: `
    1 loadBalancer IngressLoadBalancerStatus o
  `,
  IngressLoadBalancerStatus: `
    1 ingress []IngressLoadBalancerIngress o
  `,
  IngressLoadBalancerIngress: `
    1 ip string o
    2 hostname string o
    4 ports []IngressPortStatus o
  `,
  IngressPortStatus: `
    1 port int32
    2 protocol string
    3 error *string o
  `,
  Lease: `
    1 metadata ObjectMeta o
    2 spec LeaseSpec o
  `,
  LeaseSpec: `
    1 holderIdentity *string o
    2 leaseDurationSeconds *int32 o
    3 acquireTime *MicroTime o
    4 renewTime *MicroTime o
    5 leaseTransitions *int32 o
    6 strategy *string o
    7 preferredHolder *string o
  `,
  RuntimeClass: `
    1 metadata ObjectMeta o
    2 handler string
    3 overhead *Overhead o
    4 scheduling *Scheduling o
  `,
  Overhead: `
    1 podFixed map[string]Quantity o
  `,
  Scheduling: `
    1 nodeSelector map[string]string o
    2 tolerations []Toleration o
  `,
};
