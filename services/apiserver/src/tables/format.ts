/**
 * The small text formats the Kubernetes printers share: label maps, label selectors,
 * container lists, host:port pairs and "a,b,c + 2 more..." lists.
 */
import type { ColumnDefinition } from "./types.ts";

/** A column of the given type; `wide` puts it behind `-o wide`. */
export function col(name: string, type: ColumnDefinition["type"], description: string, wide = false): ColumnDefinition {
  return { name, type, format: "", description, priority: wide ? 1 : 0 };
}

/** The NAME column every resource starts with (or, for events, ends with). */
export function nameCol(wide = false): ColumnDefinition {
  return { name: "Name", type: "string", format: "name", description: "Name of the object, unique within its namespace.", priority: wide ? 1 : 0 };
}

/** AGE: time since creation, in HumanDuration form. */
export const AGE_COL = col("Age", "string", "Time since the object was created.");
/** Wide CONTAINERS column of the workload controllers. */
export const CONTAINERS_COL = col("Containers", "string", "Names of the containers in the pod template.", true);
/** Wide IMAGES column of the workload controllers. */
export const IMAGES_COL = col("Images", "string", "Images of the containers in the pod template.", true);
/** Wide SELECTOR column of the workload controllers. */
export const SELECTOR_COL = col("Selector", "string", "Label selector for the pods this object manages.", true);

/** `k=v,k2=v2` with keys sorted, "<none>" when empty (labels.FormatLabels). */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${labels![k]}`).join(",");
}

/** One matchExpressions entry of a label selector. */
export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

/** meta/v1 LabelSelector, as far as the printers read it. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

function requirementText(r: LabelSelectorRequirement): string {
  const values = [...(r.values ?? [])].sort().join(",");
  switch (r.operator) {
    case "In":
      return `${r.key} in (${values})`;
    case "NotIn":
      return `${r.key} notin (${values})`;
    case "Exists":
      return r.key;
    case "DoesNotExist":
      return `!${r.key}`;
    default:
      return `${r.key} ${r.operator} (${values})`;
  }
}

/**
 * A label selector as selector text ("app=web,tier in (a,b)"), requirements sorted
 * by key; "" for a missing or empty selector (Deployment's SELECTOR column).
 */
export function selectorString(selector: LabelSelector | null | undefined): string {
  if (!selector) return "";
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) reqs.push({ key, text: `${key}=${value}` });
  for (const r of selector.matchExpressions ?? []) reqs.push({ key: r.key, text: requirementText(r) });
  return reqs
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(",");
}

/** Like selectorString but "<none>" for an empty result (metav1.FormatLabelSelector). */
export function formatLabelSelector(selector: LabelSelector | null | undefined): string {
  return selectorString(selector) || "<none>";
}

/** The container fields the wide columns show. */
export interface ContainerLike {
  name?: string;
  image?: string;
}

/** Container names and images, each comma-joined, for the wide CONTAINERS/IMAGES columns. */
export function containerCells(containers: readonly ContainerLike[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? "").join(","), list.map((c) => c.image ?? "").join(",")];
}

/** host:port, with IPv6 hosts bracketed (net.JoinHostPort). */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The first `max` items joined by commas, then " + N more..." for the rest. */
export function listWithMore(items: readonly string[], total: number, max: number, empty: string): string {
  const text = items.slice(0, max).join(",");
  if (total > max) return `${text} + ${total - max} more...`;
  return text === "" ? empty : text;
}
