/**
 * The DaemonSet controller's decisions, as pure functions of the DaemonSet, the nodes and
 * the DaemonSet's pods grouped by the node each is for. One pass either fixes which nodes
 * have a pod (create on nodes that should run one and have none; delete on nodes that
 * should not, extra pods, failed ones) or, once that is settled, advances a rolling
 * update; never both, as the writes of the first must be observed before the second can
 * count what is available.
 *
 * Kubernetes semantics: podsShouldBeOnNode, manage (daemon_controller.go) and
 * rollingUpdate, findUpdatedPodsOnNode, updatedDesiredNodeCounts (update.go).
 */
import type { DaemonSetObject, NodeObject, PodObject } from "@flotilla/api";
import { valueFromIntOrPercent } from "../deployment/rollout.ts";
import { BURST_REPLICAS } from "../replicaset/logic.ts";
import { isPodAvailable, isPodReady } from "../replicaset/pods.ts";
import { daemonPodSpec, daemonSetHash, isPodUpdated, targetNodeName } from "./daemon-pod.ts";
import { nodeShouldRunDaemonPod } from "./nodes.ts";
import { compareOldestFirst, daemonSetStatus, nextAvailableMs, type DaemonSetStatus, type NodeState } from "./status.ts";

/** A pod found on a node in a final phase, to be deleted (and reported). */
export interface DaemonPodFound {
  pod: PodObject;
  node: string;
}

/** What one pass should do. */
export interface DaemonSetPlan {
  /** Nodes to create a daemon pod for. */
  create: string[];
  /** Pods to delete. */
  delete: PodObject[];
  /** The Failed pods among `delete`: each is a FailedDaemonPod event and a step of its node's backoff. */
  failed: DaemonPodFound[];
  /** The Succeeded pods among `delete` (a daemon should never end; it is replaced). */
  succeeded: DaemonPodFound[];
  /** The status to report, counted before this plan's writes. */
  status: DaemonSetStatus;
  /** Look again after this long even if nothing changes: a backoff ending, a pod becoming available. */
  requeueAfterMs: number | undefined;
}

/** Options for {@link planDaemonSet}. */
export interface PlanOptions {
  /** Until when a failed pod on the node may not be replaced (FailedPodBackoff.untilMs). @default never */
  backoffUntilMs?: (nodeName: string) => number | undefined;
  /**
   * False while writes of an earlier pass are not yet in the cache (expectations): then
   * nothing is written and observedGeneration stays, since the cache cannot show this
   * generation's effect yet. @default true
   */
  expectationsSatisfied?: boolean;
  /**
   * The hash of the current template's ControllerRevision: pods labelled with it are up
   * to date, others are replaced by a rolling update. @default daemonSetHash(ds)
   */
  hash?: string;
}

/** The DaemonSet's pods by the node each is for (daemon-pod.ts targetNodeName); pods for no node are left out. */
export function groupByNode(pods: readonly PodObject[]): Map<string, PodObject[]> {
  const byNode = new Map<string, PodObject[]>();
  for (const pod of pods) {
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    const list = byNode.get(node);
    if (list) list.push(pod);
    else byNode.set(node, [pod]);
  }
  return byNode;
}

const terminating = (p: PodObject): boolean => p.metadata?.deletionTimestamp !== undefined;
const live = (p: PodObject): boolean => !terminating(p);

function isRollingUpdate(ds: DaemonSetObject): boolean {
  return (ds.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate";
}

/** Whether the update may run a new pod beside an old one on a node (maxSurge above 0). */
export function allowsSurge(ds: DaemonSetObject): boolean {
  return isRollingUpdate(ds) && valueFromIntOrPercent(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge ?? 0, 1, true) > 0;
}

/**
 * maxUnavailable (default 1) and maxSurge (default 0) as node counts out of `desired`,
 * percentages rounded up. Both 0 would stall the update; unavailability becomes 1 then.
 */
export function updateBudget(ds: DaemonSetObject, desired: number): { maxUnavailable: number; maxSurge: number } {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  let maxUnavailable = valueFromIntOrPercent(ru?.maxUnavailable ?? 1, desired, true);
  const maxSurge = valueFromIntOrPercent(ru?.maxSurge ?? 0, desired, true);
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxUnavailable, maxSurge };
}

interface NodeActions {
  create: boolean;
  delete: PodObject[];
  failed: DaemonPodFound[];
  succeeded: DaemonPodFound[];
  waitMs: number | undefined;
}

/** With surge: keep the oldest new and oldest old pod; drop the old one once it is not ready or the new one is available. */
function pruneSurged(ds: DaemonSetObject, running: PodObject[], hash: string, nowMs: number): PodObject[] {
  const drop: PodObject[] = [];
  let oldestNew: PodObject | undefined;
  let oldestOld: PodObject | undefined;
  for (const pod of [...running].sort(compareOldestFirst)) {
    if (isPodUpdated(pod, hash) && oldestNew === undefined) oldestNew = pod;
    else if (!isPodUpdated(pod, hash) && oldestOld === undefined) oldestOld = pod;
    else drop.push(pod);
  }
  if (oldestNew !== undefined && oldestOld !== undefined) {
    if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, nowMs)) drop.push(oldestOld);
  }
  return drop;
}

/** What one existing node needs: a pod, or some of its pods gone. */
function onNode(ds: DaemonSetObject, state: NodeState, hash: string, nowMs: number, backoffUntilMs: PlanOptions["backoffUntilMs"]): NodeActions {
  const { verdict, pods } = state;
  const node = state.node.metadata?.name ?? "";
  const out: NodeActions = { create: false, delete: [], failed: [], succeeded: [], waitMs: undefined };
  if (pods.length === 0) {
    out.create = verdict.shouldRun;
    return out;
  }
  if (!verdict.shouldContinueRunning) {
    out.delete = pods.filter(live);
    return out;
  }
  const running: PodObject[] = [];
  for (const pod of pods.filter(live)) {
    const phase = pod.status?.phase;
    if (phase === "Failed") {
      // A node that keeps failing its daemon must not get a new one at watch speed.
      const until = backoffUntilMs?.(node);
      if (until !== undefined && until > nowMs) {
        out.waitMs = Math.min(out.waitMs ?? Infinity, until - nowMs);
        continue;
      }
      out.delete.push(pod);
      out.failed.push({ pod, node });
    } else if (phase === "Succeeded") {
      out.delete.push(pod);
      out.succeeded.push({ pod, node });
    } else running.push(pod);
  }
  if (!allowsSurge(ds)) {
    // One pod per node: keep the oldest. A node left with none gets its pod next pass,
    // once the ones going are gone (a daemon often holds host ports or files).
    out.delete.push(...[...running].sort(compareOldestFirst).slice(1));
  } else if (running.length === 0) {
    out.create = verdict.shouldRun;
  } else {
    out.delete.push(...pruneSurged(ds, running, hash, nowMs));
  }
  return out;
}

/** A node's live pods as at most one new and one old; undefined when there are more (the next manage pass prunes them). */
function updatedPodsOnNode(pods: readonly PodObject[], hash: string): { newPod?: PodObject; oldPod?: PodObject } | undefined {
  const out: { newPod?: PodObject; oldPod?: PodObject } = {};
  for (const pod of pods.filter(live)) {
    const slot = isPodUpdated(pod, hash) ? "newPod" : "oldPod";
    if (out[slot] !== undefined) return undefined;
    out[slot] = pod;
  }
  return out;
}

/**
 * Without surge: delete old pods, at most maxUnavailable nodes unavailable at once; the
 * manage pass then creates their replacements. Old pods that are not available anyway are
 * replaced at once, without counting against the budget.
 */
function rollWithoutSurge(ds: DaemonSetObject, entries: readonly [string, readonly PodObject[]][], hash: string, maxUnavailable: number, nowMs: number): PodObject[] {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  let unavailable = 0;
  const replaceNow: PodObject[] = [];
  const candidates: PodObject[] = [];
  for (const [, pods] of entries) {
    const found = updatedPodsOnNode(pods, hash);
    if (found === undefined || (found.newPod === undefined) === (found.oldPod === undefined)) unavailable++;
    else if (found.newPod !== undefined) {
      if (!isPodAvailable(found.newPod, minReady, nowMs)) unavailable++;
    } else if (found.oldPod !== undefined) {
      if (!isPodAvailable(found.oldPod, minReady, nowMs)) replaceNow.push(found.oldPod);
      else if (unavailable < maxUnavailable) candidates.push(found.oldPod);
    }
  }
  const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
  return [...replaceNow, ...candidates.slice(0, room)];
}

/**
 * With surge: start a new pod beside an old one, at most maxSurge nodes at once (at once
 * where the old pod is unavailable anyway), and delete the old pod once the new one is
 * available.
 */
function rollWithSurge(ds: DaemonSetObject, entries: readonly [string, readonly PodObject[]][], exists: ReadonlySet<string>, hash: string, maxSurge: number, nowMs: number): { create: string[]; delete: PodObject[] } {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  let surging = 0;
  const oldToDelete: PodObject[] = [];
  const createNow: string[] = [];
  const candidates: string[] = [];
  for (const [node, pods] of entries) {
    const found = updatedPodsOnNode(pods, hash);
    if (found === undefined) surging++;
    else if (found.oldPod === undefined) continue;
    else if (found.newPod === undefined) {
      if (!exists.has(node)) continue;
      if (!isPodAvailable(found.oldPod, minReady, nowMs)) createNow.push(node);
      else if (surging < maxSurge) candidates.push(node);
    } else if (!isPodAvailable(found.newPod, minReady, nowMs)) surging++;
    else oldToDelete.push(found.oldPod);
  }
  const room = Math.min(Math.max(0, maxSurge - surging), candidates.length);
  return { create: [...createNow, ...candidates.slice(0, room)], delete: oldToDelete };
}

/** Nodes that should run a pod (with none as yet included), then any other node with pods: what an update walks. */
function updateEntries(states: readonly NodeState[], podsByNode: ReadonlyMap<string, readonly PodObject[]>): [string, readonly PodObject[]][] {
  const entries: [string, readonly PodObject[]][] = [];
  const seen = new Set<string>();
  for (const s of states) {
    const name = s.node.metadata?.name ?? "";
    seen.add(name);
    if (s.verdict.shouldRun || s.pods.length > 0) entries.push([name, s.pods]);
  }
  for (const [name, pods] of podsByNode) if (!seen.has(name)) entries.push([name, pods]);
  return entries;
}

/**
 * One pass for a DaemonSet, given every node and its pods by node ({@link groupByNode}):
 * 1. per node: a pod where one should run and there is none; delete every live pod where
 *    none should stay, a node's Failed pods (unless its backoff runs), Succeeded pods, and
 *    all but the oldest running pod (with maxSurge, one old and one new may stay); delete
 *    the pods of nodes that no longer exist;
 * 2. only if step 1 has nothing to do and the strategy is RollingUpdate: the update step
 *    (OnDelete replaces a pod only after someone deletes it).
 * Creations and deletions are each capped at BURST_REPLICAS; the next pass continues.
 */
export function planDaemonSet(ds: DaemonSetObject, nodes: readonly NodeObject[], podsByNode: ReadonlyMap<string, readonly PodObject[]>, nowMs: number, opts: PlanOptions = {}): DaemonSetPlan {
  const hash = opts.hash ?? daemonSetHash(ds);
  const spec = daemonPodSpec(ds);
  const states: NodeState[] = nodes.map((node) => ({ node, verdict: nodeShouldRunDaemonPod(node, spec), pods: podsByNode.get(node.metadata?.name ?? "") ?? [] }));
  const acting = opts.expectationsSatisfied ?? true;
  const plan: DaemonSetPlan = { create: [], delete: [], failed: [], succeeded: [], status: daemonSetStatus(ds, states, hash, nowMs, acting), requeueAfterMs: nextAvailableMs(ds, states, nowMs) };
  if (!acting) return plan;
  for (const state of states) {
    const a = onNode(ds, state, hash, nowMs, opts.backoffUntilMs);
    if (a.create) plan.create.push(state.node.metadata?.name ?? "");
    plan.delete.push(...a.delete);
    plan.failed.push(...a.failed);
    plan.succeeded.push(...a.succeeded);
    if (a.waitMs !== undefined) plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, a.waitMs);
  }
  // Nothing else would ever delete these: pods of a deleted node (bound or still pending).
  const exists = new Set(states.map((s) => s.node.metadata?.name ?? ""));
  for (const [node, pods] of podsByNode) if (!exists.has(node)) plan.delete.push(...pods.filter(live));
  if (plan.create.length === 0 && plan.delete.length === 0 && isRollingUpdate(ds)) {
    const desired = states.filter((s) => s.verdict.shouldRun).length;
    const { maxUnavailable, maxSurge } = updateBudget(ds, desired);
    const entries = updateEntries(states, podsByNode);
    if (allowsSurge(ds)) Object.assign(plan, rollWithSurge(ds, entries, exists, hash, maxSurge, nowMs));
    else plan.delete = rollWithoutSurge(ds, entries, hash, maxUnavailable, nowMs);
  }
  plan.create = plan.create.slice(0, BURST_REPLICAS);
  plan.delete = plan.delete.slice(0, BURST_REPLICAS);
  const deleting = new Set(plan.delete);
  plan.failed = plan.failed.filter((f) => deleting.has(f.pod));
  plan.succeeded = plan.succeeded.filter((f) => deleting.has(f.pod));
  return plan;
}
