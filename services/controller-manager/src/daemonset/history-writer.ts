/**
 * Applies the history decisions of history.ts for the DaemonSet controller: adopts and
 * releases revisions, creates or renumbers the current one, folds duplicates into it and
 * prunes old ones. The caches it is handed may lag its own writes by a watch event; every
 * step here is safe to repeat on such a copy (a create finds its revision already there,
 * a renumber sets the number it already has).
 *
 * Kubernetes semantics: constructHistory, snapshot (with its collisionCount handling),
 * dedupCurHistories and cleanupHistory (pkg/controller/daemon/update.go).
 */
import { AlreadyExistsError, NotFoundError, type ControllerRevisionObject, type DaemonSetObject, type KubeObject, type PodObject } from "@flotilla/api";
import type { ApiClient } from "@flotilla/bus";
import type { Logger } from "@flotilla/log";
import { adoptPatch, releasePatch } from "../replicaset/refs.ts";
import { DAEMONSET_HASH_LABEL } from "./daemon-pod.ts";
import { claimRevisions, holdsTemplateOf, planHistory, podsToRelabel, revisionHashOf, revisionsToPrune, type NewRevision } from "./history.ts";

const MERGE = "application/merge-patch+json";
const RESOURCE = "controllerrevisions";

/** The current template's revision, as the pass over pods needs it. */
export interface SyncedHistory {
  /** The hash label of the current revision: what up-to-date pods carry. */
  hash: string;
  /** The DaemonSet's revisions of other templates, for {@link RevisionHistory.prune}. */
  old: ControllerRevisionObject[];
}

/**
 * The name `<ds>-<hash>` belongs to another template (or another owner): the DaemonSet's
 * collisionCount was raised so the next pass hashes to a new name. Transient: retried.
 */
export class RevisionNameCollisionError extends Error {
  override name = "RevisionNameCollisionError";
}

export class RevisionHistory {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly fieldManager: string;

  constructor(deps: { client: ApiClient; log: Logger; fieldManager: string }) {
    this.client = deps.client;
    this.log = deps.log;
    this.fieldManager = deps.fieldManager;
  }

  /**
   * Bring the DaemonSet's history up to its current template, given the revisions it
   * controls and the orphans of its namespace (`candidates`) and its pods. Throws on a
   * failed write: pods must not be made or judged against a revision that may not exist.
   */
  async sync(ds: DaemonSetObject, candidates: readonly ControllerRevisionObject[], pods: readonly PodObject[]): Promise<SyncedHistory> {
    const claims = claimRevisions(ds, candidates);
    const owned = [...claims.owned];
    for (const rev of claims.adopt) {
      const adopted = await this.patch(rev, adoptPatch(rev, ds, "apps/v1", "DaemonSet"));
      if (adopted) owned.push(adopted);
    }
    for (const rev of claims.release) await this.patch(rev, releasePatch(rev, ds.metadata?.uid ?? ""));
    const plan = planHistory(ds, owned);
    let hash = plan.hash;
    if (plan.create) hash = revisionHashOf(await this.create(ds, plan.create));
    else if (plan.current && plan.renumber !== undefined) {
      // Not guarded by a resourceVersion: a pass on a lagging copy only sets the same number again.
      await this.patch(plan.current, { revision: plan.renumber });
      this.log.info({ daemonset: nameOf(ds), revision: plan.current.metadata?.name, number: plan.renumber }, "daemon set returned to an earlier template; its revision is renumbered");
    }
    if (plan.duplicates.length > 0) await this.foldDuplicates(ds, plan.duplicates, pods, hash);
    return { hash, old: plan.old };
  }

  /** Delete the old revisions past spec.revisionHistoryLimit that no pod runs. */
  async prune(ds: DaemonSetObject, old: readonly ControllerRevisionObject[], pods: readonly PodObject[]): Promise<void> {
    for (const rev of revisionsToPrune(ds, old, pods)) await this.remove(rev);
  }

  /**
   * Create the revision. Its name being taken is expected after a lagging cache (our own
   * revision, or an orphan to adopt) and rare otherwise: a hash collision, resolved as
   * Kubernetes does by raising the DaemonSet's status.collisionCount.
   */
  private async create(ds: DaemonSetObject, rev: NewRevision): Promise<ControllerRevisionObject> {
    const ns = rev.metadata.namespace;
    try {
      return (await this.client.create(RESOURCE, ns, rev as KubeObject, { fieldManager: this.fieldManager })) as ControllerRevisionObject;
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
    const existing = (await this.client.get(RESOURCE, ns, rev.metadata.name ?? "")) as ControllerRevisionObject;
    const ref = existing.metadata?.ownerReferences?.find((r) => r.controller === true);
    if (holdsTemplateOf(existing, ds) && existing.metadata?.deletionTimestamp === undefined) {
      if (ref?.uid === ds.metadata?.uid) return existing;
      if (ref === undefined) {
        const adopted = await this.patch(existing, adoptPatch(existing, ds, "apps/v1", "DaemonSet"));
        if (adopted) return adopted;
      }
    }
    await this.bumpCollisionCount(ds);
    throw new RevisionNameCollisionError(`controllerrevision ${ns ?? ""}/${rev.metadata.name ?? ""} holds another template; collisionCount of daemon set ${nameOf(ds)} raised`);
  }

  /**
   * Raise status.collisionCount on the live DaemonSet, unless the cached copy's count was
   * stale (then the collision may be with a name this DaemonSet no longer hashes to:
   * retry with a fresh copy first). A concurrent write makes the update a conflict.
   */
  private async bumpCollisionCount(ds: DaemonSetObject): Promise<void> {
    const m = ds.metadata ?? {};
    const live = (await this.client.get("daemonsets", m.namespace, m.name ?? "")) as DaemonSetObject & KubeObject;
    if (live.metadata?.uid !== m.uid) throw new NotFoundError({ group: "apps", resource: "daemonsets", name: m.name ?? "" });
    if (live.status?.collisionCount !== ds.status?.collisionCount) {
      throw new RevisionNameCollisionError(`stale collisionCount of daemon set ${nameOf(ds)}; retrying with the current one`);
    }
    const collisionCount = (live.status?.collisionCount ?? 0) + 1;
    await this.client.update("daemonsets", { ...live, status: { ...live.status, collisionCount } } as KubeObject, { subresource: "status", fieldManager: this.fieldManager });
    this.log.warn({ daemonset: nameOf(ds), collisionCount }, "hash collision of a daemon set's revision name; collisionCount raised");
  }

  /**
   * Several revisions of the current template: pods made from the others are relabelled
   * with the kept revision's hash (they run the same template, so they are not rolled),
   * then the others are deleted.
   */
  private async foldDuplicates(ds: DaemonSetObject, duplicates: readonly ControllerRevisionObject[], pods: readonly PodObject[], hash: string): Promise<void> {
    for (const pod of podsToRelabel(pods, duplicates, hash)) {
      const pm = pod.metadata ?? {};
      await this.client.patch("pods", pm.namespace, pm.name ?? "", MERGE, { metadata: { labels: { [DAEMONSET_HASH_LABEL]: hash } } }, { fieldManager: this.fieldManager }).catch(ignoreNotFound);
    }
    for (const rev of duplicates) await this.remove(rev);
    this.log.info({ daemonset: nameOf(ds), removed: duplicates.map((r) => r.metadata?.name) }, "duplicate revisions of the current template removed");
  }

  /** A merge patch of a revision (guarded only if the body carries a resourceVersion); undefined if it is gone. */
  private async patch(rev: ControllerRevisionObject, body: Record<string, unknown>): Promise<ControllerRevisionObject | undefined> {
    const m = rev.metadata ?? {};
    const out = await this.client.patch(RESOURCE, m.namespace, m.name ?? "", MERGE, body, { fieldManager: this.fieldManager }).catch(ignoreNotFound);
    return out as ControllerRevisionObject | undefined;
  }

  /** Delete a revision, only the very one read (uid precondition); gone already is fine. */
  private async remove(rev: ControllerRevisionObject): Promise<void> {
    const m = rev.metadata ?? {};
    await this.client.delete(RESOURCE, m.namespace, m.name ?? "", { preconditions: { uid: m.uid ?? "" } }).catch(ignoreNotFound);
    this.log.debug({ revision: `${m.namespace ?? ""}/${m.name ?? ""}`, number: rev.revision }, "controller revision deleted");
  }
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof NotFoundError) return undefined;
  throw err;
}

function nameOf(ds: DaemonSetObject): string {
  return `${ds.metadata?.namespace ?? ""}/${ds.metadata?.name ?? ""}`;
}
