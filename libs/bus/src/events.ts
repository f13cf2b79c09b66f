/**
 * Events, as `kubectl describe` and `kubectl get events` show them. Recording never
 * fails the caller: an event that cannot be written is only logged. Repeats are
 * throttled, combined and counted as Kubernetes' recorder does (event-correlator.ts).
 */
import { randomBytes } from "node:crypto";
import type { ApiClient } from "./client.ts";
import { EventCorrelator, type CorrelatorOptions } from "./event-correlator.ts";
import { rfc3339 } from "@flotilla/api/time";

export interface InvolvedObject {
  kind: string;
  apiVersion?: string;
  name: string;
  namespace?: string;
  uid?: string;
}

export class EventRecorder {
  private readonly client: ApiClient;
  private readonly component: string;
  private readonly log: { debug(obj: object, msg?: string): void };
  private readonly host: string;
  private readonly correlator: EventCorrelator;

  constructor(client: ApiClient, component: string, log: { debug(obj: object, msg?: string): void }, host = "", correlation: CorrelatorOptions = {}) {
    this.client = client;
    this.component = component;
    this.log = log;
    this.host = host;
    this.correlator = new EventCorrelator(correlation);
  }

  record(obj: InvolvedObject, type: "Normal" | "Warning", reason: string, message: string): void {
    const namespace = obj.namespace ?? "default";
    const d = this.correlator.decide({ source: `${this.component}\u0000${this.host}`, kind: obj.kind, namespace, name: obj.name, uid: obj.uid ?? "", apiVersion: obj.apiVersion ?? "v1", type, reason, message });
    if (d.action === "drop") return;
    const stamp = rfc3339();
    if (d.action === "bump") {
      this.correlator.remember(d.key, d.name, d.count, d.firstTimestamp);
      this.client
        .patch("events", namespace, d.name, "application/merge-patch+json", { count: d.count, lastTimestamp: stamp, message: d.message })
        .catch((err: unknown) => {
          // Expired or deleted: the next repeat starts a new Event.
          this.correlator.forget(d.key);
          this.log.debug({ err: (err as Error).message, reason }, "event count not updated");
        });
      return;
    }
    const name = `${obj.name}.${randomBytes(8).toString("hex")}`;
    this.correlator.remember(d.key, name, 1, stamp);
    const event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: { kind: obj.kind, name: obj.name, namespace: obj.namespace, uid: obj.uid, apiVersion: obj.apiVersion ?? "v1" },
      reason,
      message: d.message,
      type,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      eventTime: null,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: this.host,
    };
    this.client.create("events", namespace, event as never).catch((err: unknown) => {
      this.correlator.forget(d.key);
      this.log.debug({ err: (err as Error).message, reason }, "event not recorded");
    });
  }
}
