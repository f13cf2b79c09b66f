/**
 * Kubernetes' defaults for each kind, applied after decoding and before
 * validation, so stored objects read back the way kubectl expects
 * (`kubectl get deploy -o yaml` shows strategy, revisionHistoryLimit, ...).
 */
import type { KubeObject } from "../meta.ts";
import type { ResourceInfo } from "../registry.ts";
import { defaultPod, defaultTemplate, objAt, setDefault } from "./defaults-pod.ts";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

function defaultDeployment(o: Obj): void {
  const spec = objAt(o, "spec");
  setDefault(spec, "replicas", 1);
  const strategy = objAt(spec, "strategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = objAt(strategy, "rollingUpdate");
    setDefault(ru, "maxUnavailable", "25%");
    setDefault(ru, "maxSurge", "25%");
  }
  setDefault(spec, "revisionHistoryLimit", 10);
  setDefault(spec, "progressDeadlineSeconds", 600);
  defaultTemplate(spec);
}

function defaultReplicaSet(o: Obj): void {
  const spec = objAt(o, "spec");
  setDefault(spec, "replicas", 1);
  defaultTemplate(spec);
}

function defaultDaemonSet(o: Obj): void {
  const spec = objAt(o, "spec");
  const strategy = objAt(spec, "updateStrategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = objAt(strategy, "rollingUpdate");
    setDefault(ru, "maxUnavailable", 1);
    setDefault(ru, "maxSurge", 0);
  }
  setDefault(spec, "revisionHistoryLimit", 10);
  defaultTemplate(spec);
}

function defaultJob(o: Obj): void {
  const spec = objAt(o, "spec");
  // Neither set: one pod, once. Only parallelism set: a work queue, where the first
  // success finishes the job, so completions stays unset.
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, "parallelism", 1);
  setDefault(spec, "backoffLimit", spec.backoffLimitPerIndex != null ? 2147483647 : 6);
  setDefault(spec, "completionMode", "NonIndexed");
  setDefault(spec, "suspend", false);
  setDefault(spec, "podReplacementPolicy", spec.podFailurePolicy != null ? "Failed" : "TerminatingOrFailed");
  if (isObj(spec.podFailurePolicy)) {
    for (const rule of objects(spec.podFailurePolicy.rules)) for (const c of objects(rule.onPodConditions)) setDefault(c, "status", "True");
  }
  defaultTemplate(spec);
}

function defaultService(o: Obj): void {
  const spec = objAt(o, "spec");
  setDefault(spec, "type", "ClusterIP");
  setDefault(spec, "sessionAffinity", "None");
  if (spec.sessionAffinity === "ClientIP") {
    const cfg = objAt(objAt(spec, "sessionAffinityConfig"), "clientIP");
    setDefault(cfg, "timeoutSeconds", 10800);
  }
  for (const p of objects(spec.ports)) {
    setDefault(p, "protocol", "TCP");
    if (p.targetPort == null || p.targetPort === 0 || p.targetPort === "") p.targetPort = p.port;
  }
  if (spec.type === "ExternalName") return;
  if (spec.type === "NodePort" || spec.type === "LoadBalancer") setDefault(spec, "externalTrafficPolicy", "Cluster");
  if (spec.type === "LoadBalancer") setDefault(spec, "allocateLoadBalancerNodePorts", true);
  setDefault(spec, "internalTrafficPolicy", "Cluster");
  setDefault(spec, "ipFamilyPolicy", "SingleStack");
  if (typeof spec.clusterIP === "string" && spec.clusterIP !== "" && spec.clusterIPs == null) spec.clusterIPs = [spec.clusterIP];
}

function defaultSecret(o: Obj): void {
  setDefault(o, "type", "Opaque");
  // stringData is write-only: it is folded into data, winning over it.
  if (isObj(o.stringData)) {
    const data = objAt(o, "data");
    for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(String(v), "utf8").toString("base64");
    delete o.stringData;
  }
}

function defaultNamespace(o: Obj): void {
  setDefault(objAt(o, "spec"), "finalizers", ["kubernetes"]);
  setDefault(objAt(o, "status"), "phase", "Active");
}

function defaultNode(o: Obj): void {
  const status = o.status;
  if (isObj(status) && isObj(status.capacity)) setDefault(status, "allocatable", { ...status.capacity });
}

function defaultPortProtocols(ports: unknown): void {
  for (const p of objects(ports)) setDefault(p, "protocol", "TCP");
}

const BY_KIND: Readonly<Record<string, (o: Obj) => void>> = {
  "/Pod": defaultPod,
  "/Service": defaultService,
  "/Secret": defaultSecret,
  "/Namespace": defaultNamespace,
  "/Node": defaultNode,
  "/Endpoints": (o) => objects(o.subsets).forEach((s) => defaultPortProtocols(s.ports)),
  "apps/Deployment": defaultDeployment,
  "apps/ReplicaSet": defaultReplicaSet,
  "apps/DaemonSet": defaultDaemonSet,
  "batch/Job": defaultJob,
  "discovery.k8s.io/EndpointSlice": (o) => defaultPortProtocols(o.ports),
};

/**
 * Fill in Kubernetes' defaults for `info`'s kind. Changes `obj` in place and returns
 * it. Idempotent: fields already set are left alone.
 */
export function applyDefaults<T extends KubeObject>(info: ResourceInfo, obj: T): T {
  BY_KIND[`${info.group}/${info.kind}`]?.(obj);
  return obj;
}

/** The label and selector key Kubernetes ties a Job's pods to it with. */
export const JOB_CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
/** The label carrying the Job's name on its pods. */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

/**
 * Give a new Job its generated selector and pod labels, from the UID the apiserver
 * assigned. Leaves Jobs with `manualSelector: true` alone. Changes `job` in place.
 */
export function generateJobSelector(job: KubeObject, uid: string): void {
  const spec = objAt(job, "spec");
  if (spec.manualSelector === true) return;
  const name = job.metadata.name ?? "";
  spec.selector = { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: uid } };
  const labels = objAt(objAt(objAt(spec, "template"), "metadata"), "labels");
  // The unprefixed labels are kept for tools written before the prefixed ones.
  Object.assign(labels, { "controller-uid": uid, "job-name": name, [JOB_CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name });
}

function carryServiceAllocations(spec: Obj, old: Obj): void {
  if (spec.clusterIP == null || spec.clusterIP === "") {
    for (const k of ["clusterIP", "clusterIPs", "ipFamilies"]) if (old[k] !== undefined && spec[k] == null) spec[k] = old[k];
  }
  const oldPorts = objects(old.ports);
  for (const p of objects(spec.ports)) {
    const prev = oldPorts.find((o) => o.port === p.port && (o.protocol ?? "TCP") === (p.protocol ?? "TCP"));
    if (prev?.nodePort !== undefined && (p.nodePort == null || p.nodePort === 0)) p.nodePort = prev.nodePort;
  }
  if (spec.healthCheckNodePort == null && old.healthCheckNodePort !== undefined) spec.healthCheckNodePort = old.healthCheckNodePort;
}

/**
 * On update, keep what the server allocated when the client left it out (a PUT of
 * the original manifest): a Service's cluster IPs and node ports, a Job's generated
 * selector. Call before validation; changes `obj` in place.
 */
export function carryOverAllocated(info: ResourceInfo, obj: KubeObject, old: KubeObject): void {
  const spec = obj.spec;
  const oldSpec = old.spec;
  if (!isObj(spec) || !isObj(oldSpec)) return;
  if (info.group === "" && info.kind === "Service") carryServiceAllocations(spec, oldSpec);
  if (info.group === "batch" && info.kind === "Job" && spec.selector == null && oldSpec.manualSelector !== true) {
    spec.selector = oldSpec.selector;
    const uid = old.metadata.uid;
    if (uid) generateJobSelector(obj, uid);
  }
}
