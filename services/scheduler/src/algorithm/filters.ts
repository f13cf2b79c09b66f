/**
 * Filter plugins: each says whether a pod may go on a node, and if not, why, in the
 * words Kubernetes' scheduler uses so `kubectl describe pod` reads the same. A filter
 * returns an empty list when the pod fits and one or more reasons when it does not.
 */
import { nodeMatchesTerm, selectorMatches, toleratesTaint, type Taint } from "@flotilla/api";
import type { NodeObject, PodObject, PodSpecObject } from "@flotilla/api";
import { hasRequiredAntiAffinity, labelKey, podHostPorts, podRequests } from "./resources.ts";
import type { HostPort, NodeInfo, PodRequests } from "./resources.ts";

/** Why a pod does not fit a node; empty when it fits. */
export type FilterReasons = readonly string[];

/** Per-pod work done once before the filters run over every node. */
export interface CycleState {
  requests: PodRequests;
  hostPorts: readonly HostPort[];
  nodeSelector: readonly (readonly [string, string])[];
  /** Domains the pod's own required anti-affinity terms rule out. */
  antiAffinity: readonly DomainRule[];
  /** Domains ruled out by the anti-affinity of pods already placed. */
  existingAntiAffinity: readonly DomainRule[];
}

/** Values of a node label (the topology key) whose nodes a pod must avoid. */
export interface DomainRule {
  key: string;
  domains: ReadonlySet<string>;
}

/**
 * A filter: the reasons the pod cannot go on the node, or none. `state` defaults to one
 * prepared over this node alone, which is enough for every filter but pod anti-affinity
 * across several nodes.
 */
export type FilterPlugin = (pod: PodObject, nodeInfo: NodeInfo, state?: CycleState) => FilterReasons;

type Affinity = NonNullable<PodSpecObject["affinity"]>;
type PodAffinityTerm = NonNullable<NonNullable<Affinity["podAntiAffinity"]>["requiredDuringSchedulingIgnoredDuringExecution"]>[number];

/** Kubernetes' filter messages. */
export const Reason = {
  notReady: "node(s) were not ready",
  unschedulable: "node(s) were unschedulable",
  nodeAffinity: "node(s) didn't match Pod's node affinity/selector",
  hostPorts: "node(s) didn't have free ports for the requested pod ports",
  insufficientCpu: "Insufficient cpu",
  insufficientMemory: "Insufficient memory",
  tooManyPods: "Too many pods",
  antiAffinity: "node(s) didn't match pod anti-affinity rules",
  existingAntiAffinity: "node(s) didn't satisfy existing pods anti-affinity rules",
} as const;

/** The well-known node label naming the node, the usual anti-affinity topology key. */
export const HOSTNAME_LABEL = "kubernetes.io/hostname";

// Shared results, so a node that fits (the common case) costs no allocation.
const FITS: FilterReasons = Object.freeze([]);
// Stands in for absent lists, so the hot loops allocate nothing.
const NONE: readonly never[] = Object.freeze([]);

// The node-selector rules are shared with the DaemonSet controller (libs/api); re-exported for this package's callers.
export { nodeMatchesTerm, toleratesTaint };

function labelOf(labels: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  return labels !== undefined && Object.hasOwn(labels, key) ? labels[key] : undefined;
}
const one = (reason: string): FilterReasons => Object.freeze([reason]);
const NOT_READY = one(Reason.notReady);
const UNSCHEDULABLE = one(Reason.unschedulable);
const NODE_AFFINITY = one(Reason.nodeAffinity);
const HOST_PORTS = one(Reason.hostPorts);
const ANTI_AFFINITY = one(Reason.antiAffinity);
const EXISTING_ANTI_AFFINITY = one(Reason.existingAntiAffinity);

function tolerated(pod: PodObject, taint: Pick<Taint, "key" | "value" | "effect">): boolean {
  for (const t of pod.spec?.tolerations ?? NONE) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** A cordoned node takes only pods that tolerate node.kubernetes.io/unschedulable:NoSchedule. */
export const nodeUnschedulable: FilterPlugin = (pod, { node }) => {
  if (node.spec?.unschedulable !== true) return FITS;
  return tolerated(pod, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }) ? FITS : UNSCHEDULABLE;
};

/**
 * A node whose Ready condition is not True takes no pods. Kubernetes expresses this as
 * the not-ready (Ready=False) or unreachable (Unknown or missing) NoSchedule taint, so
 * a pod tolerating that taint, such as a network plugin's DaemonSet, may still land.
 */
export const nodeReady: FilterPlugin = (pod, { readyStatus: status }) => {
  if (status === "True") return FITS;
  const key = status === "False" ? "node.kubernetes.io/not-ready" : "node.kubernetes.io/unreachable";
  return tolerated(pod, { key, effect: "NoSchedule" }) ? FITS : NOT_READY;
};

/** Every NoSchedule and NoExecute taint must be tolerated; PreferNoSchedule only affects scoring. */
export const taintToleration: FilterPlugin = (pod, { node }) => {
  for (const taint of node.spec?.taints ?? NONE) {
    if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
    if (!tolerated(pod, taint)) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`];
  }
  return FITS;
};

/** spec.nodeSelector and the required node affinity must both match; affinity terms are ORed. */
export const nodeAffinity: FilterPlugin = (pod, { node }, state = prepareCycle(pod, [])) => {
  const labels = node.metadata?.labels;
  for (const [k, v] of state.nodeSelector) if (labelOf(labels, k) !== v) return NODE_AFFINITY;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return FITS;
  for (const term of required.nodeSelectorTerms) if (nodeMatchesTerm(node, term)) return FITS;
  return NODE_AFFINITY;
};

/** A wildcard address (0.0.0.0) clashes with every address; otherwise only the same one does. */
export function portsConflict(a: HostPort, b: HostPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === "0.0.0.0" || b.ip === "0.0.0.0");
}

/** The pod's host ports must be free on the node. */
export const nodePorts: FilterPlugin = (pod, nodeInfo, state = prepareCycle(pod, [])) => {
  for (const want of state.hostPorts) {
    for (const used of nodeInfo.hostPorts) if (portsConflict(want, used)) return HOST_PORTS;
  }
  return FITS;
};

/** The node must have room for one more pod and for the pod's cpu and memory requests; one reason per shortfall. */
export const resourcesFit: FilterPlugin = (pod, nodeInfo, state = prepareCycle(pod, [])) => {
  const { requests } = state.requests;
  const { allocatable, requested } = nodeInfo;
  let reasons: string[] | undefined;
  if (nodeInfo.pods.length + 1 > allocatable.pods) (reasons ??= []).push(Reason.tooManyPods);
  if (requests.milliCpu > 0 && requests.milliCpu > allocatable.milliCpu - requested.milliCpu) (reasons ??= []).push(Reason.insufficientCpu);
  if (requests.memory > 0 && requests.memory > allocatable.memory - requested.memory) (reasons ??= []).push(Reason.insufficientMemory);
  return reasons ?? FITS;
};

/**
 * The node's domain for a topology key: its label value. A node without the hostname
 * label is its own hostname domain, so per-node anti-affinity works on bare nodes too.
 */
export function topologyDomain(node: NodeObject, key: string): string | undefined {
  return labelOf(node.metadata?.labels, key) ?? (key === HOSTNAME_LABEL ? node.metadata?.name : undefined);
}

function inDomains(node: NodeObject, rules: readonly DomainRule[]): boolean {
  for (const rule of rules) {
    const domain = topologyDomain(node, rule.key);
    if (domain !== undefined && rule.domains.has(domain)) return true;
  }
  return false;
}

/**
 * Required pod anti-affinity, both ways: the node's domain must hold no pod the
 * incoming pod's terms select, and the incoming pod must not be selected by the terms
 * of a pod already in that domain.
 */
export const podAntiAffinity: FilterPlugin = (pod, nodeInfo, state = prepareCycle(pod, [nodeInfo])) => {
  if (inDomains(nodeInfo.node, state.existingAntiAffinity)) return EXISTING_ANTI_AFFINITY;
  return inDomains(nodeInfo.node, state.antiAffinity) ? ANTI_AFFINITY : FITS;
};

/** The filters in the order Kubernetes runs their counterparts; a node's reasons come from the first that fails. */
export const FILTERS: readonly FilterPlugin[] = [nodeUnschedulable, nodeReady, taintToleration, nodeAffinity, nodePorts, resourcesFit, podAntiAffinity];

/** Runs the filters over one node and returns the first failure's reasons, or none. */
export function runFilters(pod: PodObject, nodeInfo: NodeInfo, state: CycleState): FilterReasons {
  for (const filter of FILTERS) {
    const reasons = filter(pod, nodeInfo, state);
    if (reasons.length > 0) return reasons;
  }
  return FITS;
}

function namespaceOf(pod: PodObject): string {
  return pod.metadata?.namespace || "default";
}

/** A required anti-affinity term made ready to test many pods against. */
interface CompiledTerm {
  key: string;
  /** The term's matchLabels as NodeInfo.labelCounts keys. */
  labelKeys: readonly string[];
  selects: (target: PodObject) => boolean;
}

// Compiled once per pod object, like the requests: a scheduling pass may test the terms
// of every placed pod, and the incoming pod's terms against every placed pod.
const termCache = new WeakMap<PodObject, readonly CompiledTerm[]>();

/**
 * Which namespaces a term looks in. Listed namespaces, else the owner's own; an empty
 * namespaceSelector means all. A non-empty namespaceSelector would need namespace labels,
 * which a pure placement function does not have, so it adds nothing.
 */
function termNamespaces(term: PodAffinityTerm, owner: PodObject): (ns: string) => boolean {
  const sel = term.namespaceSelector;
  if (sel && !sel.matchLabels && !sel.matchExpressions?.length) return () => true;
  if (term.namespaces?.length || sel) {
    const names = new Set(term.namespaces);
    return (ns) => names.has(ns);
  }
  const own = namespaceOf(owner);
  return (ns) => ns === own;
}

function compileTerm(term: PodAffinityTerm, owner: PodObject): CompiledTerm {
  const sel = term.labelSelector;
  // A missing selector selects nothing, an empty one everything, as in Kubernetes.
  if (sel === undefined) return { key: term.topologyKey, labelKeys: NONE, selects: () => false };
  const inNamespace = termNamespaces(term, owner);
  const keys = Object.keys(sel.matchLabels ?? {});
  const values = Object.values(sel.matchLabels ?? {});
  const exprs = sel.matchExpressions?.length ? { matchExpressions: sel.matchExpressions } : undefined;
  const selects = (target: PodObject): boolean => {
    if (!inNamespace(namespaceOf(target))) return false;
    const labels = target.metadata?.labels;
    if (labels === undefined) return keys.length === 0 && (exprs === undefined || selectorMatches(exprs, {}));
    // matchLabels are checked inline, in an indexed loop: this runs for many pods per
    // pass. Values are strings, so inherited object members never compare equal.
    for (let i = 0; i < keys.length; i++) if (labels[keys[i]!] !== values[i]) return false;
    return exprs === undefined || selectorMatches(exprs, labels);
  };
  return { key: term.topologyKey, labelKeys: keys.map((k, i) => labelKey(k, values[i]!)), selects };
}

function compiledTerms(pod: PodObject): readonly CompiledTerm[] {
  let terms = termCache.get(pod);
  if (!terms) {
    const raw = pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? NONE;
    terms = raw.map((t) => compileTerm(t, pod));
    termCache.set(pod, terms);
  }
  return terms;
}

// A node can only hold a selected pod if some pod there carries each matchLabels label.
function mayHoldMatch(info: NodeInfo, labelKeys: readonly string[]): boolean {
  for (const k of labelKeys) if (!info.labelCounts.has(k)) return false;
  return true;
}

function incomingRules(pod: PodObject, nodes: readonly NodeInfo[]): DomainRule[] {
  const uid = pod.metadata?.uid;
  return compiledTerms(pod).map(({ key, labelKeys, selects }) => {
    const domains = new Set<string>();
    for (const info of nodes) {
      if (!mayHoldMatch(info, labelKeys)) continue;
      const domain = topologyDomain(info.node, key);
      if (domain === undefined || domains.has(domain)) continue;
      for (const other of info.pods) {
        if (selects(other) && (uid === undefined || other.metadata?.uid !== uid)) {
          domains.add(domain);
          break;
        }
      }
    }
    return { key, domains };
  });
}

function existingRules(pod: PodObject, nodes: readonly NodeInfo[]): DomainRule[] {
  const byKey = new Map<string, Set<string>>();
  for (const info of nodes) {
    for (const other of info.antiAffinityPods) {
      for (const { key, selects } of compiledTerms(other)) {
        if (!selects(pod)) continue;
        const domain = topologyDomain(info.node, key);
        if (domain === undefined) continue;
        let set = byKey.get(key);
        if (!set) byKey.set(key, (set = new Set()));
        set.add(domain);
      }
    }
  }
  return [...byKey].map(([key, domains]) => ({ key, domains }));
}

/**
 * The per-pod state the filters share: parsed requests, wanted host ports, the node
 * selector as pairs, and the anti-affinity domains found by one pass over all nodes.
 */
export function prepareCycle(pod: PodObject, nodes: readonly NodeInfo[]): CycleState {
  return {
    requests: podRequests(pod),
    hostPorts: podHostPorts(pod),
    nodeSelector: Object.entries(pod.spec?.nodeSelector ?? {}),
    antiAffinity: hasRequiredAntiAffinity(pod) ? incomingRules(pod, nodes) : [],
    existingAntiAffinity: existingRules(pod, nodes),
  };
}
