/**
 * The bus codec: msgpack. Plain msgpackr (no shared record structures) because
 * structures shared across independently restarted processes would need their own
 * coordination; measured on par with JSON for Pods, and binary-safe.
 */
import { Packr } from "msgpackr";

const packr = new Packr({ useRecords: false, moreTypes: false, int64AsType: "number" });

export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decode<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}
