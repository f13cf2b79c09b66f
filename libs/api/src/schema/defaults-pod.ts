/**
 * Defaults of pod specs, as Kubernetes fills them in: once for pods, and for the
 * templates of controllers (which get the spec defaults but not the pod-only ones
 * that admission adds, such as priority).
 */
import { VOLUME_SOURCES } from "./core-volume.ts";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The object at `o[key]`, created empty when absent. */
export function objAt(o: Obj, key: string): Obj {
  const v = o[key];
  if (isObj(v)) return v;
  const fresh: Obj = {};
  o[key] = fresh;
  return fresh;
}

/** Set `o[key]` unless it already has a value. */
export function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

const DEFAULT_MODE = 0o644;

/**
 * Always for an image without a tag or with :latest (it may change under the same
 * name), otherwise IfNotPresent. A digest pins the image.
 */
export function defaultPullPolicy(image: unknown): "Always" | "IfNotPresent" {
  if (typeof image !== "string") return "Always";
  if (image.includes("@")) return "IfNotPresent";
  const lastSlash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  if (colon <= lastSlash) return "Always";
  return image.slice(colon + 1) === "latest" ? "Always" : "IfNotPresent";
}

function defaultHttpGet(handler: unknown): void {
  if (!isObj(handler) || !isObj(handler.httpGet)) return;
  setDefault(handler.httpGet, "path", "/");
  setDefault(handler.httpGet, "scheme", "HTTP");
}

function defaultProbe(probe: unknown): void {
  if (!isObj(probe)) return;
  setDefault(probe, "timeoutSeconds", 1);
  setDefault(probe, "periodSeconds", 10);
  setDefault(probe, "successThreshold", 1);
  setDefault(probe, "failureThreshold", 3);
  defaultHttpGet(probe);
}

function defaultFieldRef(holder: Obj): void {
  if (isObj(holder.fieldRef)) setDefault(holder.fieldRef, "apiVersion", "v1");
}

function defaultContainer(c: Obj, hostNetwork: boolean): void {
  setDefault(c, "imagePullPolicy", defaultPullPolicy(c.image));
  setDefault(c, "terminationMessagePath", "/dev/termination-log");
  setDefault(c, "terminationMessagePolicy", "File");
  objAt(c, "resources");
  for (const p of objects(c.ports)) {
    setDefault(p, "protocol", "TCP");
    // On the host network a container port is a node port.
    if (hostNetwork) setDefault(p, "hostPort", p.containerPort);
  }
  for (const e of objects(c.env)) if (isObj(e.valueFrom)) defaultFieldRef(e.valueFrom);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isObj(c.lifecycle)) {
    defaultHttpGet(c.lifecycle.postStart);
    defaultHttpGet(c.lifecycle.preStop);
  }
}

function defaultVolume(v: Obj): void {
  if (!VOLUME_SOURCES.some((s) => v[s] !== undefined)) v.emptyDir = {};
  for (const key of ["configMap", "secret", "projected", "downwardAPI"]) {
    if (isObj(v[key])) setDefault(v[key], "defaultMode", DEFAULT_MODE);
  }
  if (isObj(v.hostPath)) setDefault(v.hostPath, "type", "");
  if (isObj(v.downwardAPI)) for (const item of objects(v.downwardAPI.items)) defaultFieldRef(item);
  if (isObj(v.projected)) {
    for (const src of objects(v.projected.sources)) {
      if (isObj(src.downwardAPI)) for (const item of objects(src.downwardAPI.items)) defaultFieldRef(item);
      if (isObj(src.serviceAccountToken)) setDefault(src.serviceAccountToken, "expirationSeconds", 3600);
    }
  }
}

/** Defaults every pod spec gets, in a pod or in a controller's template. */
export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "schedulerName", "default-scheduler");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  objAt(spec, "securityContext");
  const hostNetwork = spec.hostNetwork === true;
  for (const c of objects(spec.initContainers)) defaultContainer(c, hostNetwork);
  for (const c of objects(spec.containers)) defaultContainer(c, hostNetwork);
  for (const v of objects(spec.volumes)) defaultVolume(v);
}

/** Requests default to limits, resource by resource, when only limits are given. */
function requestsFromLimits(c: Obj): void {
  const res = c.resources;
  if (!isObj(res) || !isObj(res.limits)) return;
  const requests = objAt(res, "requests");
  for (const [name, q] of Object.entries(res.limits)) setDefault(requests, name, q);
}

/** Defaults of a Pod object: the spec defaults plus what admission adds to pods. */
export function defaultPod(pod: Obj): void {
  const spec = objAt(pod, "spec");
  defaultPodSpec(spec);
  setDefault(spec, "enableServiceLinks", true);
  setDefault(spec, "priority", 0);
  setDefault(spec, "preemptionPolicy", "PreemptLowerPriority");
  // The deprecated serviceAccount mirrors serviceAccountName in both directions.
  setDefault(spec, "serviceAccountName", spec.serviceAccount ?? "default");
  setDefault(spec, "serviceAccount", spec.serviceAccountName);
  for (const c of [...objects(spec.initContainers), ...objects(spec.containers)]) requestsFromLimits(c);
}

/** Template defaults of a controller: the pod spec defaults, metadata present. */
export function defaultTemplate(spec: Obj): void {
  const template = objAt(spec, "template");
  objAt(template, "metadata");
  defaultPodSpec(objAt(template, "spec"));
}
