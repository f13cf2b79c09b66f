/** Store failures translated to Kubernetes API errors for one object. */
import { AlreadyExistsError, ApiError, ConflictError, GoneError, NotFoundError, TimeoutError, UnavailableError, type ObjectRef } from "@flotilla/api";
import { KeyExistsError, KeyNotFoundError, RevisionMismatchError, StoreGoneError, StoreUnavailableError } from "@flotilla/store";

export function mapStoreError(err: unknown, ref: ObjectRef): Error {
  if (err instanceof ApiError) return err;
  if (err instanceof KeyExistsError) return new AlreadyExistsError(ref);
  if (err instanceof RevisionMismatchError) return new ConflictError(ref);
  if (err instanceof KeyNotFoundError) return new NotFoundError(ref);
  if (err instanceof StoreGoneError) return new GoneError(err.message);
  if (err instanceof StoreUnavailableError) {
    // A timed-out write may still have landed: the client must re-read, never blindly repeat.
    return /timeout/i.test(err.message) ? new TimeoutError(`the store did not answer in time; the write may or may not have been applied: ${err.message}`) : new UnavailableError(`the store is unavailable: ${err.message}`, err);
  }
  return err instanceof Error ? err : new Error(String(err));
}
