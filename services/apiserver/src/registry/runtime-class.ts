/**
 * RuntimeClass admission, as Kubernetes' RuntimeClass admission plugin does it: a pod
 * naming a RuntimeClass gets the class's scheduling constraints (nodeSelector and
 * tolerations) merged into its spec at creation, so the scheduler places it only on
 * nodes that have that runtime. Flotilla's nodes advertise each runtime they have with
 * a label, `runtime.flotilla.io/<handler>=true`, and the default classes select it.
 */
import { ApiError, StatusReason, type KubeObject } from "@flotilla/api";
import { objectKey } from "@flotilla/store";
import type { ApiService } from "./service.ts";
import { runtimeLabel } from "@flotilla/api";

/** The RuntimeClasses every cluster has: one per runtime Flotilla's kubelet offers. */
export const DEFAULT_RUNTIME_CLASSES: readonly KubeObject[] = ["docker", "process"].map((handler) => ({
  apiVersion: "node.k8s.io/v1",
  kind: "RuntimeClass",
  metadata: { name: handler, labels: { "app.kubernetes.io/managed-by": "flotilla" } },
  handler,
  scheduling: { nodeSelector: { [runtimeLabel(handler)]: "true" } },
}));

type Toleration = Record<string, unknown>;

function forbidden(pod: string, why: string): ApiError {
  return new ApiError(StatusReason.Forbidden, 403, `pods "${pod}" is forbidden: pod rejected: ${why}`);
}

/** Merge the pod's RuntimeClass scheduling into it (in place); 403 when the class is missing or conflicts. */
export async function admitRuntimeClass(svc: ApiService, pod: KubeObject): Promise<void> {
  const spec = pod["spec"] as { runtimeClassName?: string; nodeSelector?: Record<string, string>; tolerations?: Toleration[] } | undefined;
  const className = spec?.runtimeClassName;
  if (!spec || !className) return;
  const podName = pod.metadata.name ?? pod.metadata.generateName ?? "";
  const key = objectKey("runtimeclasses", undefined, className);
  const rc = svc.cache.get("runtimeclasses", key) ?? ((await svc.store.get(key).catch(() => undefined))?.value as KubeObject | undefined);
  if (!rc) throw forbidden(podName, `RuntimeClass "${className}" not found`);
  const scheduling = rc["scheduling"] as { nodeSelector?: Record<string, string>; tolerations?: Toleration[] } | undefined;
  for (const [k, v] of Object.entries(scheduling?.nodeSelector ?? {})) {
    const mine = spec.nodeSelector?.[k];
    if (mine !== undefined && mine !== v) throw forbidden(podName, `conflict: runtimeClass.scheduling.nodeSelector[${k}] = ${v}; pod.spec.nodeSelector[${k}] = ${mine}`);
    spec.nodeSelector = { ...spec.nodeSelector, [k]: v };
  }
  const extra = scheduling?.tolerations ?? [];
  if (extra.length > 0) {
    const have = new Set((spec.tolerations ?? []).map((t) => JSON.stringify(t)));
    spec.tolerations = [...(spec.tolerations ?? []), ...extra.filter((t) => !have.has(JSON.stringify(t)))];
  }
}
