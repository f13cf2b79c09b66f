/**
 * Realistic objects, shaped as a cluster would store them, for the table tests.
 * Times are relative to SAMPLE_NOW so ages read naturally.
 */
import type { KubeObject } from "@flotilla/api";

/** The "now" every sample time is relative to. */
export const SAMPLE_NOW = new Date("2024-05-01T12:00:00Z");

/** An RFC 3339 time `ms` milliseconds before SAMPLE_NOW. */
export function ago(ms: number): string {
  return new Date(SAMPLE_NOW.getTime() - ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Durations in milliseconds, for writing sample times. */
export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

function meta(name: string, age: number, extra: Partial<KubeObject["metadata"]> = {}): KubeObject["metadata"] {
  return { name, namespace: "default", uid: `uid-${name}`, resourceVersion: "100", creationTimestamp: ago(age), ...extra };
}

const running = (startedAgo: number) => ({ running: { startedAt: ago(startedAgo) } });

/** Sample: running pod. */
export const RUNNING_POD: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: meta("web-7d4b9c-x2x9k", 2 * DAY + 5 * HOUR, { labels: { app: "web", "pod-template-hash": "7d4b9c" } }),
  spec: { nodeName: "pi-1", containers: [{ name: "nginx", image: "nginx:1.27" }] },
  status: {
    phase: "Running",
    conditions: [
      { type: "Initialized", status: "True" },
      { type: "Ready", status: "True" },
    ],
    podIP: "10.42.0.7",
    podIPs: [{ ip: "10.42.0.7" }],
    containerStatuses: [{ name: "nginx", ready: true, started: true, restartCount: 0, state: running(2 * DAY) }],
  },
};

/** Sample: crashloop pod. */
export const CRASHLOOP_POD: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: meta("api-5f6c-abcde", 3 * HOUR),
  spec: { nodeName: "pi-2", containers: [{ name: "api", image: "ghcr.io/acme/api:2.1" }] },
  status: {
    phase: "Running",
    podIP: "10.42.1.3",
    containerStatuses: [
      {
        name: "api",
        ready: false,
        restartCount: 5,
        state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container" } },
        lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago(5 * MIN) } },
      },
    ],
  },
};

/** Sample: creating pod. */
export const CREATING_POD: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: meta("db-0", 45 * SEC),
  spec: { nodeName: "pi-1", containers: [{ name: "postgres", image: "postgres:16" }, { name: "exporter", image: "prom/postgres-exporter" }] },
  status: {
    phase: "Pending",
    containerStatuses: [
      { name: "exporter", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } },
      { name: "postgres", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } },
    ],
  },
};

/** Sample: completed pod. */
export const COMPLETED_POD: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: meta("migrate-x7k2p", 400 * DAY),
  spec: { nodeName: "pi-3", containers: [{ name: "migrate", image: "acme/migrate:1" }] },
  status: {
    phase: "Succeeded",
    podIPs: [{ ip: "10.42.2.9" }],
    containerStatuses: [{ name: "migrate", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed", finishedAt: ago(399 * DAY) } } }],
  },
};

/** Sample: error pod. */
export const ERROR_POD: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: meta("oneshot", 10 * MIN),
  spec: { nodeName: "pi-3", containers: [{ name: "job", image: "busybox" }] },
  status: { phase: "Failed", containerStatuses: [{ name: "job", ready: false, restartCount: 0, state: { terminated: { exitCode: 2, reason: "Error" } } }] },
};

/** Sample: terminating pod. */
export const TERMINATING_POD: KubeObject = {
  ...RUNNING_POD,
  metadata: { ...RUNNING_POD.metadata, name: "web-7d4b9c-old11", deletionTimestamp: ago(10 * SEC), deletionGracePeriodSeconds: 30 },
};

/** Sample: init pod. */
export const INIT_POD: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: meta("app-with-init", 90 * SEC),
  spec: {
    nodeName: "pi-2",
    initContainers: [
      { name: "wait-db", image: "busybox" },
      { name: "migrate", image: "acme/migrate:1" },
    ],
    containers: [{ name: "app", image: "acme/app:1" }],
  },
  status: {
    phase: "Pending",
    conditions: [{ type: "Initialized", status: "False" }],
    initContainerStatuses: [
      { name: "wait-db", ready: false, restartCount: 0, state: { running: { startedAt: ago(80 * SEC) } } },
      { name: "migrate", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } },
    ],
    containerStatuses: [{ name: "app", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } }],
  },
};

/** Sample: sidecar pod. */
export const SIDECAR_POD: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: meta("with-sidecar", 20 * MIN),
  spec: {
    nodeName: "pi-1",
    initContainers: [{ name: "proxy", image: "envoy:v1", restartPolicy: "Always" }],
    containers: [{ name: "app", image: "acme/app:1" }],
    readinessGates: [{ conditionType: "example.com/lb-ready" }],
  },
  status: {
    phase: "Running",
    nominatedNodeName: "pi-9",
    conditions: [
      { type: "Initialized", status: "True" },
      { type: "Ready", status: "True" },
      { type: "example.com/lb-ready", status: "False" },
    ],
    podIPs: [{ ip: "fd00::7" }],
    initContainerStatuses: [{ name: "proxy", ready: true, started: true, restartCount: 1, state: running(15 * MIN), lastState: { terminated: { exitCode: 137, finishedAt: ago(15 * MIN) } } }],
    containerStatuses: [{ name: "app", ready: true, started: true, restartCount: 0, state: running(19 * MIN) }],
  },
};

/** Sample: pending pod. */
export const PENDING_POD: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: meta("unschedulable", 5 * MIN + 30 * SEC),
  spec: { containers: [{ name: "big", image: "acme/big:1" }] },
  status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] },
};

/** Sample: nodes. */
export const NODES: KubeObject[] = [
  {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "pi-1", uid: "n1", creationTimestamp: ago(30 * DAY), labels: { "node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/master": "", "kubernetes.io/hostname": "pi-1" } },
    spec: {},
    status: {
      conditions: [
        { type: "MemoryPressure", status: "False" },
        { type: "Ready", status: "True" },
      ],
      addresses: [
        { type: "InternalIP", address: "192.168.1.10" },
        { type: "Hostname", address: "pi-1" },
      ],
      nodeInfo: { kubeletVersion: "v1.32.0-flotilla", osImage: "Debian GNU/Linux 12 (bookworm)", kernelVersion: "6.6.31+rpt-rpi-v8", containerRuntimeVersion: "containerd://1.7.20" },
    },
  },
  {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "pi-2", uid: "n2", creationTimestamp: ago(7 * HOUR + 5 * MIN), labels: { "kubernetes.io/role": "worker" } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: "Ready", status: "Unknown" }],
      addresses: [
        { type: "InternalIP", address: "192.168.1.11" },
        { type: "ExternalIP", address: "203.0.113.5" },
      ],
      nodeInfo: { kubeletVersion: "v1.32.0-flotilla" },
    },
  },
  { apiVersion: "v1", kind: "Node", metadata: { name: "vm-new", uid: "n3", creationTimestamp: ago(20 * SEC) }, spec: {}, status: {} },
];

/** Sample: services. */
export const SERVICES: KubeObject[] = [
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta("kubernetes", 30 * DAY),
    spec: { type: "ClusterIP", clusterIP: "10.43.0.1", clusterIPs: ["10.43.0.1"], ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }] },
  },
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta("web", 2 * DAY),
    spec: { type: "NodePort", clusterIP: "10.43.12.7", ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }, { port: 53, nodePort: 30053, protocol: "UDP" }], selector: { app: "web", tier: "frontend" } },
  },
  { apiVersion: "v1", kind: "Service", metadata: meta("lb-pending", HOUR), spec: { type: "LoadBalancer", clusterIP: "10.43.9.9", ports: [{ port: 443, nodePort: 31443, protocol: "TCP" }], selector: { app: "lb" } } },
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta("lb", HOUR),
    spec: { type: "LoadBalancer", clusterIP: "10.43.9.10", externalIPs: ["198.51.100.4"], ports: [{ port: 80, nodePort: 31080, protocol: "TCP" }] },
    status: { loadBalancer: { ingress: [{ ip: "192.168.1.240" }, { hostname: "lb.example.com" }] } },
  },
  { apiVersion: "v1", kind: "Service", metadata: meta("ext", 10 * MIN), spec: { type: "ExternalName", externalName: "db.example.com" } },
  { apiVersion: "v1", kind: "Service", metadata: meta("headless", 10 * MIN), spec: { clusterIP: "None", selector: { app: "db" } } },
];

/** Sample: deployment. */
export const DEPLOYMENT: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: meta("web", 2 * DAY + 5 * HOUR, { generation: 3 }),
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["frontend", "edge"] }] },
    template: { metadata: { labels: { app: "web", tier: "frontend" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.27" }, { name: "log", image: "fluent-bit:3" }] } },
  },
  status: { observedGeneration: 3, replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 },
};

/** Sample: replicaset. */
export const REPLICASET: KubeObject = {
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: meta("web-7d4b9c", 2 * DAY),
  spec: { replicas: 3, selector: { matchLabels: { app: "web", "pod-template-hash": "7d4b9c" } }, template: { spec: { containers: [{ name: "nginx", image: "nginx:1.27" }] } } },
  status: { replicas: 3, readyReplicas: 2 },
};

/** Sample: daemonset. */
export const DAEMONSET: KubeObject = {
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: meta("node-exporter", 6 * DAY),
  spec: { selector: { matchLabels: { app: "node-exporter" } }, template: { spec: { nodeSelector: { "kubernetes.io/os": "linux" }, containers: [{ name: "exporter", image: "prom/node-exporter:v1.8" }] } } },
  status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
};

/** Sample: jobs. */
export const JOBS: KubeObject[] = [
  {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: meta("backup", HOUR),
    spec: { completions: 1, parallelism: 1, selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "u-1" } }, template: { spec: { containers: [{ name: "backup", image: "restic:0.16" }] } } },
    status: { succeeded: 1, startTime: ago(HOUR), completionTime: ago(HOUR - 47 * SEC), conditions: [{ type: "SuccessCriteriaMet", status: "True" }, { type: "Complete", status: "True" }] },
  },
  {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: meta("crunch", 20 * MIN),
    spec: { parallelism: 4, template: { spec: { containers: [{ name: "crunch", image: "acme/crunch:2" }] } } },
    status: { succeeded: 1, active: 3, startTime: ago(20 * MIN) },
  },
  {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: meta("flaky", 3 * HOUR),
    spec: { completions: 5, template: { spec: { containers: [{ name: "flaky", image: "acme/flaky:1" }] } } },
    status: { succeeded: 2, failed: 7, startTime: ago(3 * HOUR), conditions: [{ type: "FailureTarget", status: "True" }, { type: "Failed", status: "True" }] },
  },
];

/** Sample: event. */
export const EVENT: KubeObject = {
  apiVersion: "v1",
  kind: "Event",
  metadata: meta("api-5f6c-abcde.17c8f2a1b3", 3 * HOUR),
  involvedObject: { kind: "Pod", namespace: "default", name: "api-5f6c-abcde", uid: "uid-api", fieldPath: "spec.containers{api}" },
  reason: "BackOff",
  message: "Back-off restarting failed container api in pod api-5f6c-abcde_default(uid-api)\n",
  source: { component: "kubelet", host: "pi-2" },
  firstTimestamp: ago(2 * HOUR),
  lastTimestamp: ago(90 * SEC),
  count: 27,
  type: "Warning",
};
