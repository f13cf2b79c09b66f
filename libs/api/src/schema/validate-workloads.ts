/** Validation of apps/v1 Deployment, ReplicaSet, DaemonSet, ControllerRevision and batch/v1 Job. */
import type { StatusCause } from "../errors.ts";
import { child, forbidden, invalid, isObj, nonNegative, notSupported, oneOf, required } from "./field-errors.ts";
import type { Obj } from "./field-errors.ts";
import { isPercent } from "./names.ts";
import { isEmptySelector, selectorMatches, validateLabelSelector, validateTemplateMeta } from "./validate-meta.ts";
import { validatePodSpec } from "./validate-pod.ts";
import { deepEqual, immutable } from "./validate-update.ts";

interface TemplateRules {
  /** restartPolicy values the controller's pods may use. */
  restartPolicies: readonly string[];
  /** Pods of long-running controllers may not have a deadline. */
  allowDeadline: boolean;
  kindForDeadline: string;
}

const LONG_RUNNING: TemplateRules = { restartPolicies: ["Always"], allowDeadline: false, kindForDeadline: "ReplicaSet" };

/** A required selector: present, non-empty and well formed. */
function validateSelector(errs: StatusCause[], sel: unknown, path: string): void {
  if (sel === undefined) {
    errs.push(required(path));
    return;
  }
  validateLabelSelector(errs, sel, path);
  if (isEmptySelector(sel)) errs.push(invalid(path, sel, "empty selector is invalid for deployment"));
}

/** The pod template of a controller: present, selected by `selector`, valid pod spec. */
function validateTemplate(errs: StatusCause[], spec: Obj, path: string, rules: TemplateRules): void {
  const template = spec.template;
  const at = child(path, "template");
  if (!isObj(template)) {
    errs.push(required(at));
    return;
  }
  const meta = isObj(template.metadata) ? template.metadata : {};
  validateTemplateMeta(errs, meta, child(at, "metadata"));
  const labels = isObj(meta.labels) ? meta.labels : {};
  if (isObj(spec.selector) && !isEmptySelector(spec.selector) && !selectorMatches(spec.selector, labels)) {
    errs.push(invalid(child(child(at, "metadata"), "labels"), labels, "`selector` does not match template `labels`"));
  }
  const podSpec = template.spec;
  validatePodSpec(errs, podSpec, child(at, "spec"));
  if (!isObj(podSpec)) return;
  const rp = podSpec.restartPolicy;
  if (typeof rp === "string" && rp !== "" && !rules.restartPolicies.includes(rp)) {
    errs.push(notSupported(child(child(at, "spec"), "restartPolicy"), rp, rules.restartPolicies));
  }
  if (!rules.allowDeadline && podSpec.activeDeadlineSeconds !== undefined) {
    errs.push(forbidden(child(child(at, "spec"), "activeDeadlineSeconds"), `activeDeadlineSeconds in ${rules.kindForDeadline} is not Supported`));
  }
}

/** A count or a percentage: a non-negative number or a string like "25%". */
function validateIntOrPercent(errs: StatusCause[], v: unknown, path: string): void {
  if (typeof v === "string") for (const m of isPercent(v)) errs.push(invalid(path, v, m));
  else nonNegative(errs, path, v);
}

/** More than all pods unavailable makes no sense; a surge above 100% does. */
function notOver100Percent(errs: StatusCause[], v: unknown, path: string): void {
  if (typeof v === "string" && isPercent(v).length === 0 && Number(v.slice(0, -1)) > 100) errs.push(invalid(path, v, "must not be greater than 100%"));
}

function isZero(v: unknown): boolean {
  return v === undefined || v === 0 || v === "0%";
}

function validateRollingUpdate(errs: StatusCause[], ru: unknown, path: string): void {
  if (!isObj(ru)) return;
  validateIntOrPercent(errs, ru.maxUnavailable, child(path, "maxUnavailable"));
  validateIntOrPercent(errs, ru.maxSurge, child(path, "maxSurge"));
  notOver100Percent(errs, ru.maxUnavailable, child(path, "maxUnavailable"));
  if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) {
    errs.push(invalid(child(path, "maxUnavailable"), ru.maxUnavailable ?? 0, "may not be 0 when `maxSurge` is 0"));
  }
}

function validateDeploymentStrategy(errs: StatusCause[], strategy: unknown, path: string): void {
  const s = isObj(strategy) ? strategy : {};
  oneOf(errs, child(path, "type"), s.type, ["Recreate", "RollingUpdate"], true);
  if (s.type === "Recreate" && s.rollingUpdate !== undefined) {
    errs.push(forbidden(child(path, "rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'"));
  }
  if (s.type === "RollingUpdate") validateRollingUpdate(errs, s.rollingUpdate, child(path, "rollingUpdate"));
}

/** DeploymentSpec: replicas, selector, template, strategy, history and deadline. */
export function validateDeploymentSpec(errs: StatusCause[], spec: Obj, path: string): void {
  nonNegative(errs, child(path, "replicas"), spec.replicas);
  validateSelector(errs, spec.selector, child(path, "selector"));
  // Kubernetes checks a deployment's template with the replica set rules, wording included.
  validateTemplate(errs, spec, path, LONG_RUNNING);
  validateDeploymentStrategy(errs, spec.strategy, child(path, "strategy"));
  nonNegative(errs, child(path, "minReadySeconds"), spec.minReadySeconds);
  nonNegative(errs, child(path, "revisionHistoryLimit"), spec.revisionHistoryLimit);
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === "number") {
    nonNegative(errs, child(path, "progressDeadlineSeconds"), pds);
    const minReady = typeof spec.minReadySeconds === "number" ? spec.minReadySeconds : 0;
    if (pds <= minReady) errs.push(invalid(child(path, "progressDeadlineSeconds"), pds, "must be greater than minReadySeconds"));
  }
}

/** ReplicaSetSpec: replicas, selector and template. */
export function validateReplicaSetSpec(errs: StatusCause[], spec: Obj, path: string): void {
  nonNegative(errs, child(path, "replicas"), spec.replicas);
  nonNegative(errs, child(path, "minReadySeconds"), spec.minReadySeconds);
  validateSelector(errs, spec.selector, child(path, "selector"));
  validateTemplate(errs, spec, path, LONG_RUNNING);
}

/** DaemonSetSpec: selector, template and update strategy. */
export function validateDaemonSetSpec(errs: StatusCause[], spec: Obj, path: string): void {
  validateSelector(errs, spec.selector, child(path, "selector"));
  validateTemplate(errs, spec, path, { ...LONG_RUNNING, kindForDeadline: "DaemonSet" });
  const strategy = isObj(spec.updateStrategy) ? spec.updateStrategy : {};
  const at = child(path, "updateStrategy");
  oneOf(errs, child(at, "type"), strategy.type, ["OnDelete", "RollingUpdate"], true);
  if (strategy.type === "RollingUpdate") validateRollingUpdate(errs, strategy.rollingUpdate, child(at, "rollingUpdate"));
  nonNegative(errs, child(path, "minReadySeconds"), spec.minReadySeconds);
  nonNegative(errs, child(path, "revisionHistoryLimit"), spec.revisionHistoryLimit);
}

const JOB_TEMPLATE: TemplateRules = { restartPolicies: ["OnFailure", "Never"], allowDeadline: true, kindForDeadline: "Job" };

/** JobSpec: counts, completion mode, selector and a template whose pods end. */
export function validateJobSpec(errs: StatusCause[], spec: Obj, path: string): void {
  for (const k of ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"]) {
    nonNegative(errs, child(path, k), spec[k]);
  }
  oneOf(errs, child(path, "completionMode"), spec.completionMode, ["NonIndexed", "Indexed"]);
  if (spec.completionMode === "Indexed" && typeof spec.completions !== "number") errs.push(required(child(path, "completions"), "when completion mode is Indexed"));
  oneOf(errs, child(path, "podReplacementPolicy"), spec.podReplacementPolicy, ["TerminatingOrFailed", "Failed"]);
  // Without manualSelector the apiserver generates the selector from the UID, so
  // it may still be absent here; a manual one must be given.
  if (spec.manualSelector === true) validateSelector(errs, spec.selector, child(path, "selector"));
  else if (spec.selector !== undefined) validateLabelSelector(errs, spec.selector, child(path, "selector"));
  validateTemplate(errs, spec, path, JOB_TEMPLATE);
}

/** Fields of controllers that may not change after creation. */
export function validateWorkloadUpdate(errs: StatusCause[], kind: string, spec: Obj, old: Obj): void {
  immutable(errs, "spec.selector", spec.selector, old.selector);
  if (kind !== "Job") return;
  immutable(errs, "spec.completionMode", spec.completionMode, old.completionMode);
  if (old.completionMode === "Indexed" || spec.completionMode === "Indexed") immutable(errs, "spec.completions", spec.completions, old.completions);
  // A suspended job's template may still be edited before it starts.
  if (old.suspend !== true && !deepEqual(spec.template, old.template)) {
    errs.push(invalid("spec.template", spec.template, "field is immutable"));
  }
}

/** The spec.replicas of a Scale written through the scale subresource. */
export function validateScaleSpec(errs: StatusCause[], spec: Obj): void {
  nonNegative(errs, "spec.replicas", spec.replicas);
}


/**
 * A ControllerRevision (Kubernetes' ValidateControllerRevision and its update rule): the
 * saved state and its sequence number are required, the number is not negative, and the
 * state never changes once written (controllers renumber a revision, never rewrite it).
 * Its name is checked as a DNS subdomain with the rest of the metadata.
 */
export function validateControllerRevision(errs: StatusCause[], obj: Obj, old?: Obj): void {
  if (obj.data === undefined) errs.push(required("data", "data is mandatory"));
  if (obj.revision === undefined) errs.push(required("revision"));
  else nonNegative(errs, "revision", obj.revision);
  if (old) immutable(errs, "data", obj.data, old.data);
}
