/**
 * Classify errors from nats.js v3 into the store's typed errors. Classification is by
 * `name` and JetStream API codes rather than `instanceof`, because nats.js wraps the
 * same condition in different classes depending on the path (a publish with no
 * responders becomes `JetStreamNotEnabled`, a request's becomes a `RequestError`).
 */
import { StoreUnavailableError } from "./errors.ts";

/** JetStream API error codes (nats-server errors.json) the store reacts to. */
export const JsErrorCode = {
  /** "wrong last sequence: {seq}" — the compare-and-set lost. */
  WrongLastSequence: 10071,
  /** "wrong last sequence" without the current value. */
  WrongLastSequenceConstant: 10164,
  StreamNotFound: 10059,
  NoMessageFound: 10037,
  StreamOffline: 10118,
  ConsumerOffline: 10119,
  StreamOfflineReason: 10194,
  ConsumerOfflineReason: 10195,
} as const;

const OFFLINE_CODES: ReadonlySet<number> = new Set([
  JsErrorCode.StreamOffline,
  JsErrorCode.ConsumerOffline,
  JsErrorCode.StreamOfflineReason,
  JsErrorCode.ConsumerOfflineReason,
  // A stream is briefly "not found" while a restarted server recovers its streams.
  JsErrorCode.StreamNotFound,
]);

/** Transport-level failures: nothing answered, or the answer did not arrive in time. */
const UNAVAILABLE_NAMES: ReadonlySet<string> = new Set([
  "TimeoutError",
  // nats.js names its NoRespondersError "NoResponders".
  "NoResponders",
  "NoRespondersError",
  "JetStreamNotEnabled",
  "ClosedConnectionError",
  "DrainingConnectionError",
  "ConnectionError",
]);

/** Failures after which a write may have been stored although the client saw no ack. */
const OUTCOME_UNKNOWN_NAMES: ReadonlySet<string> = new Set(["TimeoutError", "ClosedConnectionError", "ConnectionError"]);

interface ApiErrorLike {
  name: string;
  message: string;
  /** JetStream err_code. */
  code: number;
  /** HTTP-like status of the API error. */
  status: number;
}

function asError(err: unknown): Error | undefined {
  return err instanceof Error ? err : undefined;
}

/** The JetStream API error carried by `err`, if it is one (JetStreamApiError and subclasses). */
export function jsApiError(err: unknown): ApiErrorLike | undefined {
  const e = asError(err) as Partial<ApiErrorLike> | undefined;
  if (e && typeof e.code === "number" && typeof e.status === "number") return e as ApiErrorLike;
  return undefined;
}

/**
 * When `err` is a lost compare-and-set, the key's current revision as the server
 * reported it (0 = the key has no message at all), or null when it did not say.
 * Returns undefined for any other error.
 */
export function wrongLastSequence(err: unknown): number | null | undefined {
  const api = jsApiError(err);
  if (!api) return undefined;
  if (api.code === JsErrorCode.WrongLastSequenceConstant) return null;
  if (api.code !== JsErrorCode.WrongLastSequence) return undefined;
  const m = /wrong last sequence: (\d+)/.exec(api.message);
  return m ? Number(m[1]) : null;
}

function chain(err: unknown): Error[] {
  const out: Error[] = [];
  let e = asError(err);
  // Bounded walk: cause chains are short, but a cycle must not hang us.
  for (let i = 0; e && i < 5; i++) {
    out.push(e);
    e = asError(e.cause);
  }
  return out;
}

/** True when `err` means "the store cannot answer now" rather than a bug or a refusal. */
export function isUnavailable(err: unknown): boolean {
  for (const e of chain(err)) {
    if (UNAVAILABLE_NAMES.has(e.name)) return true;
    const api = jsApiError(e);
    if (api && (api.status === 503 || OFFLINE_CODES.has(api.code))) return true;
    // RequestError wraps a 503 status (no responders) with isNoResponders().
    const maybe = e as { isNoResponders?: () => boolean };
    if (e.name === "RequestError" && typeof maybe.isNoResponders === "function" && maybe.isNoResponders()) return true;
  }
  return false;
}

/**
 * Wrap `err` as StoreUnavailableError when it is one, else return it unchanged (a bug
 * or an unexpected refusal, for the caller to rethrow).
 * @param write true when the failed call was a write, so a timeout leaves its outcome unknown.
 */
export function mapUnavailable(err: unknown, what: string, write: boolean): unknown {
  if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err;
  const outcomeUnknown = write && chain(err).some((e) => OUTCOME_UNKNOWN_NAMES.has(e.name));
  const reason = asError(err)?.message ?? String(err);
  return new StoreUnavailableError(`store unavailable during ${what}: ${reason}`, outcomeUnknown, err);
}
