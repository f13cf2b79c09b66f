export { encode, decode } from "./codec.ts";
export { API_QUEUE_GROUP, BusVerb, apiSubject } from "./protocol.ts";
export type { BusRequest, BusReply, BusWatchMessage } from "./protocol.ts";
export { ApiClient } from "./client.ts";
export type { ApiClientOptions, ListOptions, WriteOptions } from "./client.ts";
export { BusWatch } from "./watch.ts";
export type { BusWatchOptions } from "./watch.ts";
export { connectBus, installRequestFastPath } from "./connect.ts";
export type { BusConnectOptions } from "./connect.ts";
