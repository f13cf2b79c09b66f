/**
 * The node controller: hears every kubelet's heartbeat on `flotilla.node.*.heartbeat`
 * (kept in memory, judged by this process's clock), and every `monitorPeriodMs` applies
 * the lifecycle decisions (lifecycle.ts): silent nodes become Ready=Unknown and tainted,
 * their pods lose Ready, pods past their toleration are evicted, and nodes that are
 * Ready again lose their taints. It also gives each node a podCIDR.
 */
import { NotFoundError, type NodeObject, type PodObject } from "@flotilla/api";
import { allNodesSubject, decode, NodeChannel, nodeOfSubject, type ApiClient, type EventRecorder, type NodeHeartbeat } from "@flotilla/bus";
import type { Informer } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { SharedInformers } from "../informers.ts";
import { CidrAllocator, CidrExhaustedError, DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_MASK_SIZE } from "./cidr.ts";
import { evictions, NODE_LIFECYCLE_DEFAULTS, nodeStatusUpdate, podsToMarkNotReady, taintUpdate, type NodeLifecycleConfig } from "./lifecycle.ts";

export interface NodeControllerOptions extends Partial<NodeLifecycleConfig> {
  /** How often nodes are judged (a pass over an in-memory map: 1,000 nodes cost microseconds). @default 100 */
  monitorPeriodMs?: number;
  /** @default "10.42.0.0/16" */
  clusterCidr?: string;
  /** @default 24 */
  nodeCidrMaskSize?: number;
  /** @default "flotilla" */
  subjectPrefix?: string;
}

const MANAGER = "node-controller";
/** Nodes whose writes may be in flight at once in one monitor pass. */
const JUDGE_CONCURRENCY = 32;
/** A monitor pass this much later than the one before means this process stalled. */
const STALL_MS = 500;
const MERGE = "application/merge-patch+json";

export class NodeController {
  private readonly client: ApiClient;
  private readonly nc: NatsConnection;
  private readonly log: Logger;
  private readonly events: EventRecorder;
  private readonly cfg: NodeLifecycleConfig;
  private readonly monitorPeriodMs: number;
  private readonly prefix: string;
  private readonly cidrs: CidrAllocator;
  /**
   * When each node was last heard, on the monotonic clock (performance.now): silence is
   * measured in elapsed time, so a wall-clock step (NTP) cannot make every node silent.
   */
  private readonly lastHeard = new Map<string, number>();
  private readonly startedMono = performance.now();
  private lastPassMono = performance.now();
  readonly nodes: Informer<NodeObject>;
  readonly pods: Informer<PodObject>;
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** Nodes whose pods were already marked not ready in this outage. */
  private readonly marked = new Set<string>();
  private readonly nextEviction = new Map<string, number>();
  /** Nodes already told there is no podCIDR left. */
  private readonly noCidr = new Set<string>();

  constructor(deps: { client: ApiClient; nc: NatsConnection; log: Logger; events: EventRecorder; informers: SharedInformers }, opts: NodeControllerOptions = {}) {
    this.client = deps.client;
    this.nc = deps.nc;
    this.log = deps.log;
    this.events = deps.events;
    this.cfg = { gracePeriodMs: opts.gracePeriodMs ?? NODE_LIFECYCLE_DEFAULTS.gracePeriodMs, ...(opts.podEvictionTimeoutMs !== undefined ? { podEvictionTimeoutMs: opts.podEvictionTimeoutMs } : {}) };
    this.monitorPeriodMs = opts.monitorPeriodMs ?? 100;
    this.prefix = opts.subjectPrefix ?? "flotilla";
    this.cidrs = new CidrAllocator(opts.clusterCidr ?? DEFAULT_CLUSTER_CIDR, opts.nodeCidrMaskSize ?? DEFAULT_NODE_MASK_SIZE);
    this.nodes = deps.informers.informer<NodeObject>("nodes");
    this.pods = deps.informers.informer<PodObject>("pods");
    this.nodes.on({ add: (n) => this.assignCidr(n), update: (_o, n) => this.assignCidr(n), delete: (n) => this.forget(n) });
  }

  async start(): Promise<void> {
    this.sub = this.nc.subscribe(allNodesSubject(this.prefix, NodeChannel.Heartbeat), {
      callback: (_e, m) => {
        const node = nodeOfSubject(this.prefix, m.subject);
        if (!node) return;
        try {
          decode<NodeHeartbeat>(m.data);
        } catch {
          return; // Not a heartbeat: ignore rather than count it as one.
        }
        this.lastHeard.set(node, performance.now());
      },
    });
    // The shared informers are started by the controller manager once every controller has registered.
    await Promise.all([this.nodes.synced, this.pods.synced]);
    for (const n of this.nodes.list()) this.assignCidr(n); // nodes listed before the cache was complete
    this.timer = setInterval(() => void this.monitor(), this.monitorPeriodMs);
    this.log.info({ gracePeriodMs: this.cfg.gracePeriodMs, podEvictionTimeoutMs: this.cfg.podEvictionTimeoutMs }, "node controller started");
  }

  stop(): void {
    clearInterval(this.timer);
    this.sub?.unsubscribe();
  }

  private forget(n: NodeObject): void {
    const name = n.metadata?.name ?? "";
    this.noCidr.delete(name);
    this.lastHeard.delete(name);
    this.marked.delete(name);
    if (n.spec?.podCIDR) this.cidrs.release(n.spec.podCIDR);
  }

  private assignCidr(n: NodeObject): void {
    if (n.spec?.podCIDR) {
      this.cidrs.occupy(n.spec.podCIDR);
      return;
    }
    if (!this.nodes.hasSynced) return; // Wait until every existing node's CIDR is known.
    const name = n.metadata?.name ?? "";
    let cidr: string;
    try {
      cidr = this.cidrs.allocate();
    } catch (err) {
      if (!(err instanceof CidrExhaustedError)) throw err;
      // As Kubernetes: the node runs without a podCIDR, and says why once.
      if (!this.noCidr.has(name)) {
        this.noCidr.add(name);
        this.log.warn({ node: name, err: err.message }, "no podCIDR left for the node");
        this.events.record({ kind: "Node", name, uid: n.metadata?.uid ?? "" }, "Warning", "CIDRNotAvailable", `Node ${name} status is now: CIDRNotAvailable`);
      }
      return;
    }
    this.client
      .patch("nodes", undefined, name, MERGE, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, { fieldManager: MANAGER })
      .then(() => this.events.record({ kind: "Node", name, uid: n.metadata?.uid ?? "" }, "Normal", "CIDRAssignmentSucceeded", `Node ${name} got CIDR ${cidr}`))
      .catch((err: unknown) => {
        this.cidrs.release(cidr);
        this.log.warn({ err: (err as Error).message, node: name }, "podCIDR assignment failed");
      });
  }

  /** One pass over every node; passes never overlap. */
  private async monitor(): Promise<void> {
    if (this.busy) {
      this.lastPassMono = performance.now(); // on time, only still writing
      return;
    }
    this.busy = true;
    try {
      // After a stall of this process (a long GC, a burst of work), timers run before the
      // socket is read, so this pass would see heartbeats that are waiting unread as
      // missing and mark live nodes NotReady. Such a pass only notes the stall; the next
      // one, 100 ms later, judges with the queued heartbeats counted.
      const mono = performance.now();
      const heldUpMs = mono - this.lastPassMono;
      this.lastPassMono = mono;
      if (heldUpMs > STALL_MS) {
        this.log.warn({ heldUpMs: Math.round(heldUpMs) }, "node monitor was held up; judging nodes on the next pass");
        return;
      }
      const now = Date.now();
      // Silence in wall-clock terms for the lifecycle decisions, from monotonic readings.
      const heard = (name: string): number | undefined => {
        const at = this.lastHeard.get(name);
        return at === undefined ? undefined : now - (mono - at);
      };
      const startedMs = now - (mono - this.startedMono);
      const byNode = new Map<string, PodObject[]>();
      for (const p of this.pods.list()) {
        const n = p.spec?.nodeName;
        if (!n) continue;
        const list = byNode.get(n);
        if (list) list.push(p);
        else byNode.set(n, [p]);
      }
      // Nodes are judged concurrently (bounded): when a rack loses power, the last of a
      // hundred nodes must not wait for the writes of the ninety-nine before it. Every
      // node's conditions (what `kubectl get nodes` and the scheduler read) are written
      // before any taint, event or pod write of the pass, which would otherwise queue
      // in front of the later nodes' NotReady.
      const plans = this.nodes.list().map((node) => ({ node, updated: nodeStatusUpdate(node, heard(node.metadata?.name ?? ""), now, this.cfg, startedMs) ?? taintUpdate(node, now) }));
      // A node whose write fails (a conflict, a 429) is judged again next pass; the others go on.
      const failed = (node: NodeObject) => (err: unknown) => this.log.warn({ err: (err as Error).message, node: node.metadata?.name }, "node update failed; retrying next pass");
      await forEachBounded(plans, JUDGE_CONCURRENCY, async ({ node, updated }) => {
        if (updated) await this.writeConditions(node, updated).catch(failed(node));
      });
      await forEachBounded(plans, JUDGE_CONCURRENCY, ({ node, updated }) => this.judge(node, updated, byNode.get(node.metadata?.name ?? "") ?? [], now).catch(failed(node)));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "node monitor pass failed");
    } finally {
      this.busy = false;
    }
  }

  /** Taints, events, pods and evictions of one node, once its conditions are written. */
  private async judge(node: NodeObject, updated: NodeObject | undefined, pods: PodObject[], now: number): Promise<void> {
    const name = node.metadata?.name ?? "";
    if (updated) await this.writeTaints(node, updated);
    const current = updated ?? node;
    const ready = current.status?.conditions?.find((c) => c.type === "Ready")?.status;
    if (ready === "True") {
      this.marked.delete(name);
      this.nextEviction.delete(name);
      return;
    }
    if (!this.marked.has(name)) {
      if (updated) this.events.record({ kind: "Node", name, uid: node.metadata?.uid ?? "" }, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`);
      for (const p of podsToMarkNotReady(pods, now)) await this.patchPodStatus(p);
      this.marked.add(name);
    }
    const due = this.nextEviction.get(name);
    if (due !== undefined && due > now) return;
    const { evict, nextCheckMs } = evictions(current, pods, now, this.cfg);
    if (nextCheckMs !== undefined) this.nextEviction.set(name, nextCheckMs);
    else this.nextEviction.delete(name);
    for (const p of evict) await this.evict(p, name);
  }

  private async writeConditions(before: NodeObject, after: NodeObject): Promise<void> {
    if (JSON.stringify(before.status?.conditions) === JSON.stringify(after.status?.conditions)) return;
    await this.client.patch("nodes", undefined, before.metadata?.name ?? "", MERGE, { status: { conditions: after.status?.conditions ?? [] } }, { fieldManager: MANAGER, subresource: "status" });
  }

  private async writeTaints(before: NodeObject, after: NodeObject): Promise<void> {
    if (JSON.stringify(before.spec?.taints ?? []) === JSON.stringify(after.spec?.taints ?? [])) return;
    await this.client.patch("nodes", undefined, before.metadata?.name ?? "", MERGE, { spec: { taints: after.spec?.taints?.length ? after.spec.taints : null } }, { fieldManager: MANAGER });
  }

  private async patchPodStatus(p: PodObject): Promise<void> {
    const m = p.metadata ?? {};
    await this.client
      .patch("pods", m.namespace, m.name ?? "", MERGE, { metadata: { uid: m.uid }, status: { conditions: p.status?.conditions ?? [] } }, { fieldManager: MANAGER, subresource: "status" })
      .catch((err: unknown) => this.log.debug({ err: (err as Error).message, pod: m.name }, "could not mark pod not ready"));
  }

  private async evict(p: PodObject, node: string): Promise<void> {
    const m = p.metadata ?? {};
    try {
      await this.client.delete("pods", m.namespace, m.name ?? "", { preconditions: { uid: m.uid ?? "" } });
      this.log.info({ pod: `${m.namespace}/${m.name}`, node }, "evicted pod from unreachable node");
      this.events.record({ kind: "Pod", name: m.name ?? "", namespace: m.namespace ?? "default", uid: m.uid ?? "" }, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${m.namespace}/${m.name}`);
    } catch (err) {
      if (!(err instanceof NotFoundError)) this.log.warn({ err: (err as Error).message, pod: m.name }, "eviction failed");
    }
  }
}


/** Runs fn over items with at most `limit` in flight; resolves when all are done. */
async function forEachBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
