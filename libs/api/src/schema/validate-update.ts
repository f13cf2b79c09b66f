/** Rules that compare an update with the stored object: immutable fields, pod updates. */
import type { StatusCause } from "../errors.ts";
import { entries, forbidden, invalid, isObj, nonNegative } from "./field-errors.ts";
import type { Obj } from "./field-errors.ts";

/** Structural equality of JSON values; an absent field equals an undefined one. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (!isObj(a) || !isObj(b) || Array.isArray(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
  return true;
}

/** `field is immutable` when a set field changed. */
export function immutable(errs: StatusCause[], path: string, next: unknown, prev: unknown): void {
  if (!deepEqual(next, prev)) errs.push(invalid(path, next ?? null, "field is immutable"));
}

const POD_UPDATE_MESSAGE =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/** Copies `from`'s images into `to`'s containers, index by index, so images never count as a change. */
function withImagesOf(to: unknown, from: unknown): unknown {
  if (!Array.isArray(to) || !Array.isArray(from)) return to;
  return to.map((c: unknown, i) => (isObj(c) && isObj(from[i]) ? { ...c, image: from[i].image } : c));
}

/** New tolerations must keep every old one (additions only). */
function onlyAddsTolerations(next: unknown, prev: unknown): boolean {
  const added = entries(next).map(([, t]) => t);
  return entries(prev).every(([, old]) => added.some((t) => deepEqual(t, old)));
}

function validateDeadlineUpdate(errs: StatusCause[], next: unknown, prev: unknown): void {
  if (prev === undefined) return;
  if (next === undefined) errs.push(invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"));
  else if (typeof next === "number" && typeof prev === "number" && next > prev) {
    errs.push(invalid("spec.activeDeadlineSeconds", next, "must be less than or equal to previous value"));
  }
}

/**
 * A pod's spec is fixed once created, except images, a shorter deadline and added
 * tolerations.
 */
export function validatePodSpecUpdate(errs: StatusCause[], spec: Obj, old: Obj): void {
  validateDeadlineUpdate(errs, spec.activeDeadlineSeconds, old.activeDeadlineSeconds);
  nonNegative(errs, "spec.activeDeadlineSeconds", spec.activeDeadlineSeconds);
  const tolerationsOk = onlyAddsTolerations(spec.tolerations, old.tolerations);
  const munged: Obj = {
    ...spec,
    containers: withImagesOf(spec.containers, old.containers),
    initContainers: withImagesOf(spec.initContainers, old.initContainers),
    activeDeadlineSeconds: old.activeDeadlineSeconds,
    tolerations: tolerationsOk ? old.tolerations : spec.tolerations,
  };
  const prevGrace = old.terminationGracePeriodSeconds;
  if (typeof prevGrace === "number" && prevGrace < 0 && spec.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = prevGrace;
  if (!deepEqual(munged, old)) errs.push(forbidden("spec", POD_UPDATE_MESSAGE));
}
