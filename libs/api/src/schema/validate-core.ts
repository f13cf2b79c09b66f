/** Validation of core/v1 Service, ConfigMap, Secret, Namespace, Node, Endpoints, Event and the small kinds. */
import type { StatusCause } from "../errors.ts";
import { asString, child, duplicate, entries, forbidden, index, invalid, isObj, nonNegative, oneOf, required, tooLong } from "./field-errors.ts";
import type { Obj } from "./field-errors.ts";
import { inclusiveRangeError, isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isIP, isLabelValue, isQualifiedName } from "./names.ts";
import { PROTOCOLS, validatePortNumOrName } from "./validate-container.ts";
import { validateLabels } from "./validate-meta.ts";
import { deepEqual, immutable } from "./validate-update.ts";

const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"] as const;
const TRAFFIC_POLICIES = ["Cluster", "Local"] as const;

function validateServicePorts(errs: StatusCause[], spec: Obj, path: string): void {
  const ports = entries(spec.ports);
  const names = new Set<string>();
  const seen = new Set<string>();
  for (const [i, p] of ports) {
    const at = index(path, i);
    const name = asString(p.name);
    if (!name && ports.length > 1) errs.push(required(child(at, "name")));
    if (name) for (const m of isDNS1123Label(name)) errs.push(invalid(child(at, "name"), name, m));
    if (name && names.has(name)) errs.push(duplicate(child(at, "name"), name));
    names.add(name);
    if (typeof p.port !== "number" || p.port < 1 || p.port > 65535) errs.push(invalid(child(at, "port"), p.port ?? 0, inclusiveRangeError(1, 65535)));
    oneOf(errs, child(at, "protocol"), p.protocol, PROTOCOLS, true);
    if (p.targetPort !== undefined) validatePortNumOrName(errs, p.targetPort, child(at, "targetPort"));
    if (typeof p.nodePort === "number" && p.nodePort !== 0) {
      if (spec.type === "ClusterIP" || spec.type === "ExternalName") errs.push(forbidden(child(at, "nodePort"), `may not be used when \`type\` is '${String(spec.type)}'`));
      else if (p.nodePort < 1 || p.nodePort > 65535) errs.push(invalid(child(at, "nodePort"), p.nodePort, inclusiveRangeError(1, 65535)));
    }
    const key = `${String(p.port)}/${asString(p.protocol)}`;
    if (seen.has(key)) errs.push(duplicate(at, p));
    seen.add(key);
  }
}

function validateClusterIPs(errs: StatusCause[], spec: Obj, path: string): void {
  const ip = asString(spec.clusterIP);
  if (spec.type === "ExternalName") {
    if (ip && ip !== "None") errs.push(forbidden(child(path, "clusterIP"), "may not be set for ExternalName services"));
    return;
  }
  if (ip && ip !== "None" && !isIP(ip)) errs.push(invalid(child(path, "clusterIP"), ip, "must be empty, 'None', or a valid IP address"));
  if (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0) {
    if (ip && spec.clusterIPs[0] !== ip) errs.push(invalid(index(child(path, "clusterIPs"), 0), spec.clusterIPs[0], "must match `clusterIP` when both are specified"));
    spec.clusterIPs.forEach((c: unknown, i) => {
      if (!(i === 0 && c === "None") && !isIP(asString(c))) errs.push(invalid(index(child(path, "clusterIPs"), i), c, "must be a valid IP address"));
    });
  }
}

function validateServiceSpec(errs: StatusCause[], spec: Obj, path: string): void {
  oneOf(errs, child(path, "type"), spec.type, SERVICE_TYPES, true);
  const headless = spec.clusterIP === "None";
  if (entries(spec.ports).length === 0 && !headless && spec.type !== "ExternalName") errs.push(required(child(path, "ports")));
  validateServicePorts(errs, spec, child(path, "ports"));
  validateClusterIPs(errs, spec, path);
  if (spec.type === "ExternalName") {
    const name = asString(spec.externalName).replace(/\.$/, "");
    if (!name) errs.push(required(child(path, "externalName")));
    else for (const m of isDNS1123Subdomain(name)) errs.push(invalid(child(path, "externalName"), spec.externalName, m));
  }
  validateLabels(errs, spec.selector, child(path, "selector"));
  oneOf(errs, child(path, "sessionAffinity"), spec.sessionAffinity, ["ClientIP", "None"], true);
  const timeout = isObj(spec.sessionAffinityConfig) && isObj(spec.sessionAffinityConfig.clientIP) ? spec.sessionAffinityConfig.clientIP.timeoutSeconds : undefined;
  if (typeof timeout === "number" && (timeout <= 0 || timeout > 86400)) {
    errs.push(invalid(child(path, "sessionAffinityConfig.clientIP.timeoutSeconds"), timeout, "must be greater than 0 and less than 86400"));
  }
  const external = spec.type === "NodePort" || spec.type === "LoadBalancer";
  if (!external && spec.externalTrafficPolicy !== undefined && spec.externalTrafficPolicy !== "") {
    errs.push(invalid(child(path, "externalTrafficPolicy"), spec.externalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
  } else {
    oneOf(errs, child(path, "externalTrafficPolicy"), spec.externalTrafficPolicy, TRAFFIC_POLICIES, external);
  }
  oneOf(errs, child(path, "internalTrafficPolicy"), spec.internalTrafficPolicy, TRAFFIC_POLICIES, spec.type !== "ExternalName");
  oneOf(errs, child(path, "ipFamilyPolicy"), spec.ipFamilyPolicy, ["PreferDualStack", "RequireDualStack", "SingleStack"]);
  if (Array.isArray(spec.ipFamilies)) spec.ipFamilies.forEach((f: unknown, i) => oneOf(errs, index(child(path, "ipFamilies"), i), f, ["IPv4", "IPv6"], true));
  if (Array.isArray(spec.externalIPs)) spec.externalIPs.forEach((ip: unknown, i) => !isIP(asString(ip)) && errs.push(invalid(index(child(path, "externalIPs"), i), ip, "must be a valid IP address")));
}

/** A Service: type, ports, cluster IPs, policies; on update the cluster IP stays. */
export function validateService(errs: StatusCause[], obj: Obj, old?: Obj): void {
  const spec = isObj(obj.spec) ? obj.spec : {};
  validateServiceSpec(errs, spec, "spec");
  const oldSpec = old && isObj(old.spec) ? old.spec : undefined;
  if (!oldSpec) return;
  const hadIP = typeof oldSpec.clusterIP === "string" && oldSpec.clusterIP !== "";
  if (hadIP && oldSpec.type !== "ExternalName" && spec.type !== "ExternalName") immutable(errs, "spec.clusterIP", spec.clusterIP, oldSpec.clusterIP);
}

/** Total bytes a ConfigMap or Secret may hold. */
export const MAX_DATA_SIZE = 1024 * 1024;

function validateDataKeys(errs: StatusCause[], obj: Obj, fields: readonly string[]): number {
  let size = 0;
  const seen = new Set<string>();
  for (const f of fields) {
    const data = obj[f];
    if (!isObj(data)) continue;
    for (const [k, v] of Object.entries(data)) {
      for (const m of isConfigMapKey(k)) errs.push(invalid(index(f, k), k, m));
      if (seen.has(k)) errs.push(invalid(index(f, k), k, `duplicate of key present in ${fields[0]!}`));
      seen.add(k);
      size += Buffer.byteLength(asString(v));
    }
  }
  return size;
}

function validateImmutableData(errs: StatusCause[], obj: Obj, old: Obj, fields: readonly string[]): void {
  if (old.immutable !== true) return;
  const msg = "field is immutable when `immutable` is set";
  if (obj.immutable !== true) errs.push(forbidden("immutable", msg));
  for (const f of fields) if (!deepEqual(obj[f], old[f])) errs.push(forbidden(f, msg));
}

/** A ConfigMap: keys, size, and no changes once immutable. */
export function validateConfigMap(errs: StatusCause[], obj: Obj, old?: Obj): void {
  const size = validateDataKeys(errs, obj, ["data", "binaryData"]);
  if (size > MAX_DATA_SIZE) errs.push(tooLong("data", MAX_DATA_SIZE));
  if (old) validateImmutableData(errs, obj, old, ["data", "binaryData"]);
}

/** Keys each well-known secret type must carry. */
const SECRET_REQUIRED_KEYS: Readonly<Record<string, readonly string[]>> = {
  "kubernetes.io/tls": ["tls.crt", "tls.key"],
  "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
  "kubernetes.io/dockercfg": [".dockercfg"],
  "kubernetes.io/ssh-auth": ["ssh-privatekey"],
};

/** A Secret: keys, size, keys its type requires, and no changes once immutable. */
export function validateSecret(errs: StatusCause[], obj: Obj, old?: Obj): void {
  // base64 text is a third longer than the bytes it holds.
  const size = Math.floor((validateDataKeys(errs, obj, ["data"]) * 3) / 4);
  if (size > MAX_DATA_SIZE) errs.push(tooLong("data", MAX_DATA_SIZE));
  const data = isObj(obj.data) ? obj.data : {};
  for (const key of SECRET_REQUIRED_KEYS[asString(obj.type)] ?? []) if (data[key] === undefined) errs.push(required(index("data", key)));
  if (obj.type === "kubernetes.io/basic-auth" && data.username === undefined && data.password === undefined) {
    errs.push(required(index("data", "username")));
  }
  if (obj.type === "kubernetes.io/service-account-token") {
    const ann = isObj(obj.metadata) && isObj(obj.metadata.annotations) ? obj.metadata.annotations : {};
    if (!ann["kubernetes.io/service-account.name"]) errs.push(required(index("metadata.annotations", "kubernetes.io/service-account.name")));
  }
  if (!old) return;
  immutable(errs, "type", obj.type, old.type);
  validateImmutableData(errs, obj, old, ["data"]);
}

/** A Namespace: finalizer names and phase. */
export function validateNamespace(errs: StatusCause[], obj: Obj): void {
  const spec = isObj(obj.spec) ? obj.spec : {};
  if (Array.isArray(spec.finalizers)) {
    spec.finalizers.forEach((f: unknown, i) => {
      for (const m of isQualifiedName(asString(f))) errs.push(invalid(index("spec.finalizers", i), f, m));
    });
  }
  const status = isObj(obj.status) ? obj.status : {};
  oneOf(errs, "status.phase", status.phase, ["Active", "Terminating"]);
}

/** Node taints: key, value and effect, unique by key and effect. */
export function validateTaints(errs: StatusCause[], taints: unknown, path: string): void {
  const seen = new Set<string>();
  for (const [i, t] of entries(taints)) {
    const at = index(path, i);
    const key = asString(t.key);
    if (!key) errs.push(required(child(at, "key")));
    else for (const m of isQualifiedName(key)) errs.push(invalid(child(at, "key"), key, m));
    for (const m of isLabelValue(asString(t.value))) errs.push(invalid(child(at, "value"), t.value, m));
    oneOf(errs, child(at, "effect"), t.effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"], true);
    const pair = `${key}:${asString(t.effect)}`;
    if (seen.has(pair)) errs.push(duplicate(at, pair));
    seen.add(pair);
  }
}

/** A Node: taints; on update podCIDRs and providerID only go from empty to set. */
export function validateNode(errs: StatusCause[], obj: Obj, old?: Obj): void {
  const spec = isObj(obj.spec) ? obj.spec : {};
  validateTaints(errs, spec.taints, "spec.taints");
  const oldSpec = old && isObj(old.spec) ? old.spec : undefined;
  if (!oldSpec) return;
  // Allocated once, by the node IPAM or the provider; only "" → value is allowed.
  for (const [key, msg] of [["podCIDRs", "podCIDR"], ["providerID", "providerID"]] as const) {
    const prev = oldSpec[key];
    const set = Array.isArray(prev) ? prev.length > 0 : Boolean(prev);
    if (set && !deepEqual(spec[key], prev)) errs.push(forbidden(`spec.${key}`, `node updates may not change ${msg} except from "" to valid`));
  }
}

/** Endpoints: addresses are IPs, ports are named when several. */
export function validateEndpoints(errs: StatusCause[], obj: Obj): void {
  for (const [i, subset] of entries(obj.subsets)) {
    const at = index("subsets", i);
    for (const list of ["addresses", "notReadyAddresses"]) {
      for (const [j, a] of entries(subset[list])) if (!isIP(asString(a.ip))) errs.push(invalid(child(index(child(at, list), j), "ip"), a.ip ?? "", "must be a valid IP address"));
    }
    const ports = entries(subset.ports);
    for (const [j, p] of ports) {
      const pAt = index(child(at, "ports"), j);
      if (!p.name && ports.length > 1) errs.push(required(child(pAt, "name")));
      if (typeof p.port !== "number" || p.port < 1 || p.port > 65535) errs.push(invalid(child(pAt, "port"), p.port ?? 0, inclusiveRangeError(1, 65535)));
      oneOf(errs, child(pAt, "protocol"), p.protocol, PROTOCOLS, true);
    }
  }
}

/** An Event: it lives beside its object; type Normal or Warning. */
export function validateEvent(errs: StatusCause[], obj: Obj): void {
  const involved = isObj(obj.involvedObject) ? obj.involvedObject : {};
  const ns = isObj(obj.metadata) ? asString(obj.metadata.namespace) : "";
  const ions = asString(involved.namespace);
  // Events about cluster-scoped objects live in "default"; others beside their object.
  if (ions ? ions !== ns : ns !== "" && ns !== "default") errs.push(invalid("involvedObject.namespace", ions, "does not match event.namespace"));
  oneOf(errs, "type", obj.type, ["Normal", "Warning"]);
  nonNegative(errs, "count", obj.count);
}

/** A Lease: positive duration, non-negative transitions. */
export function validateLease(errs: StatusCause[], obj: Obj): void {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const d = spec.leaseDurationSeconds;
  if (typeof d === "number" && d <= 0) errs.push(invalid("spec.leaseDurationSeconds", d, "must be greater than 0"));
  nonNegative(errs, "spec.leaseTransitions", spec.leaseTransitions);
}

/** An EndpointSlice: address type, addresses, ports; the address type is fixed. */
export function validateEndpointSlice(errs: StatusCause[], obj: Obj, old?: Obj): void {
  oneOf(errs, "addressType", obj.addressType, ["FQDN", "IPv4", "IPv6"], true);
  const endpoints = entries(obj.endpoints);
  if (endpoints.length > 1000) errs.push(invalid("endpoints", endpoints.length, "must have at most 1000 items"));
  for (const [i, ep] of endpoints) {
    const addrs = Array.isArray(ep.addresses) ? ep.addresses : [];
    if (addrs.length === 0) errs.push(required(child(index("endpoints", i), "addresses"), "must contain at least 1 address"));
    if (obj.addressType === "IPv4" || obj.addressType === "IPv6") {
      addrs.forEach((a: unknown, j) => !isIP(asString(a)) && errs.push(invalid(index(child(index("endpoints", i), "addresses"), j), a, "must be a valid IP address")));
    }
  }
  for (const [i, p] of entries(obj.ports)) {
    if (typeof p.port === "number" && (p.port < 0 || p.port > 65535)) errs.push(invalid(child(index("ports", i), "port"), p.port, inclusiveRangeError(0, 65535)));
    oneOf(errs, child(index("ports", i), "protocol"), p.protocol, PROTOCOLS);
  }
  if (old) immutable(errs, "addressType", obj.addressType, old.addressType);
}

/** A RuntimeClass: the handler is a DNS label and fixed. */
export function validateRuntimeClass(errs: StatusCause[], obj: Obj, old?: Obj): void {
  const handler = asString(obj.handler);
  if (!handler) errs.push(required("handler"));
  else for (const m of isDNS1123Label(handler)) errs.push(invalid("handler", handler, m));
  if (old) immutable(errs, "handler", obj.handler, old.handler);
}

/** A ServiceAccount: referenced secrets are named. */
export function validateServiceAccount(errs: StatusCause[], obj: Obj): void {
  for (const [i, s] of entries(obj.secrets)) if (!s.name) errs.push(required(child(index("secrets", i), "name")));
  for (const [i, s] of entries(obj.imagePullSecrets)) if (!s.name) errs.push(required(child(index("imagePullSecrets", i), "name")));
}
