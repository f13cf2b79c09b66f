/**
 * pods/binding: how the scheduler places a pod. The binding names a node; the pod gets
 * `spec.nodeName` and a `PodScheduled=True` condition in one compare-and-set write.
 * A pod is bound once: a second binding is a 409, as in Kubernetes, so two schedulers
 * (or a scheduler that lost its lease mid-flight) can never move a pod.
 */
import { BadRequestError, ConflictError, InvalidError, type KubeObject, type ResourceInfo, type Status } from "@flotilla/api";
import type { ApiService, WriteOptions } from "./service.ts";
import { nowTimestamp } from "./strategy.ts";

interface Binding {
  metadata?: { name?: string; annotations?: Record<string, string> };
  target?: { kind?: string; name?: string; apiVersion?: string };
}

function parseBinding(raw: unknown, podName: string): { node: string; annotations: Record<string, string> } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new BadRequestError("the body must be a Binding object");
  const b = raw as Binding & { kind?: unknown };
  if (b.kind !== undefined && b.kind !== "Binding") throw new BadRequestError(`expected kind Binding, got ${JSON.stringify(b.kind)}`);
  if (b.metadata?.name !== undefined && b.metadata.name !== podName) {
    throw new BadRequestError(`the name of the object (${b.metadata.name}) does not match the name on the URL (${podName})`);
  }
  const node = b.target?.name;
  if (typeof node !== "string" || node === "") {
    throw new InvalidError("Binding", "", podName, [{ reason: "FieldValueRequired", message: "Required value", field: "target.name" }]);
  }
  if (b.target?.kind !== undefined && b.target.kind !== "" && b.target.kind !== "Node") {
    throw new InvalidError("Binding", "", podName, [{ reason: "FieldValueNotSupported", message: `Unsupported value: "${b.target.kind}": supported values: "Node"`, field: "target.kind" }]);
  }
  const annotations = b.metadata?.annotations;
  return { node, annotations: annotations && typeof annotations === "object" ? annotations : {} };
}

/** Bind `name` to the binding's node; resolves with the Status Kubernetes answers (201 Success). */
export async function bindPod(svc: ApiService, info: ResourceInfo, namespace: string | undefined, name: string, raw: unknown, opts: WriteOptions): Promise<Status> {
  const { node, annotations } = parseBinding(raw, name);
  const ref = svc.ref(info, name);
  await svc.guaranteedUpdate(
    info,
    namespace,
    name,
    (current) => {
      const m = current.metadata;
      if (m.deletionTimestamp) throw new ConflictError(ref, `pod ${name} is being deleted, cannot be assigned to a host`);
      const spec = (current["spec"] ?? {}) as { nodeName?: string };
      if (spec.nodeName) throw new ConflictError(ref, `pod ${name} is already assigned to node "${spec.nodeName}"`);
      return scheduled(current, node, annotations, nowTimestamp());
    },
    { dryRun: opts.dryRun === true, readOnly: true },
  );
  return { apiVersion: "v1", kind: "Status", metadata: {}, status: "Success", message: "", reason: "", code: 201 };
}

/**
 * The pod bound to `node`: nodeName set, binding annotations added, PodScheduled=True.
 * Built beside `pod` (the cached object, shared: never written to), copying only the
 * parts that change — one pod copy less per scheduled pod.
 */
function scheduled(pod: KubeObject, node: string, annotations: Record<string, string>, now: string): KubeObject {
  const status = (pod["status"] ?? {}) as { conditions?: Record<string, unknown>[] };
  const conditions = (status.conditions ?? []).filter((c) => c["type"] !== "PodScheduled");
  // No `lastProbeTime: null`: a decoded write drops nulls, so the kubelet, which copies
  // this condition into its status patch, would see it change once that patch was stored
  // and report again, a second write per pod that changed nothing.
  conditions.push({ type: "PodScheduled", status: "True", lastTransitionTime: now });
  const metadata = Object.keys(annotations).length > 0 ? { ...pod.metadata, annotations: { ...pod.metadata.annotations, ...annotations } } : pod.metadata;
  return { ...pod, metadata, spec: { ...(pod["spec"] as object), nodeName: node }, status: { ...status, conditions } };
}
