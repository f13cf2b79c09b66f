/**
 * core/v1 affinity, tolerations and topology spread: where a pod may run.
 * Field tables in the notation described in ../schema.ts.
 */
import type { MessageSource } from "../schema.ts";

/** Field tables, keyed by message name. */
export const POD_SCHEDULING_MESSAGES: MessageSource = {
  Affinity: `
    1 nodeAffinity *NodeAffinity o
    2 podAffinity *PodAffinity o
    3 podAntiAffinity *PodAntiAffinity o
  `,
  NodeAffinity: `
    1 requiredDuringSchedulingIgnoredDuringExecution *NodeSelector o
    2 preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm o
  `,
  NodeSelector: `
    1 nodeSelectorTerms []NodeSelectorTerm
  `,
  NodeSelectorTerm: `
    1 matchExpressions []NodeSelectorRequirement o
    2 matchFields []NodeSelectorRequirement o
  `,
  NodeSelectorRequirement: `
    1 key string
    2 operator string
    3 values []string o
  `,
  PreferredSchedulingTerm: `
    1 weight int32
    2 preference NodeSelectorTerm
  `,
  PodAffinity: `
    1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm o
    2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm o
  `,
  PodAffinityTerm: `
    1 labelSelector *LabelSelector o
    2 namespaces []string o
    3 topologyKey string
    4 namespaceSelector *LabelSelector o
    5 matchLabelKeys []string o
    6 mismatchLabelKeys []string o
  `,
  WeightedPodAffinityTerm: `
    1 weight int32
    2 podAffinityTerm PodAffinityTerm
  `,
  PodAntiAffinity: `
    1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm o
    2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm o
  `,
  Toleration: `
    1 key string o
    2 operator string o
    3 value string o
    4 effect string o
    5 tolerationSeconds *int64 o
  `,
  TopologySpreadConstraint: `
    1 maxSkew int32
    2 topologyKey string
    3 whenUnsatisfiable string
    4 labelSelector *LabelSelector o
    5 minDomains *int32 o
    6 nodeAffinityPolicy *string o
    7 nodeTaintsPolicy *string o
    8 matchLabelKeys []string o
  `,
};
