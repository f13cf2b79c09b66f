/**
 * A realistic Pod body: what a ReplicaSet controller posts for a small web
 * Deployment (labels, owner reference, probes, resources, a config volume, the
 * default tolerations). Its size (~4 KB as JSON once the server adds defaults and
 * managedFields) is what makes encode, fsync and fan-out costs representative; a
 * bare `{metadata: {name}}` would flatter every figure.
 */
import type { KubeObject } from "@flotilla/api";

/** Annotation carrying the writer's clock (performance.now(), ms) for watch latency. */
export const SENT_AT_ANNOTATION = "bench.flotilla.io/sent-at";

export function benchPod(name: string, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      labels: { app: "web", tier: "frontend", "pod-template-hash": "7d4b9c6f8" },
      annotations: { "kubectl.kubernetes.io/restartedAt": "2026-11-20T09:00:00Z", ...annotations },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-7d4b9c6f8", uid: "5b0e4a8e-2f0c-4d1e-9a57-3c2b1d0e9f11", controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      containers: [
        {
          name: "web",
          image: "registry.example.com/acme/web:1.27.3",
          ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
          env: [
            { name: "MODE", value: "production" },
            { name: "LOG_LEVEL", value: "info" },
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          ],
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 5 },
          livenessProbe: { httpGet: { path: "/livez", port: 8080 }, initialDelaySeconds: 10, periodSeconds: 10 },
          volumeMounts: [{ name: "config", mountPath: "/etc/web", readOnly: true }],
        },
      ],
      volumes: [{ name: "config", configMap: { name: "web-config" } }],
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      ],
    },
  };
}
