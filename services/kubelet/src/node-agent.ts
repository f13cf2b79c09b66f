/**
 * The kubelet's side of node health: it registers the Node, heartbeats on the bus every
 * second (no store write), renews its Lease in kube-node-lease every quarter of its
 * duration, and sets Ready=True again whenever it finds its Node marked otherwise
 * (the node controller sets Unknown on silence; only the kubelet says it is ready).
 */
import { randomUUID } from "node:crypto";
import { AlreadyExistsError, ConflictError, NotFoundError } from "@flotilla/api/errors";
import type { KubeObject, NodeObject } from "@flotilla/api";
import { encode, nodeSubject, NodeChannel, type ApiClient, type NodeHeartbeat } from "@flotilla/bus";
import { Informer } from "@flotilla/informer";
import type { Logger } from "@flotilla/log";
import type { NatsConnection } from "@nats-io/transport-node";
import type { KubeletConfig } from "./config.ts";
import { desiredNode, readyConditions, type MachineInfo } from "./node-object.ts";
import { microTime, rfc3339 } from "@flotilla/api/time";

const MANAGER = "kubelet";
/** Refresh the node status this often even when nothing changed (lastHeartbeatTime), as Kubernetes' kubelet does. */
const STATUS_REFRESH_MS = 5 * 60_000;

export class NodeAgent {
  private readonly client: ApiClient;
  private readonly nc: NatsConnection;
  private readonly cfg: KubeletConfig;
  private readonly machine: MachineInfo;
  private readonly log: Logger;
  private readonly bootId = randomUUID();
  private readonly timers: NodeJS.Timeout[] = [];
  private informer: Informer<NodeObject> | undefined;
  private seq = 0;
  private fixing = false;
  /** The Lease as this kubelet last wrote it; undefined after a failure (read it again). */
  private lease: KubeObject | undefined;
  /** The last renewal failed: the node may have been cut off, and marked NotReady meanwhile. */
  private renewalFailed = false;
  /** Set false to make heartbeats say the node cannot run pods. */
  healthy = true;

  constructor(deps: { client: ApiClient; nc: NatsConnection; log: Logger }, cfg: KubeletConfig, machine: MachineInfo) {
    this.client = deps.client;
    this.nc = deps.nc;
    this.cfg = cfg;
    this.machine = machine;
    this.log = deps.log;
  }

  async start(): Promise<void> {
    this.heartbeat();
    this.timers.push(setInterval(() => this.heartbeat(), this.cfg.heartbeatIntervalMs));
    await this.register();
    const renewMs = (this.cfg.leaseDurationSeconds * 1000) / 4;
    void this.renewLease();
    this.timers.push(setInterval(() => void this.renewLease(), renewMs));
    this.timers.push(setInterval(() => void this.register(), STATUS_REFRESH_MS));
    this.informer = new Informer<NodeObject>(this.client, { resource: "nodes", fieldSelector: `metadata.name=${this.cfg.nodeName}` }, this.log);
    this.informer.on({ add: (n) => this.checkReady(n), update: (_o, n) => this.checkReady(n) });
    this.informer.start();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.informer?.stop();
  }

  private heartbeat(): void {
    const hb: NodeHeartbeat = { node: this.cfg.nodeName, seq: ++this.seq, sentAtMs: Date.now(), ready: this.healthy, bootId: this.bootId };
    // Fire and forget: a heartbeat lost while NATS reconnects is simply the next one's job.
    this.nc.publish(nodeSubject(this.cfg.subjectPrefix, this.cfg.nodeName, NodeChannel.Heartbeat), encode(hb));
  }

  /** Create the Node, or bring an existing one's labels and status up to date. Retries until it works. */
  async register(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const want = desiredNode(this.cfg, this.machine, rfc3339());
        try {
          await this.client.create("nodes", undefined, want as KubeObject, { fieldManager: MANAGER });
          this.log.info({ node: this.cfg.nodeName }, "node registered");
          return;
        } catch (err) {
          if (!(err instanceof AlreadyExistsError)) throw err;
        }
        const meta = { labels: want.metadata?.labels, annotations: want.metadata?.annotations };
        await this.client.patch("nodes", undefined, this.cfg.nodeName, "application/merge-patch+json", { metadata: meta }, { fieldManager: MANAGER });
        await this.client.patch("nodes", undefined, this.cfg.nodeName, "application/merge-patch+json", { status: want.status }, { fieldManager: MANAGER, subresource: "status" });
        this.log.info({ node: this.cfg.nodeName }, "node status updated");
        return;
      } catch (err) {
        const delay = Math.min(200 * 2 ** attempt, 5000);
        this.log.warn({ err: (err as Error).message, retryInMs: delay }, "node registration failed; retrying");
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private checkReady(node: NodeObject, attempt = 0): void {
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    if (!this.healthy || ready?.status === "True" || this.fixing) return;
    this.fixing = true;
    const status = { conditions: readyConditions(rfc3339()) };
    this.client
      .patch("nodes", undefined, this.cfg.nodeName, "application/merge-patch+json", { status }, { fieldManager: MANAGER, subresource: "status" })
      .then(() => {
        this.fixing = false;
        this.log.info({ node: this.cfg.nodeName }, "node marked Ready again");
      })
      .catch((err: unknown) => {
        this.fixing = false;
        // No event may follow (the Node stays as it is): try again from the cached Node,
        // or the node would stay NotReady until the next full status refresh (minutes).
        const retryInMs = Math.min(250 * 2 ** attempt, 5000);
        this.log.warn({ err: (err as Error).message, retryInMs }, "could not mark the node Ready; retrying");
        const t = setTimeout(() => {
          const current = this.informer?.get(this.cfg.nodeName);
          if (current) this.checkReady(current, attempt + 1);
        }, retryInMs);
        t.unref();
      });
  }

  private async renewLease(): Promise<void> {
    const spec = { holderIdentity: this.cfg.nodeName, leaseDurationSeconds: this.cfg.leaseDurationSeconds, renewTime: microTime() };
    try {
      try {
        // Renew from the lease this kubelet last wrote: one write per renewal, not a read
        // and a write (a thousand nodes renew a hundred leases a second).
        const lease = this.lease ?? (await this.client.get("leases", "kube-node-lease", this.cfg.nodeName));
        this.lease = await this.client.update("leases", { ...lease, spec: { ...(lease["spec"] as object), ...spec } }, { fieldManager: MANAGER });
      } catch (err) {
        this.lease = undefined;
        if (!(err instanceof NotFoundError)) throw err;
        const owner = { apiVersion: "v1", kind: "Node", name: this.cfg.nodeName, uid: (await this.client.get("nodes", undefined, this.cfg.nodeName)).metadata.uid ?? "" };
        this.lease = await this.client.create("leases", "kube-node-lease", { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: this.cfg.nodeName, namespace: "kube-node-lease", ownerReferences: [owner] }, spec: { ...spec, acquireTime: microTime() } }, { fieldManager: MANAGER });
      }
      if (this.renewalFailed) {
        this.renewalFailed = false;
        this.log.info({ node: this.cfg.nodeName }, "lease renewed again");
        await this.recheckNode();
      }
    } catch (err) {
      // The next period retries from a fresh read; a conflict means another write raced
      // us (a restarted kubelet, or someone editing the lease).
      if (!(err instanceof ConflictError)) {
        this.renewalFailed = true;
        this.log.warn({ err: (err as Error).message }, "lease renewal failed");
      }
    }
  }

  /**
   * Back in touch after failed renewals: read the Node from the API rather than trust
   * the informer, and mark it Ready if the node controller marked it otherwise meanwhile.
   * The informer should have seen that change; a chaos run (2026-11-22) had a node stay
   * NotReady for over a minute after its network came back, with renewals succeeding,
   * so this does not depend on it (Kubernetes' kubelet also reads its Node to report).
   */
  private async recheckNode(): Promise<void> {
    try {
      this.checkReady((await this.client.get("nodes", undefined, this.cfg.nodeName)) as NodeObject);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "could not read the node after renewing its lease");
    }
  }
}
