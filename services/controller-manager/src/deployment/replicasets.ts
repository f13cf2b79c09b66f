/**
 * Which of a Deployment's ReplicaSets is the new one, which are old, and what a new one
 * looks like (Kubernetes' FindNewReplicaSet, FindOldReplicaSets and the ReplicaSet that
 * getNewReplicaSet creates).
 */
import { templateKey } from "./template.ts";
import { POD_TEMPLATE_HASH_LABEL } from "./types.ts";
import type { DeploymentLike, LabelSelectorLike, NewReplicaSetLike, ReplicaSetLike, ReplicaSetState } from "./types.ts";

/** A ReplicaSet's spec.replicas; unset means 1, as the API server defaults it. */
export function specReplicas(rs: ReplicaSetLike): number {
  return rs.spec?.replicas ?? 1;
}

/** A ReplicaSet's creationTimestamp in ms; 0 (the oldest) when missing or unparsable. */
export function createdMs(rs: ReplicaSetLike): number {
  const ms = Date.parse(rs.metadata?.creationTimestamp ?? "");
  return Number.isNaN(ms) ? 0 : ms;
}

/** Oldest first; equal timestamps by name, so the order never depends on the input order. */
export function compareByCreation(a: ReplicaSetLike, b: ReplicaSetLike): number {
  const d = createdMs(a) - createdMs(b);
  if (d !== 0) return d;
  const an = a.metadata?.name ?? "";
  const bn = b.metadata?.name ?? "";
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/**
 * The Deployment's new ReplicaSet: the one whose template equals the Deployment's
 * (`templatesEqual` in template.ts). When several do (Kubernetes has seen this after upgrades),
 * the oldest wins, so every pass picks the same one.
 * @returns the ReplicaSet object from `owned`, or undefined when none matches.
 */
export function findNewReplicaSet<R extends ReplicaSetLike>(d: DeploymentLike, owned: readonly R[]): R | undefined {
  const want = templateKey(d.spec?.template);
  return [...owned].sort(compareByCreation).find((rs) => templateKey(rs.spec?.template) === want);
}

/**
 * Every owned ReplicaSet other than the new one, whatever its size, oldest first.
 * (Kubernetes also returns the non-empty subset; filter on spec.replicas for that.)
 */
export function findOldReplicaSets<R extends ReplicaSetLike>(d: DeploymentLike, owned: readonly R[]): R[] {
  const newRs = findNewReplicaSet(d, owned);
  return [...owned].sort(compareByCreation).filter((rs) => rs !== newRs);
}

/** The planner's view of a ReplicaSet as it is in the cache. */
export function stateOf(rs: ReplicaSetLike): ReplicaSetState {
  return {
    name: rs.metadata?.name ?? "",
    replicas: specReplicas(rs),
    // A ReplicaSet just scaled down still reports the pods it is about to delete as
    // available until its controller catches up; counting them would let the next pass
    // scale the old ReplicaSets down again on the strength of pods already going.
    availableReplicas: Math.min(rs.status?.availableReplicas ?? 0, specReplicas(rs)),
    createdMs: createdMs(rs),
    annotations: rs.metadata?.annotations ?? {},
  };
}

/** The name of the ReplicaSet for a template hash: `<deployment>-<hash>`. */
export function newReplicaSetName(d: DeploymentLike, hash: string): string {
  return `${d.metadata?.name ?? ""}-${hash}`;
}

function selectorWithHash(selector: LabelSelectorLike | undefined, hash: string): LabelSelectorLike {
  const out: LabelSelectorLike = structuredClone(selector ?? {});
  out.matchLabels = { ...(out.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  return out;
}

/**
 * The ReplicaSet to create for the Deployment's current template: named
 * `<deployment>-<hash>`, labelled like the template plus `pod-template-hash`, selecting
 * on the Deployment's selector plus that label (so it never claims another revision's
 * pods), with the template carrying the label too, and controlled by the Deployment
 * (`controller` and `blockOwnerDeletion` true, so foreground deletion waits for it).
 * The Deployment is not modified.
 */
export function buildNewReplicaSet(d: DeploymentLike, hash: string, replicas: number, annotations: Record<string, string>): NewReplicaSetLike {
  const template = structuredClone(d.spec?.template ?? {});
  const templateMeta = (template.metadata ??= {});
  const labels = { ...(templateMeta.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  templateMeta.labels = labels;
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: newReplicaSetName(d, hash),
      ...(d.metadata?.namespace !== undefined ? { namespace: d.metadata.namespace } : {}),
      labels: { ...labels },
      annotations: { ...annotations },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "Deployment", name: d.metadata?.name ?? "", uid: d.metadata?.uid ?? "", controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      replicas,
      minReadySeconds: d.spec?.minReadySeconds ?? 0,
      selector: selectorWithHash(d.spec?.selector, hash),
      template,
    },
  };
}
