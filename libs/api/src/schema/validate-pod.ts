/** Validation of pod specs (in pods and in templates) and of pod updates. */
import type { StatusCause } from "../errors.ts";
import { asString, child, duplicate, entries, forbidden, index, invalid, isObj, nonNegative, notSupported, oneOf, required } from "./field-errors.ts";
import type { Obj } from "./field-errors.ts";
import { inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isIP, isLabelValue, isQualifiedName } from "./names.ts";
import { validateContainers } from "./validate-container.ts";
import { validateLabelSelector, validateLabels } from "./validate-meta.ts";
import { validateVolumes } from "./validate-volume.ts";

export const RESTART_POLICIES = ["Always", "OnFailure", "Never"] as const;
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"] as const;
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

function validateNodeSelectorRequirement(errs: StatusCause[], req: Obj, path: string): void {
  const values = Array.isArray(req.values) ? req.values : [];
  switch (req.operator) {
    case "In":
    case "NotIn":
      if (values.length === 0) errs.push(required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case "Exists":
    case "DoesNotExist":
      if (values.length > 0) errs.push(forbidden(child(path, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case "Gt":
    case "Lt":
      if (values.length !== 1 || !/^-?\d+$/.test(asString(values[0]))) errs.push(required(child(path, "values"), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(invalid(child(path, "operator"), req.operator ?? "", "not a valid selector operator"));
  }
  for (const m of isQualifiedName(asString(req.key))) errs.push(invalid(child(path, "key"), asString(req.key), m));
}

function validateNodeSelectorTerm(errs: StatusCause[], term: Obj, path: string): void {
  for (const [i, r] of entries(term.matchExpressions)) validateNodeSelectorRequirement(errs, r, index(child(path, "matchExpressions"), i));
  for (const [i, r] of entries(term.matchFields)) {
    const at = index(child(path, "matchFields"), i);
    if (r.key !== "metadata.name") errs.push(notSupported(child(at, "key"), r.key ?? "", ["metadata.name"]));
    validateNodeSelectorRequirement(errs, { ...r, key: "name" }, at);
  }
}

function validateWeight(errs: StatusCause[], w: unknown, path: string): void {
  if (typeof w !== "number" || w < 1 || w > 100) errs.push(invalid(path, w ?? 0, "must be in the range 1-100"));
}

function validatePodAffinityTerm(errs: StatusCause[], term: Obj, path: string): void {
  validateLabelSelector(errs, term.labelSelector, child(path, "labelSelector"));
  validateLabelSelector(errs, term.namespaceSelector, child(path, "namespaceSelector"));
  if (Array.isArray(term.namespaces)) {
    term.namespaces.forEach((ns: unknown, i) => {
      for (const m of isDNS1123Label(asString(ns))) errs.push(invalid(index(child(path, "namespaces"), i), ns, m));
    });
  }
  const key = asString(term.topologyKey);
  if (!key) errs.push(required(child(path, "topologyKey"), "can not be empty"));
  else for (const m of isQualifiedName(key)) errs.push(invalid(child(path, "topologyKey"), key, m));
}

function validatePodAffinity(errs: StatusCause[], a: unknown, path: string): void {
  if (!isObj(a)) return;
  for (const [i, t] of entries(a.requiredDuringSchedulingIgnoredDuringExecution)) {
    validatePodAffinityTerm(errs, t, index(child(path, "requiredDuringSchedulingIgnoredDuringExecution"), i));
  }
  for (const [i, w] of entries(a.preferredDuringSchedulingIgnoredDuringExecution)) {
    const at = index(child(path, "preferredDuringSchedulingIgnoredDuringExecution"), i);
    validateWeight(errs, w.weight, child(at, "weight"));
    if (isObj(w.podAffinityTerm)) validatePodAffinityTerm(errs, w.podAffinityTerm, child(at, "podAffinityTerm"));
    else errs.push(required(child(at, "podAffinityTerm")));
  }
}

function validateAffinity(errs: StatusCause[], aff: unknown, path: string): void {
  if (!isObj(aff)) return;
  const na = aff.nodeAffinity;
  if (isObj(na)) {
    const at = child(path, "nodeAffinity");
    const req = na.requiredDuringSchedulingIgnoredDuringExecution;
    if (isObj(req)) {
      const termsPath = child(child(at, "requiredDuringSchedulingIgnoredDuringExecution"), "nodeSelectorTerms");
      if (!Array.isArray(req.nodeSelectorTerms) || req.nodeSelectorTerms.length === 0) errs.push(required(termsPath, "must have at least one node selector term"));
      for (const [i, t] of entries(req.nodeSelectorTerms)) validateNodeSelectorTerm(errs, t, index(termsPath, i));
    }
    for (const [i, p] of entries(na.preferredDuringSchedulingIgnoredDuringExecution)) {
      const pAt = index(child(at, "preferredDuringSchedulingIgnoredDuringExecution"), i);
      validateWeight(errs, p.weight, child(pAt, "weight"));
      if (isObj(p.preference)) validateNodeSelectorTerm(errs, p.preference, child(pAt, "preference"));
    }
  }
  validatePodAffinity(errs, aff.podAffinity, child(path, "podAffinity"));
  validatePodAffinity(errs, aff.podAntiAffinity, child(path, "podAntiAffinity"));
}

/** Tolerations: key syntax, operator/value agreement, effect. */
export function validateTolerations(errs: StatusCause[], tolerations: unknown, path: string): void {
  for (const [i, t] of entries(tolerations)) {
    const at = index(path, i);
    const key = asString(t.key);
    if (key) for (const m of isQualifiedName(key)) errs.push(invalid(child(at, "key"), key, m));
    if (!key && t.operator !== "Exists") errs.push(invalid(child(at, "operator"), t.operator ?? "", 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") errs.push(invalid(child(at, "effect"), t.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    if (t.operator === undefined || t.operator === "" || t.operator === "Equal") {
      for (const m of isLabelValue(asString(t.value))) errs.push(invalid(child(at, "value"), t.value, m));
    } else if (t.operator === "Exists") {
      if (t.value) errs.push(invalid(child(at, "operator"), t, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(child(at, "operator"), t.operator, ["Equal", "Exists"]));
    }
    oneOf(errs, child(at, "effect"), t.effect, TAINT_EFFECTS);
  }
}

function validateTopologySpread(errs: StatusCause[], list: unknown, path: string): void {
  const seen = new Set<string>();
  for (const [i, c] of entries(list)) {
    const at = index(path, i);
    if (typeof c.maxSkew !== "number" || c.maxSkew <= 0) errs.push(invalid(child(at, "maxSkew"), c.maxSkew ?? 0, "must be greater than zero"));
    const key = asString(c.topologyKey);
    if (!key) errs.push(required(child(at, "topologyKey"), "can not be empty"));
    else for (const m of isQualifiedName(key)) errs.push(invalid(child(at, "topologyKey"), key, m));
    oneOf(errs, child(at, "whenUnsatisfiable"), c.whenUnsatisfiable, ["DoNotSchedule", "ScheduleAnyway"], true);
    const pair = `${key}/${asString(c.whenUnsatisfiable)}`;
    if (seen.has(pair)) errs.push(duplicate(at, `{${key}, ${asString(c.whenUnsatisfiable)}}`));
    seen.add(pair);
    validateLabelSelector(errs, c.labelSelector, child(at, "labelSelector"));
  }
}

function validateOptionalName(errs: StatusCause[], spec: Obj, key: string, path: string, check: (s: string) => string[]): void {
  const v = asString(spec[key]);
  if (v) for (const m of check(v)) errs.push(invalid(child(path, key), v, m));
}

function validatePodSecurityContext(errs: StatusCause[], sc: unknown, path: string): void {
  if (!isObj(sc)) return;
  for (const k of ["runAsUser", "runAsGroup", "fsGroup"]) nonNegative(errs, child(path, k), sc[k]);
  if (Array.isArray(sc.supplementalGroups)) sc.supplementalGroups.forEach((g: unknown, i) => nonNegative(errs, index(child(path, "supplementalGroups"), i), g));
  oneOf(errs, child(path, "fsGroupChangePolicy"), sc.fsGroupChangePolicy, ["OnRootMismatch", "Always"]);
}

function validateSpecScalars(errs: StatusCause[], spec: Obj, path: string): void {
  oneOf(errs, child(path, "restartPolicy"), spec.restartPolicy, RESTART_POLICIES, true);
  oneOf(errs, child(path, "dnsPolicy"), spec.dnsPolicy, DNS_POLICIES, true);
  if (spec.dnsPolicy === "None" && !isObj(spec.dnsConfig)) errs.push(required(child(path, "dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None"));
  oneOf(errs, child(path, "preemptionPolicy"), spec.preemptionPolicy, ["Never", "PreemptLowerPriority"]);
  const ads = spec.activeDeadlineSeconds;
  if (typeof ads === "number" && (ads < 1 || ads > 2147483647)) errs.push(invalid(child(path, "activeDeadlineSeconds"), ads, inclusiveRangeError(1, 2147483647)));
  nonNegative(errs, child(path, "terminationGracePeriodSeconds"), spec.terminationGracePeriodSeconds);
  for (const k of ["serviceAccountName", "nodeName", "schedulerName", "runtimeClassName", "priorityClassName"]) validateOptionalName(errs, spec, k, path, isDNS1123Subdomain);
  for (const k of ["hostname", "subdomain"]) validateOptionalName(errs, spec, k, path, isDNS1123Label);
  if (isObj(spec.os)) oneOf(errs, child(child(path, "os"), "name"), spec.os.name, ["linux", "windows"], true);
}

/**
 * A PodSpec, in a pod or a template. Run after applyDefaults: fields that have
 * defaults (restartPolicy, imagePullPolicy, ...) are required here.
 */
export function validatePodSpec(errs: StatusCause[], spec: unknown, path: string): void {
  if (!isObj(spec)) {
    errs.push(required(child(path, "containers")));
    return;
  }
  const volumes = validateVolumes(errs, spec.volumes, child(path, "volumes"));
  const names = new Set<string>();
  validateContainers(errs, spec.containers, child(path, "containers"), { volumes, names, init: false });
  validateContainers(errs, spec.initContainers, child(path, "initContainers"), { volumes, names, init: true });
  validateSpecScalars(errs, spec, path);
  validateLabels(errs, spec.nodeSelector, child(path, "nodeSelector"));
  validateAffinity(errs, spec.affinity, child(path, "affinity"));
  validateTolerations(errs, spec.tolerations, child(path, "tolerations"));
  validateTopologySpread(errs, spec.topologySpreadConstraints, child(path, "topologySpreadConstraints"));
  validatePodSecurityContext(errs, spec.securityContext, child(path, "securityContext"));
  for (const [i, s] of entries(spec.imagePullSecrets)) if (!s.name) errs.push(required(child(index(child(path, "imagePullSecrets"), i), "name")));
  for (const [i, h] of entries(spec.hostAliases)) if (!isIP(asString(h.ip))) errs.push(invalid(child(index(child(path, "hostAliases"), i), "ip"), h.ip ?? "", "must be valid IP address"));
  for (const [i, g] of entries(spec.readinessGates)) {
    for (const m of isQualifiedName(asString(g.conditionType))) errs.push(invalid(child(index(child(path, "readinessGates"), i), "conditionType"), g.conditionType ?? "", m));
  }
}
