/**
 * A DaemonSet's history as ControllerRevisions, decided without I/O: one revision per pod
 * template the DaemonSet has run, the current one numbered highest. `kubectl rollout
 * history daemonset/x` lists the revisions it controls (found by the DaemonSet's selector
 * and its controller reference), and `kubectl rollout undo` sends a revision's `data` back
 * as a strategic merge patch of the DaemonSet, so `data` must be exactly that patch.
 *
 * Kubernetes semantics: constructHistory, dedupCurHistories, cleanupHistory, snapshot,
 * getPatch and Match (pkg/controller/daemon/update.go).
 */
import { selectorMatches, type ControllerRevisionObject, type DaemonSetObject, type ObjectMeta, type PodObject } from "@flotilla/api";
import { canonicalJson, templatesEqual } from "../deployment/template.ts";
import type { PodTemplateLike } from "../deployment/types.ts";
import { controllerRefTo } from "../replicaset/refs.ts";
import { daemonSetHash, DAEMONSET_HASH_LABEL } from "./daemon-pod.ts";

/** A ControllerRevision whose metadata is present, as sent to create. */
export type NewRevision = ControllerRevisionObject & { metadata: ObjectMeta };

/** Old revisions kept for rollback when the DaemonSet does not say (apps/v1 default). */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/**
 * DaemonSet annotations not copied onto its revisions: kubectl's record of the last apply
 * describes the DaemonSet as a whole, not one template, and is often the largest value.
 * Everything else is copied as Kubernetes does, so `kubernetes.io/change-cause` shows in
 * `kubectl rollout history`.
 */
const NOT_COPIED: ReadonlySet<string> = new Set(["kubectl.kubernetes.io/last-applied-configuration"]);

/** The strategic merge patch directive that makes a map replace its target whole. */
const PATCH_DIRECTIVE = "$patch";

/**
 * What a revision stores: a patch that puts the DaemonSet's current pod template back,
 * `{"spec":{"template":{"$patch":"replace",...}}}`. `replace` makes the patch drop any
 * field the template has gained since, rather than merge into it.
 *
 * It is written the way kubectl writes the same patch from the DaemonSet it reads (keys
 * sorted at every level, the template's `metadata.creationTimestamp: null` that Go's
 * structs always carry), because `kubectl rollout undo` compares the two byte for byte to
 * report a rollback to the current revision as skipped instead of sending it. Templates
 * whose JSON Go writes otherwise (quantities it shortens, `&` it escapes) only lose that
 * message: the patch they send changes nothing.
 */
export function revisionData(ds: DaemonSetObject): { spec: { template: Record<string, unknown> } } {
  const template = structuredClone(ds.spec?.template ?? {}) as Record<string, unknown>;
  template["metadata"] = { creationTimestamp: null, ...(template["metadata"] as Record<string, unknown> | undefined) };
  const data = { spec: { template: { ...template, [PATCH_DIRECTIVE]: "replace" } } };
  // canonicalJson sorts keys; parsing it back keeps that order in the object.
  return JSON.parse(canonicalJson(data)) as typeof data;
}

/** The pod template a revision holds, without the patch directive; undefined when its data holds none. */
export function revisionTemplate(rev: ControllerRevisionObject): PodTemplateLike | undefined {
  const data = rev.data as { spec?: { template?: unknown } } | undefined;
  const template = data?.spec?.template;
  if (typeof template !== "object" || template === null || Array.isArray(template)) return undefined;
  const { [PATCH_DIRECTIVE]: _directive, ...rest } = template as Record<string, unknown>;
  return rest as PodTemplateLike;
}

/**
 * Whether the revision holds the DaemonSet's current template. Templates are compared
 * normalised (key order, empty values and nulls ignored) rather than byte for byte as
 * Kubernetes does: a template restored by `kubectl rollout undo` went through kubectl's
 * Go structs and the server's defaults, and must still find its revision.
 */
export function holdsTemplateOf(rev: ControllerRevisionObject, ds: DaemonSetObject): boolean {
  const template = revisionTemplate(rev);
  return template !== undefined && templatesEqual(template, ds.spec?.template);
}

/**
 * The hash label of a revision. One made by an old controller may lack it; Kubernetes
 * then labels it with the revision's name, which is what it stands for here.
 */
export function revisionHashOf(rev: ControllerRevisionObject): string {
  return rev.metadata?.labels?.[DAEMONSET_HASH_LABEL] ?? rev.metadata?.name ?? "";
}

/**
 * A new revision of the DaemonSet's current template: named `<ds name>-<hash>` (the hash
 * of daemon-pod.ts daemonSetHash, whose collisionCount the controller bumps when the name
 * is taken by another template), labelled with the template's labels and the hash,
 * annotated like the DaemonSet (see NOT_COPIED), and controlled by the DaemonSet
 * (blocking its foreground deletion).
 */
export function newRevision(ds: DaemonSetObject, hash: string, revision: number): NewRevision {
  const meta = ds.metadata ?? {};
  const metadata: ObjectMeta = {
    name: `${meta.name ?? ""}-${hash}`,
    labels: { ...(ds.spec?.template.metadata?.labels ?? {}), [DAEMONSET_HASH_LABEL]: hash },
    ownerReferences: [controllerRefTo(ds, "apps/v1", "DaemonSet")],
  };
  if (meta.namespace !== undefined) metadata.namespace = meta.namespace;
  const annotations = Object.entries(meta.annotations ?? {}).filter(([k]) => !NOT_COPIED.has(k));
  if (annotations.length > 0) metadata.annotations = Object.fromEntries(annotations);
  return { apiVersion: "apps/v1", kind: "ControllerRevision", metadata, data: revisionData(ds), revision };
}

/** The revisions of a DaemonSet's namespace by what it should do with them. */
export interface RevisionClaims {
  /** Controlled by the DaemonSet and selected by it. */
  owned: ControllerRevisionObject[];
  /** Without a controller and selected: to be adopted (then owned). */
  adopt: ControllerRevisionObject[];
  /** Controlled by the DaemonSet but no longer selected: to be released. */
  release: ControllerRevisionObject[];
}

/**
 * Kubernetes' ClaimControllerRevisions: revisions controlled by this DaemonSet (by uid)
 * and selected stay; orphans its selector selects are adopted (a DaemonSet deleted with
 * `--cascade=orphan` and made again gets its history back); controlled ones it no longer
 * selects are released. Revisions being deleted, of other namespaces or other
 * controllers are left alone, and a DaemonSet being deleted neither adopts nor releases.
 */
export function claimRevisions(ds: DaemonSetObject, revisions: readonly ControllerRevisionObject[]): RevisionClaims {
  const claims: RevisionClaims = { owned: [], adopt: [], release: [] };
  const uid = ds.metadata?.uid;
  const sel = ds.spec?.selector;
  if (uid === undefined || sel === undefined) return claims;
  const deleting = ds.metadata?.deletionTimestamp !== undefined;
  for (const rev of revisions) {
    if (rev.metadata?.namespace !== ds.metadata?.namespace || rev.metadata?.deletionTimestamp !== undefined) continue;
    const ref = rev.metadata?.ownerReferences?.find((r) => r.controller === true);
    const selected = selectorMatches(sel, rev.metadata?.labels ?? {});
    if (ref === undefined) {
      if (selected && !deleting) claims.adopt.push(rev);
    } else if (ref.uid === uid) {
      if (selected) claims.owned.push(rev);
      else if (!deleting) claims.release.push(rev);
    }
  }
  return claims;
}

/** What one pass does to the history before it touches pods. */
export interface HistoryPlan {
  /** The hash of the current template's revision: the label an up-to-date pod carries. */
  hash: string;
  /** A revision to create for a template the DaemonSet has not run before. */
  create: NewRevision | undefined;
  /** The existing revision of the current template, when there is one. */
  current: ControllerRevisionObject | undefined;
  /** The number `current` must be given to be the highest again (a rollback to it); undefined when it is. */
  renumber: number | undefined;
  /** Other revisions of the current template (possible after a hash collision): deleted once their pods carry `hash`. */
  duplicates: ControllerRevisionObject[];
  /** Revisions of other templates. */
  old: ControllerRevisionObject[];
}

function byRevision(a: ControllerRevisionObject, b: ControllerRevisionObject): number {
  const d = (a.revision ?? 0) - (b.revision ?? 0);
  if (d !== 0) return d;
  const an = a.metadata?.name ?? "";
  const bn = b.metadata?.name ?? "";
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/**
 * The history step of a pass over the DaemonSet's own revisions ({@link claimRevisions}):
 * the current template's revision is found, or made numbered one above every other; a
 * template the DaemonSet returns to (an undo, or the same template applied again) keeps
 * its revision, renumbered to the top, so the history has no duplicate templates. Of
 * several revisions of the current template the highest numbered is kept.
 */
export function planHistory(ds: DaemonSetObject, owned: readonly ControllerRevisionObject[]): HistoryPlan {
  const matching: ControllerRevisionObject[] = [];
  const old: ControllerRevisionObject[] = [];
  for (const rev of owned) (holdsTemplateOf(rev, ds) ? matching : old).push(rev);
  const next = old.reduce((max, r) => Math.max(max, r.revision ?? 0), 0) + 1;
  const sorted = [...matching].sort(byRevision);
  const current = sorted.pop();
  if (current === undefined) {
    const hash = daemonSetHash(ds);
    return { hash, create: newRevision(ds, hash, next), current: undefined, renumber: undefined, duplicates: [], old };
  }
  const renumber = (current.revision ?? 0) < next ? next : undefined;
  return { hash: revisionHashOf(current), create: undefined, current, renumber, duplicates: sorted, old };
}

/**
 * The pods a duplicate revision's deletion would strand: those labelled with a
 * duplicate's hash, to be relabelled with the kept one's first. Kubernetes relabels
 * every pod whose hash differs from the kept one, which also marks pods of older
 * templates as up to date; only the duplicates' pods run the current template.
 */
export function podsToRelabel(pods: readonly PodObject[], duplicates: readonly ControllerRevisionObject[], hash: string): PodObject[] {
  const dupHashes = new Set(duplicates.map(revisionHashOf));
  dupHashes.delete(hash);
  return pods.filter((p) => p.metadata?.deletionTimestamp === undefined && dupHashes.has(p.metadata?.labels?.[DAEMONSET_HASH_LABEL] ?? ""));
}

/**
 * Old revisions beyond spec.revisionHistoryLimit (default 10), lowest numbered first,
 * skipping any whose template a pod still runs (a rollout in progress, or OnDelete pods
 * not yet replaced): that history is still live.
 */
export function revisionsToPrune(ds: DaemonSetObject, old: readonly ControllerRevisionObject[], pods: readonly PodObject[]): ControllerRevisionObject[] {
  const limit = Math.max(0, ds.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT);
  let excess = old.length - limit;
  if (excess <= 0) return [];
  const live = new Set(pods.map((p) => p.metadata?.labels?.[DAEMONSET_HASH_LABEL]).filter((h): h is string => h !== undefined && h !== ""));
  const out: ControllerRevisionObject[] = [];
  for (const rev of [...old].sort(byRevision)) {
    if (excess <= 0) break;
    if (live.has(revisionHashOf(rev))) continue;
    out.push(rev);
    excess--;
  }
  return out;
}
