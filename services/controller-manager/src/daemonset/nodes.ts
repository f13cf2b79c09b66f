/**
 * Which nodes a DaemonSet's pod belongs on. The controller decides this itself, before
 * the scheduler ever sees the pod: a node that matches the template's nodeSelector and
 * required node affinity, and whose NoSchedule and NoExecute taints the pod tolerates
 * (counting the tolerations every daemon pod gets, see daemon-pod.ts), should run one.
 *
 * Kubernetes semantics: NodeShouldRunDaemonPod and its predicates
 * (pkg/controller/daemon/daemon_controller.go), the node affinity matcher
 * (component-helpers/scheduling/corev1/nodeaffinity) and ToleratesTaint. The node-selector
 * rules are libs/api's, shared with the scheduler.
 */
import { NODE_NAME_FIELD, nodeMatchesTerm, requirementHolds, toleratesTaint, type NodeObject, type NodeSelectorRequirement, type NodeSelectorTerm, type PodSpecObject, type Taint, type Toleration } from "@flotilla/api";

export type { NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration };
export { NODE_NAME_FIELD, nodeMatchesTerm, requirementHolds, toleratesTaint };

/** Where a daemon pod stands on a node; see {@link nodeShouldRunDaemonPod}. */
export interface NodeVerdict {
  /** A daemon pod should be created here if there is none. */
  shouldRun: boolean;
  /** A daemon pod already here may stay (it may even when a new one would not be placed). */
  shouldContinueRunning: boolean;
}

function labelOf(labels: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  return labels !== undefined && Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/**
 * Whether the node matches the pod's nodeSelector (every label, exactly) and its required
 * node affinity (any one term). Preferred affinity is the scheduler's business only.
 */
export function nodeMatchesPod(node: NodeObject, spec: PodSpecObject | undefined): boolean {
  const labels = node.metadata?.labels;
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labelOf(labels, k) !== v) return false;
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return true;
  return required.nodeSelectorTerms.some((term) => nodeMatchesTerm(node, term));
}

/** The first taint with one of `effects` that no toleration tolerates, if any. */
export function untoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[], effects: readonly string[]): Taint | undefined {
  return (taints ?? []).find((taint) => effects.includes(taint.effect) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

/**
 * Whether a pod with this spec (the DaemonSet's template with the daemon tolerations
 * added) belongs on the node:
 * - a template naming another node (spec.nodeName), or a node failing the nodeSelector
 *   or the required node affinity: neither run nor stay;
 * - an untolerated NoSchedule or NoExecute taint: no new pod, but a running one stays
 *   unless the untolerated taint is NoExecute (which would evict it anyway);
 * - otherwise: run.
 */
export function nodeShouldRunDaemonPod(node: NodeObject, spec: PodSpecObject | undefined): NodeVerdict {
  const name = node.metadata?.name ?? "";
  const pinned = spec?.nodeName;
  if ((pinned !== undefined && pinned !== "" && pinned !== name) || !nodeMatchesPod(node, spec)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = spec?.tolerations ?? [];
  const taints = node.spec?.taints;
  if (untoleratedTaint(taints, tolerations, ["NoSchedule", "NoExecute"]) === undefined) return { shouldRun: true, shouldContinueRunning: true };
  return { shouldRun: false, shouldContinueRunning: untoleratedTaint(taints, tolerations, ["NoExecute"]) === undefined };
}
