/** Validation of containers: names, images, ports, env, resources, mounts, probes, hooks. */
import type { StatusCause } from "../errors.ts";
import { asString, child, duplicate, entries, forbidden, index, invalid, isObj, nonNegative, notFound, notSupported, oneOf, required } from "./field-errors.ts";
import type { Obj } from "./field-errors.ts";
import { inclusiveRangeError, isConfigMapKey, isDNS1123Label, isEnvVarName, isPortName, isQualifiedName } from "./names.ts";
import { QUANTITY_FORMAT_ERROR, parseQuantity } from "./quantity.ts";

/** Port protocols, sorted as Kubernetes lists them in errors. */
export const PROTOCOLS = ["SCTP", "TCP", "UDP"] as const;
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;
const TERMINATION_MESSAGE_POLICIES = ["FallbackToLogsOnError", "File"] as const;
const FIELD_PATHS = ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"] as const;
const RESOURCE_FIELDS = ["limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"] as const;
const STANDARD_RESOURCES = ["cpu", "memory", "ephemeral-storage"];

/** What the caller knows about the pod around the containers. */
export interface ContainerContext {
  /** Names of the pod's volumes, for checking mounts. */
  volumes: ReadonlySet<string>;
  /** Container names seen so far in the pod (shared across init and main containers). */
  names: Set<string>;
  init: boolean;
}

/** A port given as number (1-65535) or IANA name. */
export function validatePortNumOrName(errs: StatusCause[], port: unknown, path: string): void {
  if (typeof port === "number") {
    if (port < 1 || port > 65535) errs.push(invalid(path, port, inclusiveRangeError(1, 65535)));
  } else if (typeof port === "string") {
    for (const m of isPortName(port)) errs.push(invalid(path, port, m));
  } else {
    errs.push(required(path));
  }
}

function validatePorts(errs: StatusCause[], ports: unknown, path: string): void {
  const names = new Set<string>();
  for (const [i, p] of entries(ports)) {
    const at = index(path, i);
    const name = asString(p.name);
    if (name) {
      for (const m of isPortName(name)) errs.push(invalid(child(at, "name"), name, m));
      if (names.has(name)) errs.push(duplicate(child(at, "name"), name));
      names.add(name);
    }
    const cp = p.containerPort;
    if (typeof cp !== "number" || cp === 0) errs.push(required(child(at, "containerPort")));
    else if (cp < 1 || cp > 65535) errs.push(invalid(child(at, "containerPort"), cp, inclusiveRangeError(1, 65535)));
    if (typeof p.hostPort === "number" && p.hostPort !== 0 && (p.hostPort < 1 || p.hostPort > 65535)) {
      errs.push(invalid(child(at, "hostPort"), p.hostPort, inclusiveRangeError(1, 65535)));
    }
    oneOf(errs, child(at, "protocol"), p.protocol, PROTOCOLS, true);
  }
}

function validateKeySelector(errs: StatusCause[], sel: Obj, path: string): void {
  if (!sel.name) errs.push(required(child(path, "name")));
  const key = asString(sel.key);
  if (!key) errs.push(required(child(path, "key")));
  else for (const m of isConfigMapKey(key)) errs.push(invalid(child(path, "key"), key, m));
}

function validateFieldRef(errs: StatusCause[], ref: Obj, path: string): void {
  if (!ref.apiVersion) errs.push(required(child(path, "apiVersion")));
  const fp = asString(ref.fieldPath);
  if (!fp) {
    errs.push(required(child(path, "fieldPath")));
    return;
  }
  // metadata.labels['key'] and metadata.annotations['key'] name one entry.
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fp);
  if (m) {
    for (const msg of isQualifiedName(m[2]!.toLowerCase())) errs.push(invalid(child(path, "fieldPath"), fp, msg));
    return;
  }
  if (!(FIELD_PATHS as readonly string[]).includes(fp)) errs.push(notSupported(child(path, "fieldPath"), fp, FIELD_PATHS));
}

/** An EnvVarSource (also used by downward API files for fieldRef/resourceFieldRef). */
export function validateValueFrom(errs: StatusCause[], from: Obj, path: string): void {
  const set = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"].filter((k) => from[k] !== undefined);
  if (set.length === 0) errs.push(invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
  if (set.length > 1) errs.push(invalid(path, "", "may not have more than one field specified at a time"));
  if (isObj(from.fieldRef)) validateFieldRef(errs, from.fieldRef, child(path, "fieldRef"));
  if (isObj(from.resourceFieldRef)) {
    const res = from.resourceFieldRef.resource;
    oneOf(errs, child(child(path, "resourceFieldRef"), "resource"), res, RESOURCE_FIELDS, true);
  }
  if (isObj(from.configMapKeyRef)) validateKeySelector(errs, from.configMapKeyRef, child(path, "configMapKeyRef"));
  if (isObj(from.secretKeyRef)) validateKeySelector(errs, from.secretKeyRef, child(path, "secretKeyRef"));
}

function validateEnv(errs: StatusCause[], env: unknown, path: string): void {
  for (const [i, e] of entries(env)) {
    const at = index(path, i);
    const name = asString(e.name);
    if (!name) errs.push(required(child(at, "name")));
    else for (const m of isEnvVarName(name)) errs.push(invalid(child(at, "name"), name, m));
    if (isObj(e.valueFrom)) {
      if (e.value) errs.push(invalid(child(at, "valueFrom"), "", "may not be specified when `value` is not empty"));
      validateValueFrom(errs, e.valueFrom, child(at, "valueFrom"));
    }
  }
}

function validateEnvFrom(errs: StatusCause[], envFrom: unknown, path: string): void {
  for (const [i, e] of entries(envFrom)) {
    const at = index(path, i);
    if (e.prefix) for (const m of isEnvVarName(asString(e.prefix))) errs.push(invalid(child(at, "prefix"), e.prefix, m));
    const set = ["configMapRef", "secretRef"].filter((k) => isObj(e[k]));
    if (set.length === 0) errs.push(invalid(at, "", "must specify one of: `configMapRef` or `secretRef`"));
    if (set.length > 1) errs.push(invalid(at, "", "may not have more than one field specified at a time"));
    for (const k of set) if (!(e[k] as Obj).name) errs.push(required(child(child(at, k), "name")));
  }
}

function validateResourceName(errs: StatusCause[], name: string, path: string): void {
  if (STANDARD_RESOURCES.includes(name) || name.startsWith("hugepages-")) return;
  for (const m of isQualifiedName(name)) errs.push(invalid(path, name, m));
  if (!name.includes("/")) errs.push(invalid(path, name, "must be a standard resource type or fully qualified"));
}

/** Resource maps: names, parseable non-negative quantities, and requests within limits. */
export function validateResources(errs: StatusCause[], res: unknown, path: string): void {
  if (!isObj(res)) return;
  const parsed: Record<"limits" | "requests", Map<string, number>> = { limits: new Map(), requests: new Map() };
  for (const kind of ["limits", "requests"] as const) {
    const m = res[kind];
    if (!isObj(m)) continue;
    for (const [name, q] of Object.entries(m)) {
      const at = index(child(path, kind), name);
      validateResourceName(errs, name, at);
      const v = parseQuantity(q as string);
      if (v === undefined) errs.push(invalid(at, q, QUANTITY_FORMAT_ERROR));
      else if (v < 0) errs.push(invalid(at, q, "must be greater than or equal to 0"));
      else parsed[kind].set(name, v);
    }
  }
  const limits = isObj(res.limits) ? res.limits : {};
  for (const [name, req] of parsed.requests) {
    const lim = parsed.limits.get(name);
    if (lim !== undefined && req > lim) {
      errs.push(invalid(index(child(path, "requests"), name), (res.requests as Obj)[name], `must be less than or equal to ${name} limit of ${String(limits[name])}`));
    }
  }
}

function validateMounts(errs: StatusCause[], mounts: unknown, path: string, volumes: ReadonlySet<string>): void {
  const paths = new Set<string>();
  for (const [i, m] of entries(mounts)) {
    const at = index(path, i);
    const name = asString(m.name);
    if (!name) errs.push(required(child(at, "name")));
    else if (!volumes.has(name)) errs.push(notFound(child(at, "name"), name));
    const mountPath = asString(m.mountPath);
    if (!mountPath) errs.push(required(child(at, "mountPath")));
    else if (paths.has(mountPath)) errs.push(invalid(child(at, "mountPath"), mountPath, "must be unique"));
    paths.add(mountPath);
    const sub = asString(m.subPath);
    if (sub.startsWith("/")) errs.push(invalid(child(at, "subPath"), sub, "must be a relative path"));
    if (sub.split("/").includes("..")) errs.push(invalid(child(at, "subPath"), sub, "must not contain '..'"));
    oneOf(errs, child(at, "mountPropagation"), m.mountPropagation, ["Bidirectional", "HostToContainer", "None"]);
  }
}

const HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc", "sleep"] as const;

/** A probe or lifecycle handler: exactly one action, each well formed. */
function validateHandler(errs: StatusCause[], h: Obj, path: string): void {
  const set = HANDLERS.filter((k) => isObj(h[k]));
  if (set.length === 0) errs.push(required(path, "must specify a handler type"));
  for (const extra of set.slice(1)) errs.push(forbidden(child(path, extra), "may not specify more than 1 handler type"));
  if (isObj(h.exec) && !(Array.isArray(h.exec.command) && h.exec.command.length > 0)) errs.push(required(child(child(path, "exec"), "command")));
  if (isObj(h.httpGet)) {
    const at = child(path, "httpGet");
    validatePortNumOrName(errs, h.httpGet.port, child(at, "port"));
    oneOf(errs, child(at, "scheme"), h.httpGet.scheme, ["HTTP", "HTTPS"]);
  }
  if (isObj(h.tcpSocket)) validatePortNumOrName(errs, h.tcpSocket.port, child(child(path, "tcpSocket"), "port"));
  if (isObj(h.grpc)) {
    const port = h.grpc.port;
    if (typeof port !== "number" || port < 1 || port > 65535) errs.push(invalid(child(child(path, "grpc"), "port"), port ?? 0, inclusiveRangeError(1, 65535)));
  }
  if (isObj(h.sleep) && !(typeof h.sleep.seconds === "number" && h.sleep.seconds > 0)) errs.push(invalid(child(child(path, "sleep"), "seconds"), h.sleep.seconds ?? 0, "must be greater than 0"));
}

function validateProbe(errs: StatusCause[], probe: unknown, path: string, mustSucceedOnce: boolean): void {
  if (!isObj(probe)) return;
  validateHandler(errs, probe, path);
  for (const k of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"]) nonNegative(errs, child(path, k), probe[k]);
  if (mustSucceedOnce && typeof probe.successThreshold === "number" && probe.successThreshold !== 1) {
    errs.push(invalid(child(path, "successThreshold"), probe.successThreshold, "must be 1"));
  }
}

function validateLifecycle(errs: StatusCause[], lc: unknown, path: string): void {
  if (!isObj(lc)) return;
  for (const k of ["postStart", "preStop"]) {
    const h = lc[k];
    if (isObj(h)) validateHandler(errs, h, child(path, k));
  }
}

function validateSecurityContext(errs: StatusCause[], sc: unknown, path: string): void {
  if (!isObj(sc)) return;
  for (const k of ["runAsUser", "runAsGroup"]) nonNegative(errs, child(path, k), sc[k]);
  if (sc.privileged === true && sc.allowPrivilegeEscalation === false) {
    errs.push(invalid(path, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"));
  }
}

function validateContainerName(errs: StatusCause[], c: Obj, at: string, ctx: ContainerContext): void {
  const name = asString(c.name);
  if (!name) {
    errs.push(required(child(at, "name")));
    return;
  }
  for (const m of isDNS1123Label(name)) errs.push(invalid(child(at, "name"), name, m));
  if (ctx.names.has(name)) errs.push(duplicate(child(at, "name"), name));
  ctx.names.add(name);
}

/** Rules of one container; `ctx.init` marks init containers. */
function validateContainer(errs: StatusCause[], c: Obj, at: string, ctx: ContainerContext): void {
  validateContainerName(errs, c, at, ctx);
  const image = asString(c.image);
  if (!image) errs.push(required(child(at, "image")));
  else if (image.trim() !== image) errs.push(invalid(child(at, "image"), image, "must not have leading or trailing whitespace"));
  validatePorts(errs, c.ports, child(at, "ports"));
  validateEnv(errs, c.env, child(at, "env"));
  validateEnvFrom(errs, c.envFrom, child(at, "envFrom"));
  validateResources(errs, c.resources, child(at, "resources"));
  validateMounts(errs, c.volumeMounts, child(at, "volumeMounts"), ctx.volumes);
  oneOf(errs, child(at, "imagePullPolicy"), c.imagePullPolicy, PULL_POLICIES, true);
  oneOf(errs, child(at, "terminationMessagePolicy"), c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES, true);
  const sidecar = ctx.init && c.restartPolicy === "Always";
  if (ctx.init) oneOf(errs, child(at, "restartPolicy"), c.restartPolicy, ["Always"]);
  else if (c.restartPolicy !== undefined) errs.push(forbidden(child(at, "restartPolicy"), "may not be set for non-init containers"));
  for (const k of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    if (ctx.init && !sidecar && c[k] !== undefined) errs.push(forbidden(child(at, k), "may not be set for init containers without restartPolicy=Always"));
    else validateProbe(errs, c[k], child(at, k), k !== "readinessProbe");
  }
  validateLifecycle(errs, c.lifecycle, child(at, "lifecycle"));
  validateSecurityContext(errs, c.securityContext, child(at, "securityContext"));
}

/** A list of containers; main containers must be non-empty. */
export function validateContainers(errs: StatusCause[], list: unknown, path: string, ctx: ContainerContext): void {
  if (!ctx.init && !(Array.isArray(list) && list.length > 0)) {
    errs.push(required(path));
    return;
  }
  for (const [i, c] of entries(list)) validateContainer(errs, c, index(path, i), ctx);
}
