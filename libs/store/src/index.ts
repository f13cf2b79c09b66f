/**
 * @flotilla/store — the cluster store (a NATS JetStream KV bucket) behind the apiserver.
 * Contract in types.ts, key layout in keys.ts, the JetStream implementation in kv-store.ts.
 */
export type { ListResult, Store, StoreEntry, StoreEvent, StoreEventType, StoreWatch, StoreWriteOptions, WatchOptions } from "./types.ts";
export { CLUSTER_SCOPE_TOKEN, escapeToken, objectKey, parseKey, prefixFor, unescapeToken } from "./keys.ts";
export type { ParsedKey } from "./keys.ts";
export { KeyExistsError, KeyNotFoundError, RevisionMismatchError, StoreError, StoreGoneError, StoreUnavailableError } from "./errors.ts";
export { KvStore } from "./kv-store.ts";
export { KV_STORE_DEFAULTS } from "./options.ts";
export type { KvStoreConfig, KvStoreOptions } from "./options.ts";
export type { BucketTtl } from "./ttl.ts";
