/**
 * Node selector terms, as the scheduler places pods with them and the DaemonSet
 * controller decides where daemon pods belong (one set of rules for both).
 */
import type { NodeObject, PodSpecObject } from "./schema/index.ts";

type Affinity = NonNullable<PodSpecObject["affinity"]>;
/** One term of required node affinity: its expressions and fields must all hold. */
export type NodeSelectorTerm = NonNullable<NonNullable<Affinity["nodeAffinity"]>["requiredDuringSchedulingIgnoredDuringExecution"]>["nodeSelectorTerms"][number];
export type NodeSelectorRequirement = NonNullable<NodeSelectorTerm["matchExpressions"]>[number];

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
