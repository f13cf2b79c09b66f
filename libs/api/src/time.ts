/** Kubernetes' time formats, written the same way by every actor. */

/** metav1.Time: RFC 3339 in UTC with whole seconds, e.g. 2026-11-22T01:02:03Z. */
export function rfc3339(ms: number = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** metav1.MicroTime: RFC 3339 with microseconds (Leases' renewTime). */
export function microTime(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/Z$/, "000Z");
}
