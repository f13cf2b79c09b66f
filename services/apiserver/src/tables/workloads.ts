/** Rows for the apps/v1 and batch/v1 workload controllers and their ControllerRevisions. */
import type { KubeObject } from "@flotilla/api";
import { humanDuration, since } from "./duration.ts";
import { AGE_COL, CONTAINERS_COL, IMAGES_COL, SELECTOR_COL, col, containerCells, formatLabelSelector, formatLabels, nameCol, selectorString } from "./format.ts";
import type { ContainerLike, LabelSelector } from "./format.ts";
import type { ColumnDefinition } from "./types.ts";

interface TemplateSpec {
  template?: { spec?: { containers?: ContainerLike[]; nodeSelector?: Record<string, string> } };
  selector?: LabelSelector | null;
}

interface Workload extends KubeObject {
  spec?: TemplateSpec & { replicas?: number; completions?: number; parallelism?: number };
  status?: Record<string, unknown> & { conditions?: { type: string; status: string }[] };
}

function count(status: Workload["status"], field: string): number {
  const v = status?.[field];
  return typeof v === "number" ? v : 0;
}

function wideCells(w: Workload, selector: string): unknown[] {
  return [...containerCells(w.spec?.template?.spec?.containers), selector];
}

/** Columns of `kubectl get deployment` (wide ones at priority 1). */
export const DEPLOYMENT_COLUMNS: readonly ColumnDefinition[] = [
  nameCol(),
  col("Ready", "string", "Ready pods out of desired replicas."),
  col("Up-to-date", "string", "Pods running the current pod template."),
  col("Available", "string", "Pods ready for at least minReadySeconds."),
  AGE_COL,
  CONTAINERS_COL,
  IMAGES_COL,
  SELECTOR_COL,
];

/** Cells of one row, in the order of the matching columns. */
export function deploymentRow(obj: KubeObject, now: Date): unknown[] {
  const d = obj as Workload;
  // An unset replicas field defaults to 1.
  const desired = d.spec?.replicas ?? 1;
  return [
    d.metadata.name ?? "",
    `${count(d.status, "readyReplicas")}/${desired}`,
    count(d.status, "updatedReplicas"),
    count(d.status, "availableReplicas"),
    since(d.metadata.creationTimestamp, now),
    ...wideCells(d, selectorString(d.spec?.selector)),
  ];
}

/** Columns of `kubectl get replicaset` (wide ones at priority 1). */
export const REPLICASET_COLUMNS: readonly ColumnDefinition[] = [
  nameCol(),
  col("Desired", "integer", "Replicas wanted."),
  col("Current", "integer", "Replicas that exist."),
  col("Ready", "integer", "Replicas that are ready."),
  AGE_COL,
  CONTAINERS_COL,
  IMAGES_COL,
  SELECTOR_COL,
];

/** Cells of one row, in the order of the matching columns. */
export function replicaSetRow(obj: KubeObject, now: Date): unknown[] {
  const rs = obj as Workload;
  return [
    rs.metadata.name ?? "",
    rs.spec?.replicas ?? 1,
    count(rs.status, "replicas"),
    count(rs.status, "readyReplicas"),
    since(rs.metadata.creationTimestamp, now),
    ...wideCells(rs, formatLabelSelector(rs.spec?.selector)),
  ];
}

/** Columns of `kubectl get daemonset` (wide ones at priority 1). */
export const DAEMONSET_COLUMNS: readonly ColumnDefinition[] = [
  nameCol(),
  col("Desired", "integer", "Nodes that should run the daemon pod."),
  col("Current", "integer", "Nodes running at least one daemon pod."),
  col("Ready", "integer", "Nodes whose daemon pod is ready."),
  col("Up-to-date", "integer", "Nodes running the current pod template."),
  col("Available", "integer", "Nodes whose daemon pod is available."),
  col("Node Selector", "string", "Labels a node needs to run the daemon pod."),
  AGE_COL,
  CONTAINERS_COL,
  IMAGES_COL,
  SELECTOR_COL,
];

/** Cells of one row, in the order of the matching columns. */
export function daemonSetRow(obj: KubeObject, now: Date): unknown[] {
  const ds = obj as Workload;
  return [
    ds.metadata.name ?? "",
    count(ds.status, "desiredNumberScheduled"),
    count(ds.status, "currentNumberScheduled"),
    count(ds.status, "numberReady"),
    count(ds.status, "updatedNumberScheduled"),
    count(ds.status, "numberAvailable"),
    formatLabels(ds.spec?.template?.spec?.nodeSelector),
    since(ds.metadata.creationTimestamp, now),
    ...wideCells(ds, formatLabelSelector(ds.spec?.selector)),
  ];
}

/** Columns of `kubectl get job` (wide ones at priority 1). */
export const JOB_COLUMNS: readonly ColumnDefinition[] = [
  nameCol(),
  col("Status", "string", "Complete, Failed, Terminating, Suspended, FailureTarget or Running."),
  col("Completions", "string", "Succeeded pods out of the completions wanted."),
  col("Duration", "string", "How long the job ran, or has been running."),
  AGE_COL,
  CONTAINERS_COL,
  IMAGES_COL,
  SELECTOR_COL,
];

function jobStatus(job: Workload): string {
  const has = (type: string): boolean => (job.status?.conditions ?? []).find((c) => c.type === type)?.status === "True";
  if (has("Complete")) return "Complete";
  if (has("Failed")) return "Failed";
  if (job.metadata.deletionTimestamp) return "Terminating";
  if (has("Suspended")) return "Suspended";
  if (has("FailureTarget")) return "FailureTarget";
  return "Running";
}

function jobCompletions(job: Workload): string {
  const succeeded = count(job.status, "succeeded");
  if (job.spec?.completions !== undefined) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: Workload, now: Date): string {
  const start = job.status?.startTime;
  if (typeof start !== "string") return "";
  const end = job.status?.completionTime;
  const endMs = typeof end === "string" ? Date.parse(end) : now.getTime();
  return humanDuration(endMs - Date.parse(start));
}

/** Cells of one row, in the order of the matching columns. */
export function jobRow(obj: KubeObject, now: Date): unknown[] {
  const job = obj as Workload;
  return [
    job.metadata.name ?? "",
    jobStatus(job),
    jobCompletions(job),
    jobDuration(job, now),
    since(job.metadata.creationTimestamp, now),
    ...wideCells(job, formatLabelSelector(job.spec?.selector)),
  ];
}

/** Columns of `kubectl get controllerrevision`. */
export const CONTROLLERREVISION_COLUMNS: readonly ColumnDefinition[] = [
  nameCol(),
  col("Controller", "string", "The controlling object, as kind.group/name."),
  col("Revision", "integer", "Sequence number of the revision among its controller's."),
  AGE_COL,
];

/**
 * Cells of one row. The controller is named as Kubernetes prints it, lower-case
 * `kind.group/name` (`daemonset.apps/agent`), or `<none>` for an orphan.
 */
export function controllerRevisionRow(obj: KubeObject, now: Date): unknown[] {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  let controller = "<none>";
  if (ref) {
    const slash = ref.apiVersion.indexOf("/");
    const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : "";
    controller = `${(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}`;
  }
  const revision = typeof obj.revision === "number" ? obj.revision : 0;
  return [obj.metadata.name ?? "", controller, revision, since(obj.metadata.creationTimestamp, now)];
}
