/**
 * Kubernetes' validation rules per kind, for creates and (with the stored object)
 * updates. The result is the `causes` of a 422 InvalidError: empty means valid.
 */
import type { StatusCause } from "../errors.ts";
import type { KubeObject } from "../meta.ts";
import type { ResourceInfo } from "../registry.ts";
import { isObj } from "./field-errors.ts";
import type { Obj } from "./field-errors.ts";
import { validateConfigMap, validateEndpointSlice, validateEndpoints, validateEvent, validateLease, validateNamespace, validateNode, validateRuntimeClass, validateSecret, validateService, validateServiceAccount } from "./validate-core.ts";
import { labelName, serviceName, subdomainName, validateObjectMeta, validateObjectMetaUpdate } from "./validate-meta.ts";
import type { NameCheck } from "./validate-meta.ts";
import { validatePodSpec } from "./validate-pod.ts";
import { validatePodSpecUpdate } from "./validate-update.ts";
import { validateControllerRevision, validateDaemonSetSpec, validateDeploymentSpec, validateJobSpec, validateReplicaSetSpec, validateScaleSpec, validateWorkloadUpdate } from "./validate-workloads.ts";

type KindValidator = (errs: StatusCause[], obj: Obj, old?: Obj) => void;

function specOf(o: Obj | undefined): Obj {
  return o && isObj(o.spec) ? o.spec : {};
}

function workload(validateSpec: (errs: StatusCause[], spec: Obj, path: string) => void, kind: string): KindValidator {
  return (errs, obj, old) => {
    validateSpec(errs, specOf(obj), "spec");
    if (old) validateWorkloadUpdate(errs, kind, specOf(obj), specOf(old));
  };
}

/** Kinds whose validator reads `spec` only. */
const SPEC_ONLY: ReadonlySet<string> = new Set(["/Pod", "apps/Deployment", "apps/ReplicaSet", "apps/DaemonSet", "batch/Job"]);

const VALIDATORS: Readonly<Record<string, KindValidator>> = {
  "/Pod": (errs, obj, old) => {
    validatePodSpec(errs, obj.spec, "spec");
    if (old) validatePodSpecUpdate(errs, specOf(obj), specOf(old));
  },
  "/Service": validateService,
  "/ConfigMap": validateConfigMap,
  "/Secret": validateSecret,
  "/Namespace": validateNamespace,
  "/Node": validateNode,
  "/Endpoints": validateEndpoints,
  "/Event": validateEvent,
  "/ServiceAccount": validateServiceAccount,
  "apps/Deployment": workload(validateDeploymentSpec, "Deployment"),
  "apps/ReplicaSet": workload(validateReplicaSetSpec, "ReplicaSet"),
  "apps/DaemonSet": workload(validateDaemonSetSpec, "DaemonSet"),
  "apps/ControllerRevision": validateControllerRevision,
  "batch/Job": workload(validateJobSpec, "Job"),
  "coordination.k8s.io/Lease": validateLease,
  "discovery.k8s.io/EndpointSlice": validateEndpointSlice,
  "node.k8s.io/RuntimeClass": validateRuntimeClass,
  "autoscaling/Scale": (errs, obj) => validateScaleSpec(errs, specOf(obj)),
};

/** Namespaces and services are DNS labels; everything else a DNS subdomain. */
function nameCheckFor(info: ResourceInfo): NameCheck {
  if (info.group === "" && info.kind === "Namespace") return labelName;
  if (info.group === "" && info.kind === "Service") return serviceName;
  return subdomainName;
}

/**
 * Validate an object of `info`'s kind; with `old`, also the rules for updating
 * `old` into `obj` (immutable fields). Call after applyDefaults: fields that have a
 * default are required here, as in Kubernetes.
 *
 * @returns the problems found, each naming its field; empty when the object is valid.
 */
export function validateObject(info: ResourceInfo, obj: KubeObject, old?: KubeObject): StatusCause[] {
  const errs: StatusCause[] = [];
  const o = obj as Obj;
  const prev = old as Obj | undefined;
  // The scale subresource carries its parent's metadata; only its spec is checked.
  if (info.kind !== "Scale") {
    const meta = isObj(o.metadata) ? o.metadata : {};
    validateObjectMeta(errs, meta, info.namespaced, nameCheckFor(info));
    if (prev && isObj(prev.metadata)) validateObjectMetaUpdate(errs, meta, prev.metadata);
  }
  const kind = `${info.group}/${info.kind}`;
  // A status write keeps the stored spec object itself (prepareForUpdate shares it): it
  // was validated when written, and these kinds' validators look at nothing else.
  const specUnchanged = prev !== undefined && o.spec !== undefined && o.spec === prev.spec && SPEC_ONLY.has(kind);
  if (!specUnchanged) VALIDATORS[kind]?.(errs, o, prev);
  return errs;
}
