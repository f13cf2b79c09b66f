import { describe, expect, it } from "vitest";
import type { KubeObject } from "../meta.ts";
import { applyDefaults, carryOverAllocated, generateJobSelector } from "./defaults.ts";
import { defaultPullPolicy } from "./defaults-pod.ts";
import { infoOf } from "./testdata.ts";
import type { Manifest } from "./testdata.ts";

function defaulted(apiVersion: string, kind: string, body: Record<string, unknown>): Manifest {
  return applyDefaults(infoOf(apiVersion, kind), { apiVersion, kind, metadata: { name: "x", namespace: "default" }, ...body }) as Manifest;
}

const minimalPodSpec = () => ({ containers: [{ name: "web", image: "nginx:1.27" }] });

describe("applyDefaults: pods", () => {
  it("defaults: a minimal pod gets Kubernetes' spec defaults", () => {
    const pod = defaulted("v1", "Pod", { spec: minimalPodSpec() });
    expect(pod.spec).toEqual({
      containers: [{ name: "web", image: "nginx:1.27", imagePullPolicy: "IfNotPresent", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File", resources: {} }],
      restartPolicy: "Always",
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
      terminationGracePeriodSeconds: 30,
      securityContext: {},
      enableServiceLinks: true,
      priority: 0,
      preemptionPolicy: "PreemptLowerPriority",
      serviceAccountName: "default",
      serviceAccount: "default",
    });
  });

  it.each([
    ["nginx", "Always"],
    ["nginx:latest", "Always"],
    ["registry.local:5000/app", "Always"],
    ["registry.local:5000/app:1.2", "IfNotPresent"],
    ["nginx:1.27", "IfNotPresent"],
    ["nginx@sha256:abc", "IfNotPresent"],
  ])("defaults: image %s pulls with %s", (image, policy) => {
    expect(defaultPullPolicy(image)).toBe(policy);
  });

  it("defaults: ports, probes, field refs and volumes", () => {
    const spec = {
      containers: [
        {
          name: "web",
          image: "nginx",
          ports: [{ containerPort: 80 }],
          readinessProbe: { httpGet: { port: 80 } },
          livenessProbe: { tcpSocket: { port: 80 }, periodSeconds: 3 },
          env: [{ name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
          resources: { limits: { cpu: "1" } },
        },
      ],
      volumes: [{ name: "a" }, { name: "b", secret: { secretName: "s" } }, { name: "c", hostPath: { path: "/data" } }],
    };
    const c = defaulted("v1", "Pod", { spec }).spec;
    const web = c.containers[0];
    expect(web.imagePullPolicy).toBe("Always");
    expect(web.ports[0].protocol).toBe("TCP");
    expect(web.readinessProbe).toEqual({ httpGet: { port: 80, path: "/", scheme: "HTTP" }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    expect(web.livenessProbe.periodSeconds).toBe(3);
    expect(web.env[0].valueFrom.fieldRef.apiVersion).toBe("v1");
    expect(web.resources).toEqual({ limits: { cpu: "1" }, requests: { cpu: "1" } });
    expect(c.volumes).toEqual([
      { name: "a", emptyDir: {} },
      { name: "b", secret: { secretName: "s", defaultMode: 420 } },
      { name: "c", hostPath: { path: "/data", type: "" } },
    ]);
  });

  it("defaults: on the host network container ports are host ports", () => {
    const spec = { hostNetwork: true, containers: [{ name: "web", image: "nginx", ports: [{ containerPort: 8080 }] }] };
    expect(defaulted("v1", "Pod", { spec }).spec.containers[0].ports[0].hostPort).toBe(8080);
  });

  it("defaults: fields already set are kept, and applying twice changes nothing", () => {
    const pod = defaulted("v1", "Pod", { spec: { ...minimalPodSpec(), restartPolicy: "Never", dnsPolicy: "Default", priority: 7 } });
    expect([pod.spec.restartPolicy, pod.spec.dnsPolicy, pod.spec.priority]).toEqual(["Never", "Default", 7]);
    const again = applyDefaults(infoOf("v1", "Pod"), structuredClone(pod) as KubeObject);
    expect(again).toEqual(pod);
  });
});

describe("applyDefaults: controllers", () => {
  const template = () => ({ metadata: { labels: { app: "web" } }, spec: minimalPodSpec() });

  it("defaults: Deployment replicas, strategy, history, deadline and template", () => {
    const d = defaulted("apps/v1", "Deployment", { spec: { selector: { matchLabels: { app: "web" } }, template: template() } });
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    expect(d.spec.template.spec.restartPolicy).toBe("Always");
    expect(d.spec.template.spec.containers[0].terminationMessagePath).toBe("/dev/termination-log");
    // Admission-only pod defaults stay off templates, as in Kubernetes.
    expect(d.spec.template.spec.priority).toBeUndefined();
  });

  it("defaults: Recreate deployments get no rollingUpdate", () => {
    const d = defaulted("apps/v1", "Deployment", { spec: { strategy: { type: "Recreate" }, template: template() } });
    expect(d.spec.strategy).toEqual({ type: "Recreate" });
  });

  it("defaults: ReplicaSet replicas", () => {
    expect(defaulted("apps/v1", "ReplicaSet", { spec: { template: template() } }).spec.replicas).toBe(1);
  });

  it("defaults: DaemonSet update strategy and history", () => {
    const ds = defaulted("apps/v1", "DaemonSet", { spec: { template: template() } });
    expect(ds.spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(ds.spec.revisionHistoryLimit).toBe(10);
  });

  it.each([
    { name: "neither set", spec: {}, completions: 1, parallelism: 1 },
    { name: "only parallelism (work queue)", spec: { parallelism: 3 }, completions: undefined, parallelism: 3 },
    { name: "only completions", spec: { completions: 5 }, completions: 5, parallelism: 1 },
  ])("defaults: Job with $name", ({ spec, completions, parallelism }) => {
    const job = defaulted("batch/v1", "Job", { spec: { ...spec, template: template() } });
    expect(job.spec.completions).toBe(completions);
    expect(job.spec.parallelism).toBe(parallelism);
    expect(job.spec.backoffLimit).toBe(6);
    expect(job.spec.completionMode).toBe("NonIndexed");
    expect(job.spec.suspend).toBe(false);
    expect(job.spec.podReplacementPolicy).toBe("TerminatingOrFailed");
  });

  it("defaults: generateJobSelector ties the pods to the job's UID", () => {
    const job = defaulted("batch/v1", "Job", { spec: { template: template() } }) as KubeObject;
    generateJobSelector(job, "uid-1");
    const spec = job.spec as Manifest;
    expect(spec.selector).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": "uid-1" } });
    expect(spec.template.metadata.labels).toEqual({ app: "web", "controller-uid": "uid-1", "job-name": "x", "batch.kubernetes.io/controller-uid": "uid-1", "batch.kubernetes.io/job-name": "x" });
  });
});

describe("applyDefaults: other kinds", () => {
  it("defaults: Service type, affinity, policies, protocols and targetPort", () => {
    const svc = defaulted("v1", "Service", { spec: { selector: { app: "web" }, ports: [{ port: 80 }, { port: 53, protocol: "UDP", targetPort: "dns" }] } });
    expect(svc.spec).toEqual({
      selector: { app: "web" },
      ports: [
        { port: 80, protocol: "TCP", targetPort: 80 },
        { port: 53, protocol: "UDP", targetPort: "dns" },
      ],
      type: "ClusterIP",
      sessionAffinity: "None",
      internalTrafficPolicy: "Cluster",
      ipFamilyPolicy: "SingleStack",
    });
  });

  it("defaults: NodePort services get externalTrafficPolicy Cluster", () => {
    expect(defaulted("v1", "Service", { spec: { type: "NodePort", ports: [{ port: 80 }] } }).spec.externalTrafficPolicy).toBe("Cluster");
  });

  it("defaults: Secret type Opaque and stringData folded into data", () => {
    const s = defaulted("v1", "Secret", { data: { a: "YQ==" }, stringData: { b: "bee", a: "override" } });
    expect(s.type).toBe("Opaque");
    expect(s.data).toEqual({ a: Buffer.from("override").toString("base64"), b: Buffer.from("bee").toString("base64") });
    expect(s.stringData).toBeUndefined();
  });

  it("defaults: Namespace finalizer and phase", () => {
    const ns = defaulted("v1", "Namespace", {});
    expect(ns.spec).toEqual({ finalizers: ["kubernetes"] });
    expect(ns.status).toEqual({ phase: "Active" });
  });

  it("defaults: Node allocatable defaults to capacity", () => {
    const node = defaulted("v1", "Node", { status: { capacity: { cpu: "4" } } });
    expect(node.status.allocatable).toEqual({ cpu: "4" });
  });

  it("defaults: Lease gets nothing", () => {
    expect(defaulted("coordination.k8s.io/v1", "Lease", { spec: {} }).spec).toEqual({});
  });

  it("defaults: an update keeps the service's allocated cluster IP and node ports", () => {
    const info = infoOf("v1", "Service");
    const old = { metadata: { name: "web" }, spec: { clusterIP: "10.0.0.9", clusterIPs: ["10.0.0.9"], ports: [{ port: 80, protocol: "TCP", nodePort: 30080 }] } };
    const next = { metadata: { name: "web" }, spec: { ports: [{ port: 80, protocol: "TCP" }] } };
    carryOverAllocated(info, next, old);
    expect(next.spec).toEqual({ clusterIP: "10.0.0.9", clusterIPs: ["10.0.0.9"], ports: [{ port: 80, protocol: "TCP", nodePort: 30080 }] });
  });
});
