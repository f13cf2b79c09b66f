/**
 * The scheduling queue: pods to try now (FIFO), and pods waiting — after a failed
 * binding, or because nothing fits. A pod that did not fit is retried only once the
 * cluster changed (a node came or changed, a pod went away) and its backoff passed, or
 * after UNSCHEDULABLE_RETRY_MS anyway, as kube-scheduler does; backoff is 1 s doubling
 * to 10 s per pod.
 */
const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 10_000;
/** Even without a cluster event an unschedulable pod is tried again this often. */
export const UNSCHEDULABLE_RETRY_MS = 30_000;

interface Waiting {
  attempts: number;
  notBeforeMs: number;
  /** Waiting for a cluster change (not just for its backoff). */
  parked: boolean;
  parkedAtMs: number;
}

export class SchedulingQueue {
  private readonly active: string[] = [];
  private readonly activeSet = new Set<string>();
  private readonly keys = new Map<string, string>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly attempts = new Map<string, number>();
  private nextScanMs = 0;

  /** A pod to schedule; `key` is its namespace/name for the informer. */
  add(uid: string, key: string): void {
    this.keys.set(uid, key);
    if (this.activeSet.has(uid) || this.waiting.has(uid)) return;
    this.activeSet.add(uid);
    this.active.push(uid);
  }

  remove(uid: string): void {
    this.activeSet.delete(uid);
    this.waiting.delete(uid);
    this.keys.delete(uid);
    this.attempts.delete(uid);
  }

  keyOf(uid: string): string | undefined {
    return this.keys.get(uid);
  }

  /** Try again later: after a backoff, and (unschedulable) only once the cluster changed. */
  backoff(uid: string, nowMs: number, unschedulable = false): void {
    if (!this.keys.has(uid)) return;
    const attempts = (this.attempts.get(uid) ?? 0) + 1;
    this.attempts.set(uid, attempts);
    this.activeSet.delete(uid);
    const notBeforeMs = nowMs + Math.min(BACKOFF_BASE_MS * 2 ** (attempts - 1), BACKOFF_MAX_MS);
    this.waiting.set(uid, { attempts, notBeforeMs, parked: unschedulable, parkedAtMs: nowMs });
    this.nextScanMs = Math.min(this.nextScanMs, unschedulable ? Math.max(notBeforeMs, nowMs + UNSCHEDULABLE_RETRY_MS) : notBeforeMs);
  }

  /** Something changed that may let parked pods fit: they go back once their backoff passed. */
  clusterChanged(): void {
    for (const w of this.waiting.values()) w.parked = false;
    this.nextScanMs = 0;
  }

  /** The next pod to try now, if any. */
  pop(nowMs: number): string | undefined {
    if (this.active.length === 0 && nowMs >= this.nextScanMs) this.promote(nowMs);
    while (this.active.length > 0) {
      const uid = this.active.shift()!;
      if (!this.activeSet.delete(uid)) continue; // removed or moved to waiting meanwhile
      return uid;
    }
    return undefined;
  }

  /** Move due waiting pods to the active queue; remember when the next one falls due. */
  private promote(nowMs: number): void {
    let next = Infinity;
    for (const [uid, w] of this.waiting) {
      const dueAt = w.parked ? Math.max(w.notBeforeMs, w.parkedAtMs + UNSCHEDULABLE_RETRY_MS) : w.notBeforeMs;
      if (nowMs < dueAt) {
        next = Math.min(next, dueAt);
        continue;
      }
      this.waiting.delete(uid);
      this.activeSet.add(uid);
      this.active.push(uid);
    }
    this.nextScanMs = next;
  }

  get size(): { active: number; waiting: number } {
    return { active: this.activeSet.size, waiting: this.waiting.size };
  }
}
