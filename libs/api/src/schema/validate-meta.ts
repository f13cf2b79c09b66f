/** Validation of metadata, labels, annotations and label selectors. */
import type { StatusCause } from "../errors.ts";
import { asString, child, entries, forbidden, index, invalid, isObj, nonNegative, required, tooLong, duplicate } from "./field-errors.ts";
import type { Obj } from "./field-errors.ts";
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isLabelValue, isQualifiedName } from "./names.ts";

/** Checks a name; `prefix` is true for generateName, whose trailing '-' is allowed. */
export type NameCheck = (name: string, prefix: boolean) => string[];

function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith("-") ? name.slice(0, -1) : name;
}

/** Names that become a URL path segment and a DNS subdomain (most kinds). */
export const subdomainName: NameCheck = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
/** Names that must be a DNS label (namespaces, services). */
export const labelName: NameCheck = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
/** Names that must be an RFC 1035 label, starting with a letter (services). */
export const serviceName: NameCheck = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);

/** Total bytes of annotation keys and values an object may carry. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Label keys are qualified names, values label values (also for selectors and nodeSelector). */
export function validateLabels(errs: StatusCause[], labels: unknown, path: string): void {
  if (!isObj(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) errs.push(invalid(path, k, m));
    for (const m of isLabelValue(asString(v))) errs.push(invalid(path, v, m));
  }
}

function validateAnnotations(errs: StatusCause[], annotations: unknown, path: string): void {
  if (!isObj(annotations)) return;
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, m));
    size += Buffer.byteLength(k) + Buffer.byteLength(asString(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
}

function validateOwnerReferences(errs: StatusCause[], refs: unknown, path: string): void {
  const controllers: string[] = [];
  for (const [i, ref] of entries(refs)) {
    const at = index(path, i);
    if (!ref.apiVersion) errs.push(invalid(child(at, "apiVersion"), "", "version must not be empty"));
    if (!ref.kind) errs.push(invalid(child(at, "kind"), "", "kind must not be empty"));
    if (!ref.name) errs.push(invalid(child(at, "name"), "", "name must not be empty"));
    if (!ref.uid) errs.push(invalid(child(at, "uid"), "", "uid must not be empty"));
    if (ref.controller === true) controllers.push(`${asString(ref.kind)}/${asString(ref.name)}`);
  }
  if (controllers.length > 1) {
    errs.push(invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(" and ")}`));
  }
}

const STANDARD_FINALIZERS = ["kubernetes", "orphan", "foregroundDeletion"];

function validateFinalizers(errs: StatusCause[], finalizers: unknown, path: string): void {
  if (!Array.isArray(finalizers)) return;
  const seen = new Set<string>();
  finalizers.forEach((f: unknown, i) => {
    const name = asString(f);
    for (const m of isQualifiedName(name)) errs.push(invalid(path, name, m));
    if (!STANDARD_FINALIZERS.includes(name) && !name.includes("/")) errs.push(invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified"));
    if (seen.has(name)) errs.push(duplicate(index(path, i), name));
    seen.add(name);
  });
}

/**
 * metadata of a new or updated object. `namespaced` says whether a namespace is
 * required (and allowed at all).
 */
export function validateObjectMeta(errs: StatusCause[], meta: Obj, namespaced: boolean, nameCheck: NameCheck, path = "metadata"): void {
  const name = asString(meta.name);
  const generateName = asString(meta.generateName);
  if (generateName) for (const m of nameCheck(generateName, true)) errs.push(invalid(child(path, "generateName"), generateName, m));
  if (name) for (const m of nameCheck(name, false)) errs.push(invalid(child(path, "name"), name, m));
  else if (!generateName) errs.push(required(child(path, "name"), "name or generateName is required"));
  const ns = asString(meta.namespace);
  if (namespaced) {
    if (!ns) errs.push(required(child(path, "namespace")));
    else for (const m of isDNS1123Label(ns)) errs.push(invalid(child(path, "namespace"), ns, m));
  } else if (ns) {
    errs.push(forbidden(child(path, "namespace"), "not allowed on this type"));
  }
  nonNegative(errs, child(path, "generation"), meta.generation);
  validateLabels(errs, meta.labels, child(path, "labels"));
  validateAnnotations(errs, meta.annotations, child(path, "annotations"));
  validateOwnerReferences(errs, meta.ownerReferences, child(path, "ownerReferences"));
  validateFinalizers(errs, meta.finalizers, child(path, "finalizers"));
}

/** Metadata of a pod template: only labels and annotations matter there. */
export function validateTemplateMeta(errs: StatusCause[], meta: unknown, path: string): void {
  if (!isObj(meta)) return;
  validateLabels(errs, meta.labels, child(path, "labels"));
  validateAnnotations(errs, meta.annotations, child(path, "annotations"));
}

/** Fields of metadata that may never change once the object exists. */
export function validateObjectMetaUpdate(errs: StatusCause[], meta: Obj, old: Obj, path = "metadata"): void {
  for (const key of ["name", "namespace", "uid", "creationTimestamp"]) {
    // Empty on the new object means "not sent": the server keeps the stored value.
    if (meta[key] !== undefined && meta[key] !== "" && old[key] !== undefined && meta[key] !== old[key]) {
      errs.push(invalid(child(path, key), meta[key], "field is immutable"));
    }
  }
}

/** A metav1.LabelSelector: label syntax and operator/values agreement. */
export function validateLabelSelector(errs: StatusCause[], sel: unknown, path: string): void {
  if (!isObj(sel)) return;
  for (const [i, req] of entries(sel.matchExpressions)) {
    const at = index(child(path, "matchExpressions"), i);
    const values = Array.isArray(req.values) ? req.values : [];
    switch (req.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) errs.push(required(child(at, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) errs.push(forbidden(child(at, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(child(at, "operator"), req.operator ?? "", "not a valid selector operator"));
    }
    for (const m of isQualifiedName(asString(req.key))) errs.push(invalid(child(at, "key"), asString(req.key), m));
  }
  validateLabels(errs, sel.matchLabels, child(path, "matchLabels"));
}

/** True when the selector is absent or selects nothing specific (matches everything). */
export function isEmptySelector(sel: unknown): boolean {
  if (!isObj(sel)) return true;
  const labels = isObj(sel.matchLabels) ? Object.keys(sel.matchLabels).length : 0;
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0;
  return labels + exprs === 0;
}

/** Whether a label set satisfies a LabelSelector. */
export function selectorMatches(sel: Obj, labels: Record<string, unknown>): boolean {
  if (isObj(sel.matchLabels)) {
    for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  }
  for (const [, req] of entries(sel.matchExpressions)) {
    const key = asString(req.key);
    const has = Object.hasOwn(labels, key);
    const values = Array.isArray(req.values) ? req.values : [];
    const ok =
      req.operator === "In" ? has && values.includes(labels[key])
      : req.operator === "NotIn" ? !has || !values.includes(labels[key])
      : req.operator === "Exists" ? has
      : req.operator === "DoesNotExist" ? !has
      : false;
    if (!ok) return false;
  }
  return true;
}
