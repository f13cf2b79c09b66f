/** core/v1 scheduling constraints: affinity, tolerations, topology spread, node selectors. */
import { Pkg, describe, int32, int64, list, listOf, ref, reqInt32, reqStr, str, strList, struct } from "./build.ts";
import { LabelSelector } from "./objectmeta.ts";

const C = Pkg.core;

export const NodeSelectorRequirement = struct(`${C}.NodeSelectorRequirement`, "One condition on a node label or field.", {
  key: reqStr("Label key (or field name for matchFields)."),
  operator: reqStr("In, NotIn, Exists, DoesNotExist, Gt or Lt."),
  values: strList("Values for In/NotIn (non-empty), a single integer for Gt/Lt, empty for Exists/DoesNotExist."),
});

export const NodeSelectorTerm = struct(`${C}.NodeSelectorTerm`, "Conditions that must all hold for a node to match.", {
  matchExpressions: list(NodeSelectorRequirement, "Conditions on node labels."),
  matchFields: list(NodeSelectorRequirement, "Conditions on node fields (only metadata.name is supported)."),
});

export const NodeSelector = struct(`${C}.NodeSelector`, "A node matches when any one of the terms matches.", {
  nodeSelectorTerms: listOf(NodeSelectorTerm, "Alternatives; at least one is required."),
});

const PreferredSchedulingTerm = struct(`${C}.PreferredSchedulingTerm`, "A weighted preference for nodes matching a term.", {
  weight: reqInt32("Weight, 1-100, added to a node's score when it matches."),
  preference: describe(NodeSelectorTerm, "The term a node should match."),
});

const NodeAffinity = struct(`${C}.NodeAffinity`, "Rules on the labels of the node a pod may run on.", {
  requiredDuringSchedulingIgnoredDuringExecution: ref(NodeSelector, "The pod is only scheduled on nodes matching this; not re-checked after scheduling."),
  preferredDuringSchedulingIgnoredDuringExecution: list(PreferredSchedulingTerm, "Nodes matching these terms are preferred, by total weight."),
});

const PodAffinityTerm = struct(`${C}.PodAffinityTerm`, "Pods matched by a selector, in some namespaces, within one topology domain (e.g. one node or one zone).", {
  labelSelector: ref(LabelSelector, "Pods to consider."),
  namespaces: strList("Namespaces to look in; empty with no namespaceSelector means the pod's own."),
  topologyKey: reqStr("Node label defining the domain, e.g. kubernetes.io/hostname or topology.kubernetes.io/zone."),
  namespaceSelector: ref(LabelSelector, "Namespaces to look in, by label; an empty selector means all."),
  matchLabelKeys: strList("Label keys whose values on the incoming pod are added to the selector as In conditions."),
  mismatchLabelKeys: strList("Label keys whose values on the incoming pod are added to the selector as NotIn conditions."),
});

const WeightedPodAffinityTerm = struct(`${C}.WeightedPodAffinityTerm`, "A weighted pod affinity term.", {
  weight: reqInt32("Weight, 1-100."),
  podAffinityTerm: describe(PodAffinityTerm, "The term."),
});

const PodAffinity = struct(`${C}.PodAffinity`, "Place the pod in the same domain as other pods.", {
  requiredDuringSchedulingIgnoredDuringExecution: list(PodAffinityTerm, "All of these must hold when scheduling."),
  preferredDuringSchedulingIgnoredDuringExecution: list(WeightedPodAffinityTerm, "Preferred, by total weight."),
});

const PodAntiAffinity = struct(`${C}.PodAntiAffinity`, "Keep the pod out of domains that already run certain pods.", {
  requiredDuringSchedulingIgnoredDuringExecution: list(PodAffinityTerm, "None of these may be violated when scheduling."),
  preferredDuringSchedulingIgnoredDuringExecution: list(WeightedPodAffinityTerm, "Avoided, by total weight."),
});

export const Affinity = struct(`${C}.Affinity`, "Scheduling rules relative to node labels and to other pods.", {
  nodeAffinity: ref(NodeAffinity, "Which nodes the pod may or prefers to run on."),
  podAffinity: ref(PodAffinity, "Pods this pod should run near."),
  podAntiAffinity: ref(PodAntiAffinity, "Pods this pod should stay away from."),
});

export const Toleration = struct(`${C}.Toleration`, "Lets the pod be scheduled (or keep running) on nodes with a matching taint.", {
  key: str("Taint key to match; empty with operator Exists matches every taint."),
  operator: str("Exists or Equal (default)."),
  value: str("Taint value to match with Equal; must be empty with Exists."),
  effect: str("Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; empty matches all."),
  tolerationSeconds: int64("For NoExecute: how long the pod stays bound after the taint appears; unset means forever."),
});

export const TopologySpreadConstraint = struct(`${C}.TopologySpreadConstraint`, "Spreads matching pods evenly across topology domains.", {
  maxSkew: reqInt32("Largest allowed difference in matching pods between two domains; at least 1."),
  topologyKey: reqStr("Node label defining the domains."),
  whenUnsatisfiable: reqStr("DoNotSchedule or ScheduleAnyway."),
  labelSelector: ref(LabelSelector, "Pods counted in each domain."),
  minDomains: int32("Minimum number of eligible domains, with DoNotSchedule."),
  nodeAffinityPolicy: str("Honor or Ignore the pod's node affinity when counting."),
  nodeTaintsPolicy: str("Honor or Ignore node taints when counting."),
  matchLabelKeys: strList("Label keys whose values on the incoming pod narrow the selector."),
});

export const HostAlias = struct(`${C}.HostAlias`, "An entry added to the pod's /etc/hosts.", {
  ip: reqStr("IP address."),
  hostnames: strList("Host names for the address."),
});

const PodDNSConfigOption = struct(`${C}.PodDNSConfigOption`, "A resolver option.", {
  name: str("Option name, e.g. ndots."),
  value: str("Option value."),
});

export const PodDNSConfig = struct(`${C}.PodDNSConfig`, "DNS settings merged into those chosen by dnsPolicy.", {
  nameservers: strList("Extra name server IP addresses."),
  searches: strList("Extra search domains."),
  options: list(PodDNSConfigOption, "Extra resolver options."),
});

export const PodReadinessGate = struct(`${C}.PodReadinessGate`, "An extra condition that must be True for the pod to be ready.", {
  conditionType: reqStr("Condition type in the pod's status.conditions."),
});

export const PodSchedulingGate = struct(`${C}.PodSchedulingGate`, "Holds the pod back from scheduling until removed.", {
  name: reqStr("Name of the gate."),
});

export const PodOS = struct(`${C}.PodOS`, "Operating system the pod needs.", {
  name: reqStr("linux or windows."),
});
