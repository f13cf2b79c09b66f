/**
 * Kubernetes' DefaultTolerationSeconds admission: every pod tolerates the not-ready and
 * unreachable NoExecute taints for 300 s unless it says otherwise, so a node that is
 * briefly unreachable does not lose its pods at once. The node controller evicts a pod
 * when that toleration runs out (its --pod-eviction-timeout-ms can shorten it).
 */
import type { KubeObject } from "@flotilla/api";

export const DEFAULT_TOLERATION_SECONDS = 300;
const TAINTS = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"];

type Toleration = { key?: string; operator?: string; effect?: string; tolerationSeconds?: number };

/** Adds the default tolerations the pod lacks (in place). */
export function admitDefaultTolerations(pod: KubeObject): void {
  const spec = pod["spec"] as { tolerations?: Toleration[] } | undefined;
  if (!spec) return;
  const have = spec.tolerations ?? [];
  // A toleration with an empty key and Exists tolerates every taint: nothing to add.
  const tolerates = (key: string) => have.some((t) => (t.operator === "Exists" && !t.key) || (t.key === key && (!t.effect || t.effect === "NoExecute")));
  const added = TAINTS.filter((k) => !tolerates(k)).map((key) => ({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: DEFAULT_TOLERATION_SECONDS }));
  if (added.length > 0) spec.tolerations = [...have, ...added];
}
