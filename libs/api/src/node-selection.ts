/**
 * Node selector terms and taint tolerations, as the scheduler places pods with them, the
 * DaemonSet controller decides where daemon pods belong and the node controller evicts
 * (one set of rules for all three).
 */
import type { NodeObject, PodSpecObject } from "./schema/index.ts";

type Affinity = NonNullable<PodSpecObject["affinity"]>;
/** One term of required node affinity: its expressions and fields must all hold. */
export type NodeSelectorTerm = NonNullable<NonNullable<Affinity["nodeAffinity"]>["requiredDuringSchedulingIgnoredDuringExecution"]>["nodeSelectorTerms"][number];
export type NodeSelectorRequirement = NonNullable<NodeSelectorTerm["matchExpressions"]>[number];
/** core/v1 Toleration. */
export type Toleration = NonNullable<PodSpecObject["tolerations"]>[number];
/** core/v1 Taint. */
export type Taint = NonNullable<NonNullable<NodeObject["spec"]>["taints"]>[number];

/** The only field a matchFields requirement may name. */
export const NODE_NAME_FIELD = "metadata.name";

function labelOf(labels: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  return labels !== undefined && Object.hasOwn(labels, key) ? labels[key] : undefined;
}

// Gt and Lt compare base-10 integers, as Go's strconv.ParseInt reads them; anything else fails.
function integer(s: string | undefined): number | undefined {
  return s !== undefined && /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** Whether one requirement holds for the value of its key on the node (undefined: absent). */
export function requirementHolds(req: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      const have = integer(value);
      const want = values.length === 1 ? integer(values[0]) : undefined;
      if (have === undefined || want === undefined) return false;
      return req.operator === "Gt" ? have > want : have < want;
    }
    default:
      return false;
  }
}

/**
 * Whether the node satisfies every requirement of the term. A term without any
 * requirement matches no node, and a matchFields requirement on any field but
 * metadata.name fails, as in Kubernetes.
 */
export function nodeMatchesTerm(node: NodeObject, term: NodeSelectorTerm): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels;
  for (const e of exprs) if (!requirementHolds(e, labelOf(labels, e.key))) return false;
  for (const f of fields) if (f.key !== NODE_NAME_FIELD || !requirementHolds(f, node.metadata?.name)) return false;
  return true;
}

/**
 * Kubernetes' Toleration.ToleratesTaint: effect and key must match when the toleration
 * sets them (an empty key matches every key; validation allows that only with Exists),
 * then Exists, or Equal on the value.
 */
export function toleratesTaint(t: Toleration, taint: Pick<Taint, "key" | "value" | "effect">): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator || "Equal";
  if (op === "Exists") return true;
  return op === "Equal" && (t.value ?? "") === (taint.value ?? "");
}
