/** The namespace controller's wording, as `kubectl describe namespace` shows Kubernetes'. */
import { rfc3339 } from "@flotilla/api";

export const NAMESPACE_FINALIZER = "kubernetes";

/** "pods has 2 resource instances, services has 1 resource instances", sorted by resource. */
export function remainingMessage(remaining: ReadonlyMap<string, number>): string {
  return [...remaining.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([r, n]) => `${r} has ${n} resource instances`)
    .join(", ");
}

export function contentCondition(message: string, nowMs = Date.now()): Record<string, string> {
  return { type: "NamespaceContentRemaining", status: "True", reason: "SomeResourcesRemain", message: `Some resources are remaining: ${message}`, lastTransitionTime: rfc3339(nowMs) };
}
