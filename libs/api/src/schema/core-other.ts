/** core/v1 Event, ServiceAccount, Secret and ConfigMap. */
import { Type } from "@sinclair/typebox";
import { Bytes, MicroTime, Pkg, Time, bool, int32, list, mapOf, ref, str, struct } from "./build.ts";
import { ObjectReference } from "./core-service.ts";
import { LocalObjectReference } from "./core-volume.ts";
import { resource } from "./objectmeta.ts";

const C = Pkg.core;

const EventSource = struct(`${C}.EventSource`, "The component that reported an event.", {
  component: str("Reporting component, e.g. kubelet or default-scheduler."),
  host: str("Node the component runs on."),
});

const EventSeries = struct(`${C}.EventSeries`, "Repeats of an event, for events that happen again and again.", {
  count: int32("Occurrences so far."),
  lastObservedTime: ref(MicroTime, "When it was last seen."),
});

export const Event = resource(`${C}.Event`, { group: "", version: "v1", kind: "Event" }, "A report that something happened to an object, e.g. a pod was scheduled or an image failed to pull. Events expire after a while.", {
  involvedObject: ref(ObjectReference, "The object the event is about."),
  reason: str("Short CamelCase reason, e.g. Scheduled, Pulled, BackOff."),
  message: str("Human-readable description."),
  source: ref(EventSource, "Component that reported it."),
  firstTimestamp: ref(Time, "When it was first seen."),
  lastTimestamp: ref(Time, "When it was most recently seen."),
  count: int32("How many times it has happened."),
  type: str("Normal or Warning."),
  eventTime: ref(MicroTime, "When it first happened, with microsecond precision."),
  series: ref(EventSeries, "Repeats of the event."),
  action: str("What was done or failed, e.g. Binding."),
  related: ref(ObjectReference, "A second object involved, if any."),
  reportingComponent: str("Controller that emitted the event, e.g. kubelet."),
  reportingInstance: str("Instance of that controller, e.g. the node name."),
});

export const ServiceAccount = resource(`${C}.ServiceAccount`, { group: "", version: "v1", kind: "ServiceAccount" }, "An identity for processes that run in pods.", {
  secrets: list(ObjectReference, "Secrets pods using this account may use.", { mergeKey: "name" }),
  imagePullSecrets: list(LocalObjectReference, "Registry credentials added to pods using this account."),
  automountServiceAccountToken: bool("Whether pods using this account get its token mounted; a pod setting wins."),
});

export const Secret = resource(`${C}.Secret`, { group: "", version: "v1", kind: "Secret" }, "A small amount of sensitive data, such as a password, token or key.", {
  immutable: bool("When true the data can no longer be changed (only the whole object deleted)."),
  data: mapOf(Bytes, "The secret data: each value base64-encoded. Keys may contain letters, digits, '-', '_' and '.'."),
  stringData: mapOf(Type.String(), "Write-only convenience: plain-text values merged into data on write (and winning over it); never returned."),
  type: str("How the data is meant to be used, e.g. Opaque (default), kubernetes.io/tls, kubernetes.io/dockerconfigjson."),
});

export const ConfigMap = resource(`${C}.ConfigMap`, { group: "", version: "v1", kind: "ConfigMap" }, "Non-secret configuration as key/value pairs, consumed as environment variables, arguments or files.", {
  immutable: bool("When true the data can no longer be changed (only the whole object deleted)."),
  data: mapOf(Type.String(), "UTF-8 values by key. Keys may contain letters, digits, '-', '_' and '.', and may not also appear in binaryData."),
  binaryData: mapOf(Bytes, "Binary values by key, base64-encoded."),
});
