/**
 * The apiserver's bus API: request/reply on `<prefix>.api.<verb>.<resource>`, served
 * by every apiserver replica in one queue group, msgpack bodies. Resource names are
 * the plural (unique across Flotilla's groups), so subjects stay readable:
 * `flotilla.api.get.pods`, `flotilla.api.watch.nodes`.
 */
import type { KubeObject, KubeList, Status, WatchEventType } from "@flotilla/api";

export const API_QUEUE_GROUP = "apiserver";

export const BusVerb = {
  Get: "get",
  List: "list",
  Create: "create",
  Update: "update",
  Patch: "patch",
  Delete: "delete",
  Watch: "watch",
} as const;
export type BusVerb = (typeof BusVerb)[keyof typeof BusVerb];

export function apiSubject(prefix: string, verb: BusVerb, resource: string): string {
  return `${prefix}.api.${verb}.${resource}`;
}

export interface BusRequest {
  namespace?: string;
  name?: string;
  /** create / update: the object; patch: the patch document. */
  body?: unknown;
  /** "status" for status writes; "binding" for create (pods/binding). */
  subresource?: "status" | "binding" | "finalize" | "token";
  /** patch: a Kubernetes patch content type, e.g. application/merge-patch+json. */
  patchType?: string;
  fieldManager?: string;
  force?: boolean;
  dryRun?: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  limit?: number;
  continue?: string;
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  /** watch: the subject events are sent to. */
  inbox?: string;
  /** watch: heartbeat period the watcher expects. */
  heartbeatMs?: number;
  /**
   * Objects in the reply and in watch events come without metadata.managedFields: for
   * actors that never read them (controllers, scheduler, kubelet), whose every decode
   * they would otherwise roughly double.
   */
  omitManagedFields?: boolean;
}

export type BusReply = { object: KubeObject | KubeList; warnings?: string[] } | { status: Status };

/** One message of a watch stream. HEARTBEAT is sent as a request; the watcher answers it. */
export interface BusWatchMessage {
  type: WatchEventType | "HEARTBEAT";
  object?: KubeObject;
  /** The revision the stream has reached (heartbeats and bookmarks). */
  resourceVersion?: string;
  /** ERROR: the watch is over; resume from the last resourceVersion or relist on 410. */
  status?: Status;
}
