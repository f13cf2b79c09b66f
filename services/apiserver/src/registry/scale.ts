/** The scale subresource: an autoscaling/v1 Scale view of spec.replicas. */
import { BadRequestError, type KubeObject, type ResourceInfo } from "@flotilla/api";

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A LabelSelector as the string form Scale.status.selector carries. */
export function selectorString(sel: Selector | undefined): string {
  if (!sel) return "";
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator;
    if (op === "In" || op === "NotIn") parts.push(`${e.key} ${op.toLowerCase()} (${(e.values ?? []).join(",")})`);
    else if (op === "Exists") parts.push(e.key);
    else if (op === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.join(",");
}

export function toScale(obj: KubeObject): KubeObject {
  const spec = obj["spec"] as { replicas?: number; selector?: Selector } | undefined;
  const status = obj["status"] as { replicas?: number } | undefined;
  const m = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: m.name!, namespace: m.namespace!, uid: m.uid!, resourceVersion: m.resourceVersion!, creationTimestamp: m.creationTimestamp! },
    spec: { replicas: spec?.replicas ?? 0 },
    status: { replicas: status?.replicas ?? 0, selector: selectorString(spec?.selector) },
  };
}

/** Read spec.replicas out of a client's Scale (after patching). */
export function replicasFromScale(info: ResourceInfo, scale: unknown): number {
  const replicas = (scale as { spec?: { replicas?: unknown } } | null)?.spec?.replicas;
  if (replicas === undefined) return 0;
  if (typeof replicas !== "number" || !Number.isInteger(replicas)) {
    throw new BadRequestError(`Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal ${typeof replicas} into Go struct field ScaleSpec.spec.replicas of type int32`);
  }
  if (replicas < 0) throw new BadRequestError(`${info.kind} scale is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`);
  return replicas;
}
