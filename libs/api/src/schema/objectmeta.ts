/**
 * meta/v1: the metadata every object carries, label selectors, list metadata and
 * the request/response shapes (Status, DeleteOptions) the OpenAPI paths name.
 */
import { Type } from "@sinclair/typebox";
import type { TObject, TProperties, TSchema } from "@sinclair/typebox";
import { Pkg, Time, bool, register, describe, int32, int64, list, listOf, mapOf, ref, reqStr, str, strList, strMap, struct } from "./build.ts";

const M = Pkg.meta;

export const OwnerReference = struct(`${M}.OwnerReference`, "Names an object that owns this one. When every owner is gone, the garbage collector deletes the dependent.", {
  apiVersion: reqStr("API version of the owner, e.g. apps/v1."),
  kind: reqStr("Kind of the owner, e.g. ReplicaSet."),
  name: reqStr("Name of the owner."),
  uid: reqStr("UID of the owner; an owner recreated under the same name is a different owner."),
  controller: bool("True on the one owner that manages this object (at most one reference may set it)."),
  blockOwnerDeletion: bool("When true, foreground deletion of the owner waits until this dependent is deleted."),
});

export const ManagedFieldsEntry = struct(`${M}.ManagedFieldsEntry`, "Records which fields one manager (a client or controller) last set, for server-side apply.", {
  manager: str("Name of the manager that owns these fields, e.g. kubectl."),
  operation: str("Apply or Update: how the fields were last written."),
  apiVersion: str("API version the field set is expressed in."),
  time: ref(Time, "When these fields were last changed by this manager."),
  fieldsType: str("Format of fieldsV1; always FieldsV1."),
  fieldsV1: mapOf(Type.Unknown(), "The set of owned fields, as a nested map of field keys."),
  subresource: str("Subresource through which the fields were written (e.g. status), empty for the main resource."),
});

export const ObjectMeta = struct(`${M}.ObjectMeta`, "Identity and bookkeeping shared by every object: name, namespace, labels, annotations, owners and server-set fields.", {
  name: str("Unique name within the namespace (or the cluster for cluster-scoped kinds). Required on create unless generateName is set; cannot be changed."),
  generateName: str("Prefix from which the server generates a unique name when name is empty; a random suffix is appended."),
  namespace: str("Namespace the object lives in; must be a DNS label. Empty for cluster-scoped kinds. Cannot be changed."),
  selfLink: str("Deprecated and never set: the object's URL."),
  uid: str("Unique identifier the server assigns on create; never reused. Read-only."),
  resourceVersion: str("Opaque version of this object, changed on every write. Send it back on update for optimistic concurrency. Read-only."),
  generation: int64("Sequence number of the desired state; the server increments it when spec changes. Read-only."),
  creationTimestamp: ref(Time, "When the server created the object. Read-only."),
  deletionTimestamp: ref(Time, "Set by the server when deletion was requested; the object goes away once its finalizers are cleared. Read-only."),
  deletionGracePeriodSeconds: int64("Seconds the object is given to terminate gracefully once deletion is requested. Read-only."),
  labels: strMap("Key/value pairs used to organise and select objects (selectors match on them)."),
  annotations: strMap("Key/value pairs for tools and people; not used for selection. Values may be large."),
  ownerReferences: list(OwnerReference, "Objects this one depends on; when they are all deleted this object is garbage collected.", { mergeKey: "uid" }),
  finalizers: { ...strList("Keys that must be removed before the object is deleted; each is handled by some controller."), "x-kubernetes-patch-strategy": "merge" },
  managedFields: list(ManagedFieldsEntry, "Which manager owns which fields, maintained by the server for server-side apply."),
});

export const ListMeta = struct(`${M}.ListMeta`, "Metadata of a list response.", {
  selfLink: str("Deprecated and never set."),
  resourceVersion: str("Version of the collection; watch from it to see later changes."),
  continue: str("Token for the next page when the list was limited; empty on the last page."),
  remainingItemCount: int64("Approximate number of items after this page, when known."),
});

export const LabelSelectorRequirement = struct(`${M}.LabelSelectorRequirement`, "One condition on a label: key, operator and values.", {
  key: reqStr("Label key the condition tests."),
  operator: reqStr("How the label is compared: In, NotIn, Exists or DoesNotExist."),
  values: strList("Values for In and NotIn (must be non-empty); must be empty for Exists and DoesNotExist."),
});

export const LabelSelector = struct(`${M}.LabelSelector`, "Selects objects by label. All matchLabels and all matchExpressions must hold; an empty selector matches everything, an absent one nothing.", {
  matchLabels: strMap("Labels that must be present with exactly these values."),
  matchExpressions: list(LabelSelectorRequirement, "Conditions that must all hold."),
});

export const Condition = struct(`${M}.Condition`, "One aspect of an object's state, in the standard condition shape.", {
  type: reqStr("Condition type in CamelCase, e.g. Available."),
  status: reqStr("True, False or Unknown."),
  observedGeneration: int64("Object generation the condition was computed for."),
  lastTransitionTime: describe(Time, "When the status last changed."),
  reason: reqStr("One-word CamelCase reason for the last transition."),
  message: reqStr("Human-readable detail; may be empty."),
});

const StatusCause = struct(`${M}.StatusCause`, "One reason a request failed, usually tied to a field.", {
  reason: str("Machine-readable cause, e.g. FieldValueRequired."),
  message: str("Human-readable explanation."),
  field: str("The field at fault, e.g. spec.containers[0].image."),
});

const StatusDetails = struct(`${M}.StatusDetails`, "Extra detail about a failure.", {
  name: str("Name of the object concerned."),
  group: str("API group of the object concerned."),
  kind: str("Kind (or resource) of the object concerned."),
  uid: str("UID of the object concerned."),
  causes: list(StatusCause, "Individual problems, one per field."),
  retryAfterSeconds: int32("Seconds to wait before retrying, when the server suggests it."),
});

export const Status = struct(`${M}.Status`, "Result of a call that does not return an object, typically a failure.", {
  apiVersion: str("Always v1."),
  kind: str("Always Status."),
  metadata: ref(ListMeta, "Unused list metadata."),
  status: str("Success or Failure."),
  message: str("Human-readable description of the outcome."),
  reason: str("Machine-readable reason, e.g. NotFound, AlreadyExists, Invalid."),
  details: ref(StatusDetails, "Object and field details for the reason."),
  code: int32("HTTP status code of the response."),
});

const Preconditions = struct(`${M}.Preconditions`, "Conditions the object must meet for a delete to proceed.", {
  uid: str("Delete only if the object still has this UID."),
  resourceVersion: str("Delete only if the object is still at this version."),
});

export const DeleteOptions = struct(`${M}.DeleteOptions`, "Options for a delete request.", {
  apiVersion: str("API version of this options object."),
  kind: str("Always DeleteOptions."),
  gracePeriodSeconds: int64("Seconds to allow for graceful termination; 0 deletes immediately."),
  preconditions: ref(Preconditions, "Delete only if these hold."),
  orphanDependents: bool("Deprecated: use propagationPolicy=Orphan."),
  propagationPolicy: str("What happens to dependents: Orphan, Background or Foreground."),
  dryRun: strList("When set to All, the request is checked but not carried out."),
});

/** The free-form body of a PATCH request. */
export const Patch = register(Type.Object({}, { $id: `${M}.Patch`, description: "A patch document: a JSON patch, a JSON merge patch, a strategic merge patch or an apply configuration." }));

export const WatchEvent = struct(`${M}.WatchEvent`, "One change seen by a watch.", {
  type: reqStr("ADDED, MODIFIED, DELETED, BOOKMARK or ERROR."),
  object: Type.Object({}, { description: "The object after the change (a Status for ERROR)." }),
});

/** apiVersion and kind fields, identical on every object. */
export function typeMeta() {
  return {
    apiVersion: str("Version of the schema this object is written in, e.g. apps/v1; the server fills it in when omitted."),
    kind: str("Type of this object, e.g. Deployment; the server fills it in when omitted."),
  };
}

/** A group, version and kind, as in `x-kubernetes-group-version-kind`. */
export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** A top-level object: apiVersion, kind, metadata, plus its own fields. */
export function resource<P extends TProperties>(id: string, gvk: Gvk, description: string, props: P) {
  const schema = struct(id, description, {
    ...typeMeta(),
    metadata: ref(ObjectMeta, "Standard object metadata: name, namespace, labels, annotations and server-set fields."),
    ...props,
  });
  return register({ ...schema, "x-kubernetes-group-version-kind": [gvk] } as typeof schema);
}

/** The list kind for a resource (DeploymentList for Deployment). */
export function listResource(item: TObject & { $id?: string }, gvk: Gvk): TSchema {
  const schema = struct(`${item.$id ?? ""}List`, `A page of ${gvk.kind} objects.`, {
    ...typeMeta(),
    metadata: ref(ListMeta, "List metadata: resourceVersion and paging token."),
    items: listOf(item, `The ${gvk.kind} objects.`),
  });
  return register({ ...schema, "x-kubernetes-group-version-kind": [{ ...gvk, kind: `${gvk.kind}List` }] });
}
