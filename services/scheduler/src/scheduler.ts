/**
 * The scheduler actor: pods without a node go through the placement logic (algorithm/)
 * against a cache of nodes and the pods bound to them, and are bound through
 * pods/binding. As in kube-scheduler, a placed pod is "assumed" in the cache at once, so
 * the next decision already counts it, while its binding is still in flight; a failed
 * binding un-assumes it and retries.
 *
 * Unschedulable pods get PodScheduled=False with Kubernetes' message and a
 * FailedScheduling event, and are retried (with backoff) when nodes or pods change.
 */
import type { NodeObject, PodObject } from "@flotilla/api";
import { EventRecorder, type ApiClient } from "@flotilla/bus";
import { Informer, keyOf, stripManagedFields } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";
import { addPod, newNodeInfo, removePod, schedule, type NodeInfo } from "./algorithm/index.ts";
import { SchedulingQueue } from "./queue.ts";
import { rfc3339 } from "@flotilla/api/time";

export interface SchedulerOptions {
  /** Pods with this spec.schedulerName (or none) are ours. @default "default-scheduler" */
  schedulerName?: string;
  /** Bindings in flight at once. @default 256 */
  maxBindsInFlight?: number;
}

const MANAGER = "default-scheduler";

function uidOf(p: PodObject): string {
  return p.metadata?.uid ?? "";
}

function finished(p: PodObject): boolean {
  const phase = p.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

export class Scheduler {
  private readonly client: ApiClient;
  private readonly events: EventRecorder;
  private readonly log: Logger;
  private readonly name: string;
  private readonly maxInFlight: number;
  readonly nodes: Informer<NodeObject>;
  readonly pods: Informer<PodObject>;
  private readonly infos = new Map<string, NodeInfo>();
  private infoList: NodeInfo[] | undefined;
  /** Where each accounted pod is (bound or assumed), by uid. */
  private readonly placed = new Map<string, { node: string; pod: PodObject }>();
  readonly queue = new SchedulingQueue();
  private inFlight = 0;
  /** Where the next search over the nodes starts (rotates, as kube-scheduler's does). */
  private nextStart = 0;
  private running = false;
  private stopped = false;
  private readonly lastMessage = new Map<string, string>();
  private retryTimer: NodeJS.Timeout | undefined;
  /** Pods bound since start (for benchmarks and logs). */
  scheduled = 0;

  constructor(client: ApiClient, log: Logger, opts: SchedulerOptions = {}) {
    this.client = client;
    this.events = new EventRecorder(client, "default-scheduler", log);
    this.log = log;
    this.name = opts.schedulerName ?? "default-scheduler";
    this.maxInFlight = opts.maxBindsInFlight ?? 256;
    this.nodes = new Informer<NodeObject>(client, { resource: "nodes", transform: stripManagedFields }, log);
    this.pods = new Informer<PodObject>(client, { resource: "pods", transform: stripManagedFields }, log);
  }

  async start(): Promise<void> {
    this.nodes.on({ add: (n) => this.upsertNode(n), update: (o, n) => this.upsertNode(n, o), delete: (n) => this.deleteNode(n) });
    this.pods.on({ add: (p) => this.upsertPod(p), update: (_o, p) => this.upsertPod(p), delete: (p) => this.deletePod(p) });
    this.nodes.start();
    await this.nodes.synced;
    this.pods.start();
    await this.pods.synced;
    this.retryTimer = setInterval(() => this.wake(), 1000);
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.retryTimer);
    this.nodes.stop();
    this.pods.stop();
  }

  private nodeList(): NodeInfo[] {
    return (this.infoList ??= [...this.infos.values()]);
  }

  private upsertNode(n: NodeObject, old?: NodeObject): void {
    const name = n.metadata?.name ?? "";
    const prev = this.infos.get(name);
    this.infos.set(name, newNodeInfo(n, prev?.pods ?? []));
    this.infoList = undefined;
    // A node that appeared or changed what it offers may fit pods that did not fit before.
    if (!old || JSON.stringify([old.spec, old.status?.conditions?.find((c) => c.type === "Ready")?.status, old.status?.allocatable, old.metadata?.labels]) !== JSON.stringify([n.spec, n.status?.conditions?.find((c) => c.type === "Ready")?.status, n.status?.allocatable, n.metadata?.labels])) {
      this.queue.clusterChanged();
      this.wake();
    }
  }

  private deleteNode(n: NodeObject): void {
    this.infos.delete(n.metadata?.name ?? "");
    this.infoList = undefined;
  }

  private ours(p: PodObject): boolean {
    return (p.spec?.schedulerName ?? "default-scheduler") === this.name;
  }

  private upsertPod(p: PodObject): void {
    const uid = uidOf(p);
    const node = p.spec?.nodeName;
    if (node) {
      this.queue.remove(uid);
      if (finished(p)) return this.forget(uid, true);
      this.account(uid, node, p);
      return;
    }
    if (p.metadata?.deletionTimestamp || !this.ours(p) || this.placed.has(uid)) return;
    this.queue.add(uid, keyOf(p));
    this.wake();
  }

  private deletePod(p: PodObject): void {
    const uid = uidOf(p);
    this.queue.remove(uid);
    this.lastMessage.delete(uid);
    this.forget(uid, true);
  }

  /** Count a pod on its node (replacing the assumed copy once the binding is seen). */
  private account(uid: string, node: string, p: PodObject): void {
    const prev = this.placed.get(uid);
    if (prev) {
      if (prev.node === node && prev.pod === p) return;
      const info = this.infos.get(prev.node);
      if (info) removePod(info, prev.pod);
    }
    const info = this.infos.get(node);
    if (info) addPod(info, p);
    this.placed.set(uid, { node, pod: p });
  }

  /** Stop counting a pod; a freed place may fit pods waiting. */
  private forget(uid: string, freed: boolean): void {
    const prev = this.placed.get(uid);
    if (!prev) return;
    const info = this.infos.get(prev.node);
    if (info) removePod(info, prev.pod);
    this.placed.delete(uid);
    if (freed) {
      this.queue.clusterChanged();
      this.wake();
    }
  }

  private wake(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    setImmediate(() => void this.drain());
  }

  /** Schedule queued pods until the queue is empty or bindings fill up; yields every batch. */
  private async drain(): Promise<void> {
    try {
      for (let n = 0; !this.stopped && this.inFlight < this.maxInFlight; n++) {
        const uid = this.queue.pop(Date.now());
        if (uid === undefined) break;
        this.scheduleOne(uid);
        if (n % 64 === 63) await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
    }
  }

  private scheduleOne(uid: string): void {
    const pod = this.findPod(uid);
    if (!pod || pod.spec?.nodeName || pod.metadata?.deletionTimestamp || this.placed.has(uid)) return;
    const result = schedule(pod, this.nodeList(), this.nextStart);
    if ("unschedulable" in result) return this.unschedulable(pod, result.message);
    this.nextStart = result.nextStart;
    this.account(uid, result.node, pod);
    this.inFlight++;
    const m = pod.metadata ?? {};
    this.client
      .bind(m.namespace ?? "default", m.name ?? "", result.node, { fieldManager: MANAGER })
      .then(() => {
        this.scheduled++;
        this.lastMessage.delete(uid);
      })
      .catch((err: unknown) => {
        this.forget(uid, false);
        this.log.warn({ err: (err as Error).message, pod: `${m.namespace}/${m.name}`, node: result.node }, "binding failed; retrying");
        this.queue.backoff(uid, Date.now());
      })
      .finally(() => {
        this.inFlight--;
        this.wake();
      });
  }

  private findPod(uid: string): PodObject | undefined {
    const key = this.queue.keyOf(uid);
    return key ? this.pods.get(key) : undefined;
  }

  private unschedulable(pod: PodObject, message: string): void {
    const uid = uidOf(pod);
    this.queue.backoff(uid, Date.now(), true);
    if (this.lastMessage.get(uid) === message) return;
    this.lastMessage.set(uid, message);
    const m = pod.metadata ?? {};
    const now = rfc3339();
    const condition = { type: "PodScheduled", status: "False", reason: "Unschedulable", message, lastProbeTime: null, lastTransitionTime: now };
    this.client
      .patch("pods", m.namespace, m.name ?? "", "application/strategic-merge-patch+json", { status: { conditions: [condition] } }, { fieldManager: MANAGER, subresource: "status" })
      .catch((err: unknown) => this.log.debug({ err: (err as Error).message }, "could not report the pod unschedulable"));
    this.events.record({ kind: "Pod", name: m.name ?? "", namespace: m.namespace ?? "default", uid }, "Warning", "FailedScheduling", message);
    this.log.info({ pod: `${m.namespace}/${m.name}`, message }, "pod is unschedulable");
  }
}
