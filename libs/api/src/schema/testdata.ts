/**
 * Valid manifests of every kind, as a user would write them, for the schema tests.
 * Each call returns a fresh copy so a test can change it freely.
 */
import type { KubeObject } from "../meta.ts";
import { resourceForKind } from "../registry.ts";
import type { ResourceInfo } from "../registry.ts";
import { SCALE_INFO } from "./catalog.ts";

/**
 * A manifest as tests edit it: any path may be read or replaced, as in a YAML file.
 * Typing each edit would only restate the schemas under test.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = Record<string, any>;

/** The registry row for an apiVersion and kind (Scale included). */
export function infoOf(apiVersion: string, kind: string): ResourceInfo {
  if (kind === "Scale") return SCALE_INFO;
  const info = resourceForKind(apiVersion, kind);
  if (!info) throw new Error(`no resource for ${apiVersion} ${kind}`);
  return info;
}

const podSpec = () => ({
  containers: [
    {
      name: "web",
      image: "nginx:1.27",
      command: ["nginx"],
      args: ["-g", "daemon off;"],
      workingDir: "/srv",
      ports: [{ containerPort: 80, name: "http" }],
      env: [
        { name: "MODE", value: "prod" },
        { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        { name: "LEVEL", valueFrom: { configMapKeyRef: { name: "web-config", key: "level" } } },
        { name: "TOKEN", valueFrom: { secretKeyRef: { name: "web-secret", key: "token", optional: true } } },
      ],
      envFrom: [{ configMapRef: { name: "web-config" }, prefix: "CFG_" }],
      resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
      volumeMounts: [
        { name: "config", mountPath: "/etc/web", readOnly: true },
        { name: "scratch", mountPath: "/tmp" },
      ],
      livenessProbe: { httpGet: { path: "/healthz", port: "http" }, initialDelaySeconds: 5 },
      readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
      startupProbe: { exec: { command: ["true"] }, failureThreshold: 30 },
      lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } },
      securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
      imagePullPolicy: "IfNotPresent",
    },
  ],
  initContainers: [{ name: "init", image: "busybox:1.36", command: ["sh", "-c", "true"] }],
  volumes: [
    { name: "config", configMap: { name: "web-config", items: [{ key: "level", path: "level.txt" }] } },
    { name: "scratch", emptyDir: { sizeLimit: "1Gi" } },
  ],
  nodeSelector: { "kubernetes.io/os": "linux" },
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] }] }],
      },
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 50, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web" } } } },
      ],
    },
  },
  tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
  serviceAccountName: "web",
  terminationGracePeriodSeconds: 10,
});

const template = () => ({ metadata: { labels: { app: "web" } }, spec: podSpec() });

const MANIFESTS: Record<string, () => Record<string, unknown>> = {
  Pod: () => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-0", namespace: "default", labels: { app: "web" } }, spec: podSpec() }),
  Namespace: () => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a", labels: { team: "a" } } }),
  Node: () => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "pi-1", labels: { "kubernetes.io/hostname": "pi-1" } },
    spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"], taints: [{ key: "dedicated", value: "edge", effect: "NoSchedule" }] },
    status: {
      capacity: { cpu: "4", memory: "8Gi", pods: "110" },
      conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: "2024-05-01T12:00:00Z", reason: "KubeletReady" }],
      addresses: [{ type: "InternalIP", address: "192.168.1.10" }],
      nodeInfo: { machineID: "m", systemUUID: "s", bootID: "b", kernelVersion: "6.6", osImage: "Debian", containerRuntimeVersion: "containerd://2.0", kubeletVersion: "v1.32.0", kubeProxyVersion: "", operatingSystem: "linux", architecture: "arm64" },
    },
  }),
  Service: () => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "default" },
    spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }, { name: "metrics", port: 9090, targetPort: 9090 }], sessionAffinity: "None" },
  }),
  Endpoints: () => ({
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "web", namespace: "default" },
    subsets: [{ addresses: [{ ip: "10.244.1.5", nodeName: "pi-1", targetRef: { kind: "Pod", name: "web-0", namespace: "default" } }], ports: [{ port: 80, protocol: "TCP" }] }],
  }),
  Event: () => ({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "web-0.17a", namespace: "default" },
    involvedObject: { kind: "Pod", name: "web-0", namespace: "default", uid: "u-1", apiVersion: "v1" },
    reason: "Scheduled",
    message: "Successfully assigned default/web-0 to pi-1",
    source: { component: "default-scheduler" },
    firstTimestamp: "2024-05-01T12:00:00Z",
    lastTimestamp: "2024-05-01T12:00:00Z",
    count: 1,
    type: "Normal",
    eventTime: "2024-05-01T12:00:00.123456Z",
    reportingComponent: "default-scheduler",
    reportingInstance: "master-1",
  }),
  ServiceAccount: () => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "web", namespace: "default" }, imagePullSecrets: [{ name: "registry" }] }),
  Secret: () => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "web-secret", namespace: "default" }, data: { token: "czNjcjN0" }, stringData: { user: "admin" } }),
  ConfigMap: () => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config", namespace: "default" }, data: { level: "debug", "app.properties": "a=1\n" }, binaryData: { "logo.png": "iVBORw0KGgo=" } }),
  Deployment: () => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", labels: { app: "web" } },
    spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: "25%" } }, template: template() },
  }),
  ReplicaSet: () => ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web-5d9f", namespace: "default" },
    spec: { replicas: 2, selector: { matchExpressions: [{ key: "app", operator: "In", values: ["web"] }] }, template: template() },
  }),
  DaemonSet: () => ({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent", namespace: "kube-system" },
    spec: { selector: { matchLabels: { app: "web" } }, template: template(), updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } } },
  }),
  ControllerRevision: () => ({
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: { name: "agent-7d4b9c", namespace: "kube-system", labels: { app: "web", "controller-revision-hash": "7d4b9c" } },
    data: { spec: { template: { ...template(), $patch: "replace" } } },
    revision: 1,
  }),
  Job: () => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "migrate", namespace: "default" },
    spec: { backoffLimit: 2, template: { spec: { restartPolicy: "Never", containers: [{ name: "migrate", image: "migrate:1.0", args: ["up"] }] } } },
  }),
  Lease: () => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "pi-1", namespace: "kube-node-lease" },
    spec: { holderIdentity: "pi-1", leaseDurationSeconds: 40, renewTime: "2024-05-01T12:00:00.000000Z" },
  }),
  EndpointSlice: () => ({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "web-abc12", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.244.1.5"], conditions: { ready: true }, nodeName: "pi-1", targetRef: { kind: "Pod", name: "web-0" } }],
    ports: [{ name: "http", port: 80, protocol: "TCP" }],
  }),
  RuntimeClass: () => ({ apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name: "gvisor" }, handler: "runsc", scheduling: { nodeSelector: { sandbox: "true" } } }),
  Scale: () => ({ apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web", namespace: "default" }, spec: { replicas: 5 } }),
};

/** Every kind with a valid manifest. */
export const KINDS: readonly string[] = Object.keys(MANIFESTS);

/** A fresh valid manifest of `kind`. */
export function manifest(kind: string): Manifest & KubeObject {
  const make = MANIFESTS[kind];
  if (!make) throw new Error(`no manifest for ${kind}`);
  return make() as Manifest & KubeObject;
}
