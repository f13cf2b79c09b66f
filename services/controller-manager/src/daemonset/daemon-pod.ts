/**
 * What a daemon pod looks like: the DaemonSet's template, labelled with the template's
 * hash, tolerating the node conditions a daemon must survive, and pinned to its node by
 * required node affinity so the default scheduler places it there (Kubernetes ≥ 1.12
 * schedules daemon pods this way rather than setting spec.nodeName itself, so the
 * scheduler's view of each node's resources and ports stays whole).
 *
 * Kubernetes semantics: CreatePodTemplate, AddOrUpdateDaemonPodTolerations and
 * GetTargetNodeName (pkg/controller/daemon/util/daemonset_util.go).
 */
import type { DaemonSetObject, ObjectMeta, OwnerReference, PodObject, PodSpecObject } from "@flotilla/api";
import { templateHash } from "../deployment/template.ts";
import { NODE_NAME_FIELD, type NodeSelectorTerm, type Toleration } from "./nodes.ts";

type Affinity = NonNullable<PodSpecObject["affinity"]>;

/**
 * The label naming the template revision a daemon pod was made from: the hash of the
 * DaemonSet's ControllerRevision for that template (history.ts), which carries the same
 * label and is named `<ds name>-<hash>`.
 */
export const DAEMONSET_HASH_LABEL = "controller-revision-hash";

/**
 * Tolerations every daemon pod gets. Without the two NoExecute ones (no
 * tolerationSeconds: forever) the node lifecycle controller would evict a node's
 * daemons when the node stops reporting, and they are often what brings it back; the
 * NoSchedule ones let a daemon land on a node under pressure or cordoned.
 */
export const DAEMON_TOLERATIONS: readonly Readonly<Toleration>[] = Object.freeze([
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
]);

/** Added for hostNetwork pods only: they need no pod network, so a node without one may run them. */
export const NETWORK_UNAVAILABLE_TOLERATION: Readonly<Toleration> = Object.freeze({ key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" });

/** Same key, operator, value and effect: the same toleration, perhaps with another tolerationSeconds. */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? "") === (b.key ?? "") && (a.operator ?? "") === (b.operator ?? "") && (a.value ?? "") === (b.value ?? "") && (a.effect ?? "") === (b.effect ?? "");
}

/**
 * The spec's tolerations plus the daemon ones. A toleration the user already wrote with
 * the same key, operator, value and effect is replaced in place, so a user's
 * `tolerationSeconds` on not-ready cannot get a daemon evicted.
 * @returns a new list; `spec` is not modified.
 */
export function withDaemonTolerations(spec: PodSpecObject | undefined): Toleration[] {
  const out = (spec?.tolerations ?? []).map((t) => structuredClone(t));
  const wanted = spec?.hostNetwork === true ? [...DAEMON_TOLERATIONS, NETWORK_UNAVAILABLE_TOLERATION] : DAEMON_TOLERATIONS;
  for (const want of wanted) {
    const i = out.findIndex((t) => sameToleration(t, want));
    if (i >= 0) out[i] = { ...want };
    else out.push({ ...want });
  }
  return out;
}

/** A term that matches this node name only, or nothing else. */
function nameRequirement(nodeName: string) {
  return { key: NODE_NAME_FIELD, operator: "In", values: [nodeName] };
}

/**
 * The affinity with its required node affinity narrowed to one node: every term keeps
 * its label requirements and other field requirements, and gets `metadata.name In
 * [nodeName]` in place of any it had. Kept terms cannot widen the choice (each now names
 * the node), and a node relabelled before the scheduler gets to the pod leaves it
 * pending instead of placing it where the user's terms no longer hold.
 *
 * Kubernetes' ReplaceDaemonSetPodNodeNameNodeAffinity instead drops the user's terms and
 * keeps the name alone; both place a pod on the same node while the labels stand still.
 * @returns a new affinity; `affinity` is not modified.
 */
export function pinToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const out: Affinity = structuredClone(affinity ?? {});
  const nodeAffinity = (out.nodeAffinity ??= {});
  const terms = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const pinned: NodeSelectorTerm[] = terms.map((term) => ({
    ...term,
    matchFields: [...(term.matchFields ?? []).filter((f) => f.key !== NODE_NAME_FIELD), nameRequirement(nodeName)],
  }));
  if (pinned.length === 0) pinned.push({ matchFields: [nameRequirement(nodeName)] });
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: pinned };
  return out;
}

/**
 * The node a daemon pod is for: its spec.nodeName once bound, else the single value of a
 * `metadata.name In [...]` requirement of its required node affinity. Undefined when
 * neither says (not a pod this controller made), or the requirement names several nodes.
 */
export function targetNodeName(pod: PodObject): string | undefined {
  const bound = pod.spec?.nodeName;
  if (bound !== undefined && bound !== "") return bound;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === NODE_NAME_FIELD && f.operator === "In") return f.values?.length === 1 ? f.values[0] : undefined;
    }
  }
  return undefined;
}

/**
 * The hash of the DaemonSet's current template and its status.collisionCount: the
 * {@link DAEMONSET_HASH_LABEL} value of a new revision of that template, and so of its
 * up-to-date pods. (The controller labels pods with the hash of the revision it found,
 * which differs only when that revision was made under another collisionCount.)
 * Templates that differ only in ways that mean nothing (key order, empty values) hash
 * alike, so a no-op apply does not roll every daemon.
 */
export function daemonSetHash(ds: DaemonSetObject): string {
  return templateHash(ds.spec?.template, ds.status?.collisionCount);
}

/** Whether the pod was made from the template with this hash. */
export function isPodUpdated(pod: PodObject, hash: string): boolean {
  return pod.metadata?.labels?.[DAEMONSET_HASH_LABEL] === hash;
}

/**
 * The template's pod spec as the controller judges nodes with it: the daemon tolerations
 * added, since those are what the pod will carry.
 */
export function daemonPodSpec(ds: DaemonSetObject): PodSpecObject {
  const spec = ds.spec?.template.spec ?? { containers: [] };
  return { ...spec, tolerations: withDaemonTolerations(spec) };
}

/**
 * A new daemon pod for `nodeName`: generateName "<ds name>-", the DaemonSet's namespace,
 * the template's labels plus the hash label, its annotations and finalizers, its spec with
 * the daemon tolerations and pinned to the node, and a controller reference to the
 * DaemonSet that blocks the DaemonSet's foreground deletion until the pod is gone.
 */
export function newDaemonPod(ds: DaemonSetObject, nodeName: string, hash: string): PodObject & { metadata: ObjectMeta } {
  const meta = ds.metadata ?? {};
  const tmeta = ds.spec?.template.metadata ?? {};
  const owner: OwnerReference = { apiVersion: "apps/v1", kind: "DaemonSet", name: meta.name ?? "", uid: meta.uid ?? "", controller: true, blockOwnerDeletion: true };
  const metadata: ObjectMeta = { generateName: `${meta.name ?? ""}-`, labels: { ...(tmeta.labels ?? {}), [DAEMONSET_HASH_LABEL]: hash }, ownerReferences: [owner] };
  if (meta.namespace !== undefined) metadata.namespace = meta.namespace;
  if (tmeta.annotations !== undefined) metadata.annotations = { ...tmeta.annotations };
  if (tmeta.finalizers !== undefined) metadata.finalizers = [...tmeta.finalizers];
  const spec: PodSpecObject = structuredClone(ds.spec?.template.spec ?? { containers: [] });
  spec.tolerations = withDaemonTolerations(spec);
  spec.affinity = pinToNode(spec.affinity, nodeName);
  return { apiVersion: "v1", kind: "Pod", metadata, spec };
}
