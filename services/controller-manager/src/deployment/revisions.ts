/**
 * Revisions: the rollout sequence numbers `kubectl rollout history` lists and `kubectl
 * rollout undo` picks from, the annotations a Deployment's ReplicaSets carry, and which
 * old ReplicaSets history cleanup removes.
 *
 * Kubernetes semantics: MaxRevision, SetNewReplicaSetAnnotations, SetReplicasAnnotations
 * and the annotations it does not copy in util/deployment_util.go; cleanupDeployment in
 * sync.go.
 */
import { compareByCreation, specReplicas } from "./replicasets.ts";
import { Annotation, DEPLOYMENT_DEFAULTS, MAX_INT32, desiredReplicas } from "./types.ts";
import type { DeploymentLike, ReplicaSetLike } from "./types.ts";

/**
 * Longest `revision-history` value kept, in characters (Kubernetes' default): the oldest
 * entries go first when a rollback would make it longer.
 */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/**
 * Deployment annotations never copied onto its ReplicaSets: the controller's own, and
 * kubectl's apply record (it describes the Deployment, not the ReplicaSet). Everything
 * else is copied, so e.g. `kubernetes.io/change-cause` shows in `kubectl rollout history`.
 */
const NOT_COPIED: ReadonlySet<string> = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  Annotation.revision,
  Annotation.revisionHistory,
  Annotation.desiredReplicas,
  Annotation.maxReplicas,
  "deprecated.deployment.rollback.to",
]);

/**
 * An object's revision: its `deployment.kubernetes.io/revision` annotation, 0 when absent,
 * undefined when it is not a whole number (such objects are left out of revision maths).
 */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } }): number | undefined {
  const v = obj.metadata?.annotations?.[Annotation.revision];
  if (v === undefined || v === "") return 0;
  return /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

/** The highest revision among the ReplicaSets; 0 when none has one. */
export function maxRevision(rss: readonly ReplicaSetLike[]): number {
  return rss.reduce((max, rs) => Math.max(max, revisionOf(rs) ?? 0), 0);
}

/** Append `revision` to a revision-history value, dropping its oldest entries past the length limit. */
function appendHistory(history: string | undefined, revision: string): string | undefined {
  if (history === undefined || history === "") return revision;
  const parts = history.split(",");
  let length = history.length + revision.length + 1;
  let start = 0;
  while (length > MAX_REVISION_HISTORY_CHARS && start < parts.length) {
    length -= (parts[start]?.length ?? 0) + 1;
    start++;
  }
  return length <= MAX_REVISION_HISTORY_CHARS ? [...parts.slice(start), revision].join(",") : history;
}

/**
 * The `desired-replicas` and `max-replicas` annotations set to the Deployment's current
 * spec.replicas and spec.replicas + maxSurge. Written with every scale, they tell a later
 * scaling event what size each ReplicaSet was balanced for.
 * @returns a new map; `annotations` is not modified.
 */
export function withReplicasAnnotations(annotations: Readonly<Record<string, string>>, desired: number, max: number): Record<string, string> {
  return { ...annotations, [Annotation.desiredReplicas]: String(desired), [Annotation.maxReplicas]: String(max) };
}

/**
 * The annotations the new ReplicaSet should carry (Kubernetes' SetNewReplicaSetAnnotations):
 * the Deployment's own annotations copied over (except the controller's and kubectl's
 * apply record), and the revision raised to `newRevision` when lower. A ReplicaSet that
 * already had a revision is being rolled back to: its old number is appended to
 * `revision-history`. A ReplicaSet about to be created also gets the replicas annotations.
 * An unparsable revision is left alone (Kubernetes logs and skips it).
 * @param current the ReplicaSet's annotations now; undefined for one about to be created.
 * @param maxReplicas spec.replicas + maxSurge, for a ReplicaSet about to be created.
 * @returns a new map; nothing passed in is modified.
 */
export function newReplicaSetAnnotations(
  d: DeploymentLike,
  current: Readonly<Record<string, string>> | undefined,
  newRevision: number,
  maxReplicas: number,
): Record<string, string> {
  const out: Record<string, string> = { ...(current ?? {}) };
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) if (!NOT_COPIED.has(k)) out[k] = v;
  const old = current?.[Annotation.revision];
  const oldRevision = old === undefined || old === "" ? 0 : /^[+-]?\d+$/.test(old) ? Number(old) : undefined;
  if (oldRevision !== undefined && oldRevision < newRevision) {
    out[Annotation.revision] = String(newRevision);
    if (old !== undefined && old !== "") {
      const history = appendHistory(current?.[Annotation.revisionHistory], old);
      if (history !== undefined) out[Annotation.revisionHistory] = history;
    }
  }
  if (current === undefined) return withReplicasAnnotations(out, desiredReplicas(d), maxReplicas);
  return out;
}

function byRevision(a: ReplicaSetLike, b: ReplicaSetLike): number {
  return (revisionOf(a) ?? 0) - (revisionOf(b) ?? 0) || compareByCreation(a, b);
}

/**
 * History cleanup (cleanupDeployment): with more old ReplicaSets than
 * spec.revisionHistoryLimit (default 10; int32 max keeps all), the surplus of lowest
 * revisions is considered oldest first, and of those only the empty ones go: 0
 * spec.replicas, 0 status.replicas, status observed, not already being deleted. A
 * non-empty one among them is skipped, not replaced by a newer one, as in Kubernetes.
 * @param oldRss the old ReplicaSets (not the new one) as they are in the cache.
 * @param keep names to leave alone this pass (e.g. ReplicaSets the same pass writes to).
 * @returns the ReplicaSets to delete, lowest revision first.
 */
export function historyToDelete(d: DeploymentLike, oldRss: readonly ReplicaSetLike[], keep: ReadonlySet<string> = new Set()): ReplicaSetLike[] {
  const limit = d.spec?.revisionHistoryLimit ?? DEPLOYMENT_DEFAULTS.revisionHistoryLimit;
  if (limit === MAX_INT32) return [];
  const cleanable = oldRss.filter((rs) => rs.metadata?.deletionTimestamp === undefined);
  const surplus = cleanable.length - Math.max(0, limit);
  if (surplus <= 0) return [];
  return [...cleanable]
    .sort(byRevision)
    .slice(0, surplus)
    .filter((rs) => {
      const settled = (rs.metadata?.generation ?? 0) <= (rs.status?.observedGeneration ?? 0);
      return specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0 && settled && !keep.has(rs.metadata?.name ?? "");
    });
}
