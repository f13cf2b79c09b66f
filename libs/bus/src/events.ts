/**
 * Events, as `kubectl describe` and `kubectl get events` show them. Recording never
 * fails the caller: an event that cannot be written is only logged. (Series and
 * de-duplication with counts come with the events work of the controllers issue.)
 */
import { randomBytes } from "node:crypto";
import type { ApiClient } from "./client.ts";
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

  constructor(client: ApiClient, component: string, log: { debug(obj: object, msg?: string): void }, host = "") {
    this.client = client;
    this.component = component;
    this.log = log;
    this.host = host;
  }

  record(obj: InvolvedObject, type: "Normal" | "Warning", reason: string, message: string): void {
    const namespace = obj.namespace ?? "default";
    const stamp = rfc3339();
    const event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${obj.name}.${randomBytes(8).toString("hex")}`, namespace },
      involvedObject: { kind: obj.kind, name: obj.name, namespace: obj.namespace, uid: obj.uid, apiVersion: obj.apiVersion ?? "v1" },
      reason,
      message,
      type,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      eventTime: null,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: this.host,
    };
    this.client.create("events", namespace, event as never).catch((err: unknown) => this.log.debug({ err: (err as Error).message, reason }, "event not recorded"));
  }
}
