/**
 * The store's expected failures. The apiserver maps them to Kubernetes Status reasons:
 * KeyExistsError → AlreadyExists (409), RevisionMismatchError → Conflict (409),
 * KeyNotFoundError → NotFound (404), StoreGoneError → Expired (410),
 * StoreUnavailableError → ServiceUnavailable / Timeout (503 / 504).
 * Anything else thrown by the store is a bug and should crash loudly.
 */

/** Base class of every expected store failure. */
export class StoreError extends Error {
  override name = "StoreError";

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** create() lost: the key already holds a value. */
export class KeyExistsError extends StoreError {
  override name = "KeyExistsError";
  readonly key: string;

  constructor(key: string, cause?: unknown) {
    super(`key ${key} already exists`, cause);
    this.key = key;
  }
}

/** update()/delete() lost a compare-and-set: the key changed since `expectedRevision`. */
export class RevisionMismatchError extends StoreError {
  override name = "RevisionMismatchError";
  readonly key: string;
  readonly expectedRevision: number;
  /** The key's revision when the write was refused, when the server said or a re-read found it. */
  readonly currentRevision: number | undefined;

  constructor(key: string, expectedRevision: number, currentRevision: number | undefined, cause?: unknown) {
    const now = currentRevision === undefined ? "" : `, it is at ${currentRevision}`;
    super(`key ${key} is not at revision ${expectedRevision}${now}`, cause);
    this.key = key;
    this.expectedRevision = expectedRevision;
    this.currentRevision = currentRevision;
  }
}

/** update()/delete() of a key that does not exist (never written, or deleted). */
export class KeyNotFoundError extends StoreError {
  override name = "KeyNotFoundError";
  readonly key: string;

  constructor(key: string, cause?: unknown) {
    super(`key ${key} not found`, cause);
    this.key = key;
  }
}

/** watch() from a revision whose history the bucket no longer keeps: relist, then watch. */
export class StoreGoneError extends StoreError {
  override name = "StoreGoneError";
  readonly fromRevision: number;
  /** The oldest revision the bucket still holds. */
  readonly oldestRevision: number;

  constructor(fromRevision: number, oldestRevision: number, cause?: unknown) {
    super(`revision ${fromRevision} is older than the oldest kept revision ${oldestRevision}`, cause);
    this.fromRevision = fromRevision;
    this.oldestRevision = oldestRevision;
  }
}

/**
 * The store could not answer: no responders, JetStream not ready (e.g. during a stream
 * leader election), a timeout, a closed connection. Retry later, after re-reading.
 */
export class StoreUnavailableError extends StoreError {
  override name = "StoreUnavailableError";
  /**
   * True when a write timed out: it may have been stored anyway (measured during leader
   * elections). The caller must re-read before deciding to write again.
   */
  readonly outcomeUnknown: boolean;

  constructor(message: string, outcomeUnknown: boolean, cause?: unknown) {
    super(message, cause);
    this.outcomeUnknown = outcomeUnknown;
  }
}
