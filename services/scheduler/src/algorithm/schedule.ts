/**
 * One placement decision: filter every node, score the ones that fit, pick the best;
 * or explain, in Kubernetes' words, why no node fits. Pure: no I/O.
 */
import type { NodeObject, PodObject } from "@flotilla/api";
import { prepareCycle, runFilters } from "./filters.ts";
import { addPod, newNodeInfo } from "./resources.ts";
import type { NodeInfo } from "./resources.ts";
import { scoreNodes } from "./scores.ts";

export type { NodeInfo } from "./resources.ts";

/** Where the pod goes and its total score there, or why it cannot go anywhere. */
export type ScheduleResult =
  | {
      node: string;
      score: number;
      /** Where the next pod's search should start (see `start`). */
      nextStart: number;
    }
  | {
      unschedulable: true;
      /** Kubernetes' FitError text, e.g. "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector." */
      message: string;
      /** How many nodes failed for each reason; a node may count under several. */
      reasons: Record<string, number>;
    };

/** The message when there are no nodes at all. */
export const NO_NODES_MESSAGE = "0/0 nodes are available: no nodes available to schedule pods.";

/**
 * Kubernetes' FitError text: "0/<total> nodes are available: " then "<count> <reason>"
 * entries joined by ", " and a final period. Like Kubernetes, the entries are sorted as
 * whole strings, count first, so "1 node(s) had untolerated taint ..." comes before
 * "2 Insufficient cpu".
 */
export function fitErrorMessage(total: number, reasons: Readonly<Record<string, number>>): string {
  if (total === 0) return NO_NODES_MESSAGE;
  const entries = Object.entries(reasons).map(([reason, count]) => `${count} ${reason}`);
  // Plain code-unit order, as Go's sort.Strings compares bytes.
  entries.sort();
  const head = `0/${total} nodes are available:`;
  return entries.length === 0 ? head : `${head} ${entries.join(", ")}.`;
}

function nameOf(info: NodeInfo): string {
  return info.node.metadata?.name ?? "";
}

/**
 * How many feasible nodes are enough to pick from, as kube-scheduler's adaptive
 * percentageOfNodesToScore: every node up to 100; beyond, 50 % less 1 % per 125 nodes,
 * at least 5 % and at least 100 nodes. Filtering stops once that many fit, so a large
 * cluster costs a fraction of a full pass per pod (1,000 nodes: 420 looked at).
 */
export function feasibleNodesToFind(total: number): number {
  if (total <= 100) return total;
  const percent = Math.max(5, 50 - total / 125);
  return Math.max(100, Math.floor((total * percent) / 100));
}

/**
 * Places the pod on one of the nodes. Nodes are filtered starting at `start` (the
 * caller rotates it, so successive pods look at different nodes first) until enough fit
 * (feasibleNodesToFind); a node's reasons are those of the first filter it fails. The
 * feasible nodes are scored and the highest total wins; equal totals go to the node
 * whose name sorts first, so the same state always gives the same answer. Pods still
 * spread because each binding lowers the chosen node's score for the next pod.
 */
export function schedule(pod: PodObject, nodes: readonly NodeInfo[], start = 0): ScheduleResult {
  if (nodes.length === 0) return { unschedulable: true, message: NO_NODES_MESSAGE, reasons: {} };
  const state = prepareCycle(pod, nodes);
  const want = feasibleNodesToFind(nodes.length);
  const feasible: NodeInfo[] = [];
  const counts = new Map<string, number>();
  let looked = 0;
  for (; looked < nodes.length && feasible.length < want; looked++) {
    const info = nodes[(start + looked) % nodes.length]!;
    const reasons = runFilters(pod, info, state);
    if (reasons.length === 0) feasible.push(info);
    else for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  if (feasible.length === 0) {
    const reasons = Object.fromEntries(counts);
    return { unschedulable: true, message: fitErrorMessage(nodes.length, reasons), reasons };
  }
  const scores = scoreNodes(pod, feasible);
  let best = 0;
  for (let i = 1; i < feasible.length; i++) {
    const s = scores[i]!;
    const b = scores[best]!;
    if (s > b || (s === b && nameOf(feasible[i]!) < nameOf(feasible[best]!))) best = i;
  }
  return { node: nameOf(feasible[best]!), score: scores[best]!, nextStart: (start + looked) % nodes.length };
}

/** Pods in these phases have finished and hold nothing on their node. */
function terminal(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/**
 * One NodeInfo per node, in the order given, holding the pods bound to it
 * (spec.nodeName) that have not finished. Pods being deleted are kept: they hold their
 * resources until they are gone. Pods naming an unknown node are left out.
 */
export function buildNodeInfos(nodes: readonly NodeObject[], pods: readonly PodObject[]): NodeInfo[] {
  const infos = nodes.map((node) => newNodeInfo(node));
  const byName = new Map<string, NodeInfo>();
  for (const info of infos) byName.set(nameOf(info), info);
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || terminal(pod)) continue;
    const info = byName.get(nodeName);
    if (info) addPod(info, pod);
  }
  return infos;
}
