/**
 * The Lease as a lock over the bus: read it, create it, replace it by compare-and-set.
 * Every call takes its own timeout, because the leader's requests must not outlive
 * its renew deadline. Failures are the bus client's typed errors: NotFoundError,
 * AlreadyExistsError and ConflictError (someone else wrote first), TimeoutError (the
 * write may or may not have landed; the caller re-reads) and UnavailableError.
 */
import { NotFoundError } from "@flotilla/api/errors";
import type { KubeObject } from "@flotilla/api";
import { ApiClient } from "@flotilla/bus";
import type { InvolvedObject } from "@flotilla/bus";
import type { RecordFields } from "./decide.ts";
import { LEASE_API_VERSION, leaseWithRecord, recordFromLease } from "./lease-record.ts";
import type { LeaseRecord } from "./types.ts";

/** A Lease as read or written: the record to decide on and the object to base the next write on. */
export interface LeaseVersion {
  record: LeaseRecord;
  object: KubeObject;
}

export const LEASES_RESOURCE = "leases";
/** managedFields' manager of our writes. */
export const FIELD_MANAGER = "flotilla-leader-election";

export class LeaseLock {
  readonly namespace: string;
  readonly name: string;
  private readonly client: ApiClient;
  private readonly fallbackDurationMs: number;
  private uid = "";

  constructor(client: ApiClient, namespace: string, name: string, fallbackDurationMs: number) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.fallbackDurationMs = fallbackDurationMs;
  }

  /** "kube-system/kube-scheduler", for log lines. */
  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** The Lease for Events (uid once it has been read or written). */
  involvedObject(): InvolvedObject {
    return { kind: "Lease", apiVersion: LEASE_API_VERSION, name: this.name, namespace: this.namespace, ...(this.uid ? { uid: this.uid } : {}) };
  }

  /** The current Lease, read from the store leader; undefined when there is none. */
  async get(timeoutMs: number): Promise<LeaseVersion | undefined> {
    try {
      return this.version(await this.with(timeoutMs).get(LEASES_RESOURCE, this.namespace, this.name));
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** Create the Lease holding `fields`; AlreadyExistsError if someone was first. */
  async create(fields: RecordFields, timeoutMs: number): Promise<LeaseVersion> {
    const body = leaseWithRecord(undefined, this.namespace, this.name, fields);
    return this.version(await this.with(timeoutMs).create(LEASES_RESOURCE, this.namespace, body, { fieldManager: FIELD_MANAGER }));
  }

  /** Replace the Lease `base` with `fields`, only if it is still at base's revision (else ConflictError). */
  async update(base: LeaseVersion, fields: RecordFields, timeoutMs: number): Promise<LeaseVersion> {
    const body = leaseWithRecord(base.object, this.namespace, this.name, fields, base.record.resourceVersion);
    return this.version(await this.with(timeoutMs).update(LEASES_RESOURCE, body, { fieldManager: FIELD_MANAGER }));
  }

  private version(object: KubeObject): LeaseVersion {
    if (object.metadata.uid) this.uid = object.metadata.uid;
    return { object, record: recordFromLease(object, this.fallbackDurationMs) };
  }

  /**
   * A client on the same connection and subjects whose requests time out after
   * `timeoutMs`. ApiClient takes its timeout per instance; one is a few fields, so a
   * fresh one per request costs nothing worth saving.
   */
  private with(timeoutMs: number): ApiClient {
    return new ApiClient(this.client.nc, { subjectPrefix: this.client.prefix, managedFields: this.client.managedFields, timeoutMs: Math.max(1, Math.floor(timeoutMs)) });
  }
}
