/**
 * Builders for the DaemonSet controller's unit tests: DaemonSets, nodes and daemon pods as
 * the caches would hold them, frozen so a decision that mutates its input fails.
 */
import type { DaemonSetObject, NodeObject, PodObject } from "@flotilla/api";
import { deepFreeze } from "../deployment/fixtures.ts";
import { daemonSetHash, DAEMONSET_HASH_LABEL, pinToNode } from "./daemon-pod.ts";
import type { Taint } from "./nodes.ts";

export const T0 = Date.parse("2026-11-22T01:00:00Z");
export const DS_UID = "uid-agent";
export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export interface DaemonSetOptions {
  image?: string;
  nodeSelector?: Record<string, string>;
  strategy?: NonNullable<DaemonSetObject["spec"]>["updateStrategy"];
  minReadySeconds?: number;
  generation?: number;
  status?: DaemonSetObject["status"];
  spec?: Partial<NonNullable<DaemonSetObject["spec"]>["template"]["spec"]>;
}

export function daemonSet(o: DaemonSetOptions = {}): DaemonSetObject {
  const ds: DaemonSetObject = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent", namespace: "default", uid: DS_UID, generation: o.generation ?? 1 },
    spec: {
      selector: { matchLabels: { app: "agent" } },
      updateStrategy: o.strategy ?? { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: {
        metadata: { labels: { app: "agent" } },
        spec: { containers: [{ name: "main", image: o.image ?? "agent:v1" }], ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}), ...o.spec },
      },
    },
  };
  if (o.minReadySeconds !== undefined) ds.spec!.minReadySeconds = o.minReadySeconds;
  if (o.status !== undefined) ds.status = o.status;
  return deepFreeze(ds);
}

export function node(name: string, o: { labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean } = {}): NodeObject {
  return deepFreeze({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
  });
}

export interface PodOptions {
  /** The DaemonSet whose template the pod was made from: its hash goes on the label. @default daemonSet() */
  from?: DaemonSetObject;
  /** Bound to the node (spec.nodeName) rather than only pinned by affinity. @default true */
  bound?: boolean;
  phase?: string;
  ready?: boolean;
  /** When the pod turned ready. @default T0 - 60 s */
  readySince?: number;
  created?: number;
  deleting?: boolean;
}

/** A daemon pod for `nodeName`, named `name`, Running and ready unless told otherwise. */
export function daemonPod(name: string, nodeName: string, o: PodOptions = {}): PodObject {
  const from = o.from ?? daemonSet();
  const ready = o.ready ?? true;
  return deepFreeze({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      labels: { app: "agent", [DAEMONSET_HASH_LABEL]: daemonSetHash(from) },
      creationTimestamp: iso(o.created ?? T0 - 120_000),
      ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: DS_UID, controller: true }],
      ...(o.deleting ? { deletionTimestamp: iso(T0) } : {}),
    },
    spec: { containers: [{ name: "main", image: "agent" }], affinity: pinToNode(undefined, nodeName), ...((o.bound ?? true) ? { nodeName } : {}) },
    status: {
      phase: o.phase ?? "Running",
      conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: iso(o.readySince ?? T0 - 60_000) }],
    },
  });
}
