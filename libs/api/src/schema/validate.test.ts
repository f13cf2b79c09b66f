import { describe, expect, it } from "vitest";
import type { StatusCause } from "../errors.ts";
import type { KubeObject } from "../meta.ts";
import { decodeObject } from "./decode.ts";
import { applyDefaults } from "./defaults.ts";
import { QUANTITY_FORMAT_ERROR } from "./quantity.ts";
import { KINDS, infoOf, manifest } from "./testdata.ts";
import type { Manifest } from "./testdata.ts";
import { validateObject } from "./validate.ts";

type Mutate = (o: Manifest) => void;

/** Decode, default and validate a manifest of `kind` after `mutate`, as the apiserver would. */
function admit(kind: string, mutate: Mutate = () => {}): { info: ReturnType<typeof infoOf>; object: KubeObject } {
  const m = manifest(kind);
  const info = infoOf(String(m.apiVersion), kind);
  mutate(m);
  const { object } = decodeObject(info, m, { strict: true });
  return { info, object: applyDefaults(info, object) };
}

function causes(kind: string, mutate: Mutate): StatusCause[] {
  const { info, object } = admit(kind, mutate);
  return validateObject(info, object);
}

const long = (n: number) => "a".repeat(n);
const twoSources = { configMapKeyRef: { name: "c", key: "k" }, secretKeyRef: { name: "s", key: "k" } };

interface Case {
  name: string;
  kind: string;
  mutate: Mutate;
  field: string;
  reason: string;
  /** The whole message, or a part of it that must appear. */
  message?: string;
}

const META_CASES: Case[] = [
  { name: "missing name", kind: "Pod", mutate: (o) => delete o.metadata.name, field: "metadata.name", reason: "FieldValueRequired", message: "Required value: name or generateName is required" },
  { name: "uppercase name", kind: "ConfigMap", mutate: (o) => (o.metadata.name = "Web_Config"), field: "metadata.name", reason: "FieldValueInvalid", message: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')" },
  { name: "name over 253", kind: "ConfigMap", mutate: (o) => (o.metadata.name = long(254)), field: "metadata.name", reason: "FieldValueInvalid", message: "must be no more than 253 characters" },
  { name: "dotted namespace name", kind: "Namespace", mutate: (o) => (o.metadata.name = "team.a"), field: "metadata.name", reason: "FieldValueInvalid", message: 'Invalid value: "team.a": must not contain dots' },
  { name: "namespace name over 63", kind: "Namespace", mutate: (o) => (o.metadata.name = long(64)), field: "metadata.name", reason: "FieldValueInvalid", message: "must be no more than 63 characters" },
  { name: "service name starting with a digit", kind: "Service", mutate: (o) => (o.metadata.name = "1web"), field: "metadata.name", reason: "FieldValueInvalid", message: "a DNS-1035 label must consist of" },
  { name: "bad generateName", kind: "Pod", mutate: (o) => ((o.metadata.generateName = "Web-"), delete o.metadata.name), field: "metadata.generateName", reason: "FieldValueInvalid" },
  { name: "no namespace on a namespaced kind", kind: "ConfigMap", mutate: (o) => delete o.metadata.namespace, field: "metadata.namespace", reason: "FieldValueRequired" },
  { name: "namespace on a cluster-scoped kind", kind: "Node", mutate: (o) => (o.metadata.namespace = "default"), field: "metadata.namespace", reason: "FieldValueForbidden", message: "Forbidden: not allowed on this type" },
  { name: "label key starting with '-'", kind: "Pod", mutate: (o) => (o.metadata.labels = { "-app": "web" }), field: "metadata.labels", reason: "FieldValueInvalid", message: "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')" },
  { name: "label key with an uppercase prefix", kind: "Pod", mutate: (o) => (o.metadata.labels = { "Example.com/app": "web" }), field: "metadata.labels", reason: "FieldValueInvalid", message: "prefix part a lowercase RFC 1123 subdomain" },
  { name: "label key name over 63", kind: "Pod", mutate: (o) => (o.metadata.labels = { [long(64)]: "web" }), field: "metadata.labels", reason: "FieldValueInvalid", message: "name part must be no more than 63 characters" },
  { name: "label value with a space", kind: "Pod", mutate: (o) => (o.metadata.labels = { app: "my app" }), field: "metadata.labels", reason: "FieldValueInvalid", message: 'Invalid value: "my app": a valid label must be an empty string or consist of alphanumeric characters' },
  { name: "label value over 63", kind: "Pod", mutate: (o) => (o.metadata.labels = { app: long(64) }), field: "metadata.labels", reason: "FieldValueInvalid", message: "must be no more than 63 characters" },
  { name: "annotation key with a space", kind: "Pod", mutate: (o) => (o.metadata.annotations = { "bad key": "v" }), field: "metadata.annotations", reason: "FieldValueInvalid" },
  { name: "annotations over 256 KiB", kind: "Pod", mutate: (o) => (o.metadata.annotations = { big: long(256 * 1024) }), field: "metadata.annotations", reason: "FieldValueTooLong", message: "Too long: may not be more than 262144 bytes" },
  { name: "two controller owners", kind: "Pod", mutate: (o) => (o.metadata.ownerReferences = [1, 2].map((i) => ({ apiVersion: "apps/v1", kind: "ReplicaSet", name: `r${i}`, uid: `u${i}`, controller: true }))), field: "metadata.ownerReferences", reason: "FieldValueInvalid", message: "Only one reference can have Controller set to true" },
];

const POD_CASES: Case[] = [
  { name: "no containers", kind: "Pod", mutate: (o) => (o.spec.containers = []), field: "spec.containers", reason: "FieldValueRequired", message: "Required value" },
  { name: "container name not a DNS label", kind: "Pod", mutate: (o) => (o.spec.containers[0].name = "Web"), field: "spec.containers[0].name", reason: "FieldValueInvalid", message: "a lowercase RFC 1123 label must consist of" },
  { name: "container name shared with an init container", kind: "Pod", mutate: (o) => (o.spec.containers[0].name = "init"), field: "spec.initContainers[0].name", reason: "FieldValueDuplicate", message: 'Duplicate value: "init"' },
  { name: "missing image in a template", kind: "Deployment", mutate: (o) => delete o.spec.template.spec.containers[0].image, field: "spec.template.spec.containers[0].image", reason: "FieldValueRequired", message: "Required value" },
  { name: "container port 0", kind: "Pod", mutate: (o) => (o.spec.containers[0].ports[0].containerPort = 0), field: "spec.containers[0].ports[0].containerPort", reason: "FieldValueRequired" },
  { name: "container port 70000", kind: "Pod", mutate: (o) => (o.spec.containers[0].ports[0].containerPort = 70000), field: "spec.containers[0].ports[0].containerPort", reason: "FieldValueInvalid", message: "Invalid value: 70000: must be between 1 and 65535, inclusive" },
  { name: "port protocol HTTP", kind: "Pod", mutate: (o) => (o.spec.containers[0].ports[0].protocol = "HTTP"), field: "spec.containers[0].ports[0].protocol", reason: "FieldValueNotSupported", message: 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"' },
  { name: "restartPolicy Sometimes", kind: "Pod", mutate: (o) => (o.spec.restartPolicy = "Sometimes"), field: "spec.restartPolicy", reason: "FieldValueNotSupported", message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"' },
  { name: "imagePullPolicy Sometimes", kind: "Pod", mutate: (o) => (o.spec.containers[0].imagePullPolicy = "Sometimes"), field: "spec.containers[0].imagePullPolicy", reason: "FieldValueNotSupported", message: 'Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"' },
  { name: "dnsPolicy Google", kind: "Pod", mutate: (o) => (o.spec.dnsPolicy = "Google"), field: "spec.dnsPolicy", reason: "FieldValueNotSupported" },
  { name: "env name starting with a digit", kind: "Pod", mutate: (o) => (o.spec.containers[0].env[0].name = "1MODE"), field: "spec.containers[0].env[0].name", reason: "FieldValueInvalid", message: "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit" },
  { name: "env value and valueFrom", kind: "Pod", mutate: (o) => (o.spec.containers[0].env[1].value = "x"), field: "spec.containers[0].env[1].valueFrom", reason: "FieldValueInvalid", message: "may not be specified when `value` is not empty" },
  { name: "env valueFrom with two sources", kind: "Pod", mutate: (o) => (o.spec.containers[0].env[1].valueFrom = twoSources), field: "spec.containers[0].env[1].valueFrom", reason: "FieldValueInvalid", message: "may not have more than one field specified at a time" },
  { name: "unsupported fieldRef path", kind: "Pod", mutate: (o) => (o.spec.containers[0].env[1].valueFrom.fieldRef.fieldPath = "spec.foo"), field: "spec.containers[0].env[1].valueFrom.fieldRef.fieldPath", reason: "FieldValueNotSupported" },
  { name: "secretKeyRef without key", kind: "Pod", mutate: (o) => delete o.spec.containers[0].env[3].valueFrom.secretKeyRef.key, field: "spec.containers[0].env[3].valueFrom.secretKeyRef.key", reason: "FieldValueRequired" },
  { name: "duplicate volume names", kind: "Pod", mutate: (o) => (o.spec.volumes[1].name = "config"), field: "spec.volumes[1].name", reason: "FieldValueDuplicate" },
  { name: "volume with two sources", kind: "Pod", mutate: (o) => (o.spec.volumes[0].emptyDir = {}), field: "spec.volumes[0].configMap", reason: "FieldValueForbidden", message: "may not specify more than 1 volume type" },
  { name: "mount of a missing volume", kind: "Pod", mutate: (o) => (o.spec.containers[0].volumeMounts[0].name = "data"), field: "spec.containers[0].volumeMounts[0].name", reason: "FieldValueNotFound", message: 'Not found: "data"' },
  { name: "two mounts on one path", kind: "Pod", mutate: (o) => (o.spec.containers[0].volumeMounts[1].mountPath = "/etc/web"), field: "spec.containers[0].volumeMounts[1].mountPath", reason: "FieldValueInvalid", message: "must be unique" },
  { name: "configMap volume item escaping the volume", kind: "Pod", mutate: (o) => (o.spec.volumes[0].configMap.items[0].path = "../x"), field: "spec.volumes[0].configMap.items[0].path", reason: "FieldValueInvalid", message: "must not contain '..'" },
  { name: "request above limit", kind: "Pod", mutate: (o) => (o.spec.containers[0].resources.requests.cpu = "2"), field: "spec.containers[0].resources.requests[cpu]", reason: "FieldValueInvalid", message: 'Invalid value: "2": must be less than or equal to cpu limit of 500m' },
  { name: "negative request", kind: "Pod", mutate: (o) => (o.spec.containers[0].resources.requests.memory = "-1Mi"), field: "spec.containers[0].resources.requests[memory]", reason: "FieldValueInvalid", message: "must be greater than or equal to 0" },
  { name: "unqualified extended resource", kind: "Pod", mutate: (o) => (o.spec.containers[0].resources.limits.gpu = "1"), field: "spec.containers[0].resources.limits[gpu]", reason: "FieldValueInvalid", message: "must be a standard resource type or fully qualified" },
  { name: "probe without a handler", kind: "Pod", mutate: (o) => (o.spec.containers[0].livenessProbe = { periodSeconds: 5 }), field: "spec.containers[0].livenessProbe", reason: "FieldValueRequired", message: "Required value: must specify a handler type" },
  { name: "probe with two handlers", kind: "Pod", mutate: (o) => (o.spec.containers[0].readinessProbe.exec = { command: ["true"] }), field: "spec.containers[0].readinessProbe.tcpSocket", reason: "FieldValueForbidden", message: "may not specify more than 1 handler type" },
  { name: "liveness successThreshold 2", kind: "Pod", mutate: (o) => (o.spec.containers[0].livenessProbe.successThreshold = 2), field: "spec.containers[0].livenessProbe.successThreshold", reason: "FieldValueInvalid", message: "must be 1" },
  { name: "probe port 0", kind: "Pod", mutate: (o) => (o.spec.containers[0].readinessProbe.tcpSocket.port = 0), field: "spec.containers[0].readinessProbe.tcpSocket.port", reason: "FieldValueInvalid" },
  { name: "negative probe period", kind: "Pod", mutate: (o) => (o.spec.containers[0].readinessProbe.periodSeconds = -1), field: "spec.containers[0].readinessProbe.periodSeconds", reason: "FieldValueInvalid" },
  { name: "toleration Exists with a value", kind: "Pod", mutate: (o) => (o.spec.tolerations[0].value = "x"), field: "spec.tolerations[0].operator", reason: "FieldValueInvalid", message: "value must be empty when `operator` is 'Exists'" },
  { name: "toleration effect Never", kind: "Pod", mutate: (o) => (o.spec.tolerations[0].effect = "Never"), field: "spec.tolerations[0].effect", reason: "FieldValueNotSupported" },
  { name: "node affinity without terms", kind: "Pod", mutate: (o) => (o.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms = []), field: "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms", reason: "FieldValueRequired" },
  { name: "affinity weight 0", kind: "Pod", mutate: (o) => (o.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight = 0), field: "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight", reason: "FieldValueInvalid", message: "must be in the range 1-100" },
  { name: "pod affinity without topologyKey", kind: "Pod", mutate: (o) => (o.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey = ""), field: "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey", reason: "FieldValueRequired" },
  { name: "activeDeadlineSeconds 0", kind: "Pod", mutate: (o) => (o.spec.activeDeadlineSeconds = 0), field: "spec.activeDeadlineSeconds", reason: "FieldValueInvalid" },
];

const WORKLOAD_CASES: Case[] = [
  { name: "deployment without selector", kind: "Deployment", mutate: (o) => delete o.spec.selector, field: "spec.selector", reason: "FieldValueRequired" },
  { name: "selector not matching the template", kind: "Deployment", mutate: (o) => (o.spec.selector.matchLabels = { app: "api" }), field: "spec.template.metadata.labels", reason: "FieldValueInvalid", message: 'Invalid value: {"app":"web"}: `selector` does not match template `labels`' },
  { name: "negative replicas", kind: "Deployment", mutate: (o) => (o.spec.replicas = -1), field: "spec.replicas", reason: "FieldValueInvalid", message: "Invalid value: -1: must be greater than or equal to 0" },
  { name: "strategy BlueGreen", kind: "Deployment", mutate: (o) => (o.spec.strategy = { type: "BlueGreen" }), field: "spec.strategy.type", reason: "FieldValueNotSupported", message: 'Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"' },
  { name: "maxSurge and maxUnavailable both 0", kind: "Deployment", mutate: (o) => (o.spec.strategy.rollingUpdate = { maxSurge: 0, maxUnavailable: "0%" }), field: "spec.strategy.rollingUpdate.maxUnavailable", reason: "FieldValueInvalid", message: "may not be 0 when `maxSurge` is 0" },
  { name: "maxUnavailable 110%", kind: "Deployment", mutate: (o) => (o.spec.strategy.rollingUpdate.maxUnavailable = "110%"), field: "spec.strategy.rollingUpdate.maxUnavailable", reason: "FieldValueInvalid", message: "must not be greater than 100%" },
  { name: "maxSurge not a percentage", kind: "Deployment", mutate: (o) => (o.spec.strategy.rollingUpdate.maxSurge = "half"), field: "spec.strategy.rollingUpdate.maxSurge", reason: "FieldValueInvalid", message: "a valid percent string must be a numeric string followed by an ending '%'" },
  { name: "Recreate with rollingUpdate", kind: "Deployment", mutate: (o) => (o.spec.strategy.type = "Recreate"), field: "spec.strategy.rollingUpdate", reason: "FieldValueForbidden" },
  { name: "deployment pods that never restart", kind: "Deployment", mutate: (o) => (o.spec.template.spec.restartPolicy = "Never"), field: "spec.template.spec.restartPolicy", reason: "FieldValueNotSupported", message: 'Unsupported value: "Never": supported values: "Always"' },
  { name: "deadline on long-running pods", kind: "Deployment", mutate: (o) => (o.spec.template.spec.activeDeadlineSeconds = 60), field: "spec.template.spec.activeDeadlineSeconds", reason: "FieldValueForbidden", message: "activeDeadlineSeconds in ReplicaSet is not Supported" },
  { name: "progress deadline within minReadySeconds", kind: "Deployment", mutate: (o) => ((o.spec.minReadySeconds = 700), (o.spec.progressDeadlineSeconds = 600)), field: "spec.progressDeadlineSeconds", reason: "FieldValueInvalid", message: "must be greater than minReadySeconds" },
  { name: "selector operator Contains", kind: "ReplicaSet", mutate: (o) => (o.spec.selector.matchExpressions[0].operator = "Contains"), field: "spec.selector.matchExpressions[0].operator", reason: "FieldValueInvalid", message: "not a valid selector operator" },
  { name: "selector In without values", kind: "ReplicaSet", mutate: (o) => (o.spec.selector.matchExpressions[0].values = []), field: "spec.selector.matchExpressions[0].values", reason: "FieldValueRequired" },
  { name: "empty selector", kind: "ReplicaSet", mutate: (o) => (o.spec.selector = {}), field: "spec.selector", reason: "FieldValueInvalid", message: "empty selector is invalid for deployment" },
  { name: "daemon set strategy Sometimes", kind: "DaemonSet", mutate: (o) => (o.spec.updateStrategy = { type: "Sometimes" }), field: "spec.updateStrategy.type", reason: "FieldValueNotSupported" },
  { name: "daemon set rolling update of nothing", kind: "DaemonSet", mutate: (o) => (o.spec.updateStrategy.rollingUpdate = { maxUnavailable: 0, maxSurge: 0 }), field: "spec.updateStrategy.rollingUpdate.maxUnavailable", reason: "FieldValueInvalid" },
  { name: "job pods that always restart", kind: "Job", mutate: (o) => delete o.spec.template.spec.restartPolicy, field: "spec.template.spec.restartPolicy", reason: "FieldValueNotSupported", message: 'Unsupported value: "Always": supported values: "OnFailure", "Never"' },
  { name: "negative parallelism", kind: "Job", mutate: (o) => (o.spec.parallelism = -1), field: "spec.parallelism", reason: "FieldValueInvalid" },
  { name: "indexed job without completions", kind: "Job", mutate: (o) => ((o.spec.completionMode = "Indexed"), (o.spec.parallelism = 2)), field: "spec.completions", reason: "FieldValueRequired" },
  { name: "negative scale", kind: "Scale", mutate: (o) => (o.spec.replicas = -1), field: "spec.replicas", reason: "FieldValueInvalid" },
];

const OTHER_CASES: Case[] = [
  { name: "service type Internal", kind: "Service", mutate: (o) => (o.spec.type = "Internal"), field: "spec.type", reason: "FieldValueNotSupported", message: 'Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"' },
  { name: "service without ports", kind: "Service", mutate: (o) => delete o.spec.ports, field: "spec.ports", reason: "FieldValueRequired" },
  { name: "service port 0", kind: "Service", mutate: (o) => (o.spec.ports[0].port = 0), field: "spec.ports[0].port", reason: "FieldValueInvalid", message: "must be between 1 and 65535, inclusive" },
  { name: "unnamed port among several", kind: "Service", mutate: (o) => delete o.spec.ports[1].name, field: "spec.ports[1].name", reason: "FieldValueRequired" },
  { name: "duplicate port names", kind: "Service", mutate: (o) => (o.spec.ports[1].name = "http"), field: "spec.ports[1].name", reason: "FieldValueDuplicate" },
  { name: "nodePort on a ClusterIP service", kind: "Service", mutate: (o) => (o.spec.ports[0].nodePort = 30080), field: "spec.ports[0].nodePort", reason: "FieldValueForbidden", message: "may not be used when `type` is 'ClusterIP'" },
  { name: "targetPort 70000", kind: "Service", mutate: (o) => (o.spec.ports[1].targetPort = 70000), field: "spec.ports[1].targetPort", reason: "FieldValueInvalid" },
  { name: "sessionAffinity Sticky", kind: "Service", mutate: (o) => (o.spec.sessionAffinity = "Sticky"), field: "spec.sessionAffinity", reason: "FieldValueNotSupported" },
  { name: "externalTrafficPolicy on ClusterIP", kind: "Service", mutate: (o) => (o.spec.externalTrafficPolicy = "Local"), field: "spec.externalTrafficPolicy", reason: "FieldValueInvalid" },
  { name: "clusterIP not an IP", kind: "Service", mutate: (o) => (o.spec.clusterIP = "ten.zero"), field: "spec.clusterIP", reason: "FieldValueInvalid" },
  { name: "ExternalName without a name", kind: "Service", mutate: (o) => (o.spec.type = "ExternalName"), field: "spec.externalName", reason: "FieldValueRequired" },
  { name: "config key with a space", kind: "ConfigMap", mutate: (o) => (o.data["bad key"] = "v"), field: "data[bad key]", reason: "FieldValueInvalid", message: "a valid config key must consist of alphanumeric characters, '-', '_' or '.'" },
  { name: "key in data and binaryData", kind: "ConfigMap", mutate: (o) => (o.binaryData.level = "AA=="), field: "binaryData[level]", reason: "FieldValueInvalid", message: "duplicate of key present in data" },
  { name: "config map over 1 MiB", kind: "ConfigMap", mutate: (o) => (o.data.big = long(1024 * 1024)), field: "data", reason: "FieldValueTooLong" },
  { name: "secret key '..'", kind: "Secret", mutate: (o) => (o.data[".."] = "AA=="), field: "data[..]", reason: "FieldValueInvalid", message: "must not be '..'" },
  { name: "TLS secret without a key", kind: "Secret", mutate: (o) => ((o.type = "kubernetes.io/tls"), (o.data = { "tls.crt": "AA==" })), field: "data[tls.key]", reason: "FieldValueRequired" },
  { name: "taint without effect", kind: "Node", mutate: (o) => delete o.spec.taints[0].effect, field: "spec.taints[0].effect", reason: "FieldValueRequired" },
  { name: "taint effect Sometimes", kind: "Node", mutate: (o) => (o.spec.taints[0].effect = "Sometimes"), field: "spec.taints[0].effect", reason: "FieldValueNotSupported" },
  { name: "lease of zero seconds", kind: "Lease", mutate: (o) => (o.spec.leaseDurationSeconds = 0), field: "spec.leaseDurationSeconds", reason: "FieldValueInvalid" },
  { name: "address type IPv5", kind: "EndpointSlice", mutate: (o) => (o.addressType = "IPv5"), field: "addressType", reason: "FieldValueNotSupported" },
  { name: "endpoint without addresses", kind: "EndpointSlice", mutate: (o) => (o.endpoints[0].addresses = []), field: "endpoints[0].addresses", reason: "FieldValueRequired" },
  { name: "controller revision without a revision", kind: "ControllerRevision", mutate: (o) => delete o.revision, field: "revision", reason: "FieldValueRequired" },
  { name: "controller revision numbered -1", kind: "ControllerRevision", mutate: (o) => (o.revision = -1), field: "revision", reason: "FieldValueInvalid", message: "must be greater than or equal to 0" },
  { name: "controller revision without data", kind: "ControllerRevision", mutate: (o) => delete o.data, field: "data", reason: "FieldValueRequired", message: "data is mandatory" },
  { name: "controller revision without a name", kind: "ControllerRevision", mutate: (o) => delete o.metadata.name, field: "metadata.name", reason: "FieldValueRequired" },
  { name: "controller revision named in upper case", kind: "ControllerRevision", mutate: (o) => (o.metadata.name = "Agent-1"), field: "metadata.name", reason: "FieldValueInvalid" },
  { name: "runtime handler with underscore", kind: "RuntimeClass", mutate: (o) => (o.handler = "run_sc"), field: "handler", reason: "FieldValueInvalid" },
  { name: "event in another namespace than its object", kind: "Event", mutate: (o) => (o.involvedObject.namespace = "other"), field: "involvedObject.namespace", reason: "FieldValueInvalid", message: "does not match event.namespace" },
  { name: "event type Bad", kind: "Event", mutate: (o) => (o.type = "Bad"), field: "type", reason: "FieldValueNotSupported" },
  { name: "endpoints address not an IP", kind: "Endpoints", mutate: (o) => (o.subsets[0].addresses[0].ip = "pod-a"), field: "subsets[0].addresses[0].ip", reason: "FieldValueInvalid" },
];

function expectCause(found: StatusCause[], c: Case): void {
  const hit = found.find((f) => f.field === c.field && f.reason === c.reason);
  expect(hit, `causes were ${JSON.stringify(found)}`).toBeDefined();
  if (c.message) expect(hit!.message).toContain(c.message);
}

describe("validateObject: valid objects", () => {
  it.each(KINDS)("validate: a valid %s has no causes", (kind) => {
    const { info, object } = admit(kind);
    expect(validateObject(info, object)).toEqual([]);
  });

  it("validate: generateName stands in for a missing name", () => {
    expect(causes("Pod", (o) => ((o.metadata.generateName = "web-"), delete o.metadata.name))).toEqual([]);
  });

  it("validate: a surge above 100% is allowed (only unavailability is capped)", () => {
    expect(causes("Deployment", (o) => (o.spec.strategy.rollingUpdate.maxSurge = "150%"))).toEqual([]);
  });

  it("validate: a service may be headless without ports", () => {
    expect(causes("Service", (o) => ((o.spec.clusterIP = "None"), delete o.spec.ports))).toEqual([]);
  });
});

describe.each([
  ["metadata", META_CASES],
  ["pod specs", POD_CASES],
  ["workloads", WORKLOAD_CASES],
  ["other kinds", OTHER_CASES],
])("validateObject: %s", (_group, cases) => {
  it.each(cases)("validate: $kind with $name → $reason on $field", (c) => {
    expectCause(causes(c.kind, c.mutate), c);
  });
});

describe("validateObject: objects built without decoding", () => {
  it("validate: an unparseable quantity is reported on its field", () => {
    const { info, object } = admit("Pod");
    (object.spec as Manifest).containers[0].resources.limits.memory = "lots";
    expectCause(validateObject(info, object), { name: "", kind: "Pod", mutate: () => {}, field: "spec.containers[0].resources.limits[memory]", reason: "FieldValueInvalid", message: QUANTITY_FORMAT_ERROR });
  });

  it("validate: fields with defaults are required when defaults were not applied", () => {
    const info = infoOf("v1", "Pod");
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }] } };
    const fields = validateObject(info, pod).map((c) => c.field);
    expect(fields).toEqual(expect.arrayContaining(["spec.restartPolicy", "spec.dnsPolicy", "spec.containers[0].imagePullPolicy"]));
  });
});
