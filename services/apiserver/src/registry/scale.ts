/** The scale subresource: an autoscaling/v1 Scale view of spec.replicas. */
import { BadRequestError, InvalidError, type KubeObject, type ResourceInfo } from "@flotilla/api";
import { selectorString } from "../tables/index.ts";

export function toScale(obj: KubeObject): KubeObject {
  const spec = obj["spec"] as { replicas?: number; selector?: Parameters<typeof selectorString>[0] } | undefined;
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
  if (replicas < 0) throw new InvalidError("Scale", "autoscaling", "", [{ reason: "FieldValueInvalid", field: "spec.replicas", message: `Invalid value: ${replicas}: must be greater than or equal to 0` }]);
  return replicas;
}
