/**
 * Clients that keep writing while masters die: each reads a ConfigMap and writes it back
 * with compare-and-set (PUT with the resourceVersion it read; POST when absent), and
 * records every operation (invoke and complete times on this process's monotonic clock,
 * outcome, revision) for libs/history's checker. Each client talks to one apiserver and
 * moves to the next when its own stops answering, as a client behind a load balancer
 * would.
 *
 * Outcomes are classified conservatively: only a reply that proves the write did not
 * happen (409, 404, 422, 429, or a refused connection) is "fail"; a timeout, a reset
 * connection or a 5xx is "unknown" (it may have been applied).
 */
import type { HistoryOp, ReadOp, WriteOp } from "@flotilla/history";
import { api, type ApiTarget, type RawResponse } from "./https.ts";

export interface CasWorkloadOptions {
  /** One per master. */
  targets: readonly ApiTarget[];
  namespace: string;
  /** Keys the clients contend on. @default 5 */
  keys?: number;
  /** @default 4 */
  clients?: number;
  /** Per request. @default 3000 */
  timeoutMs?: number;
  /** Pause between a client's operations. @default 20 */
  pauseMs?: number;
}

type Reply = { kind: "reply"; res: RawResponse } | { kind: "refused" } | { kind: "lost" };

const DEFINITE_FAILURES = new Set([400, 404, 409, 422, 429]);

async function call(t: ApiTarget, method: string, path: string, body: string | undefined, timeoutMs: number): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const res = await Promise.race([
      api(t, method, path, body),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error("timeout"), { code: "TIMEOUT" })), timeoutMs))),
    ]);
    return { kind: "reply", res };
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ECONNREFUSED" ? { kind: "refused" } : { kind: "lost" };
  } finally {
    clearTimeout(timer);
  }
}

/** An operation with the index (in `targets`) of the apiserver it went through, to explain a violation. */
export type TracedOp = HistoryOp & { via: number };

export class CasWorkload {
  readonly ops: TracedOp[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly o: Required<CasWorkloadOptions>;

  constructor(opts: CasWorkloadOptions) {
    this.o = { keys: 5, clients: 4, timeoutMs: 3000, pauseMs: 20, ...opts };
  }

  private path(key?: string): string {
    return `/api/v1/namespaces/${this.o.namespace}/configmaps${key ? `/${key}` : ""}`;
  }

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.o.clients }, (_, c) => this.client(c));
  }

  /** Stops the clients and returns the history so far. */
  async stop(): Promise<TracedOp[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.ops;
  }

  /** After the cluster healed: one final read of every key, retried until a master answers. */
  async finalReads(deadlineMs = 60_000): Promise<void> {
    const until = performance.now() + deadlineMs;
    for (let k = 0; k < this.o.keys; k++) {
      const key = `cas-${k}`;
      for (let i = 0; ; i++) {
        const t = this.o.targets[i % this.o.targets.length]!;
        const op = await this.read(t, key);
        if (op.outcome !== "unknown") {
          this.ops.push({ ...op, final: true, via: i % this.o.targets.length });
          break;
        }
        if (performance.now() > until) throw new Error(`no master answered a read of ${key} within ${deadlineMs} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async read(t: ApiTarget, key: string): Promise<ReadOp> {
    const invokeMs = performance.now();
    const r = await call(t, "GET", this.path(key), undefined, this.o.timeoutMs);
    const completeMs = performance.now();
    if (r.kind === "reply" && r.res.status === 200) {
      const obj = r.res.json<{ metadata: { resourceVersion: string }; data?: { writer?: string } }>();
      return { kind: "read", key, invokeMs, completeMs, outcome: "ok", revision: Number(obj.metadata.resourceVersion), ...(obj.data?.writer ? { writer: obj.data.writer } : {}) };
    }
    if (r.kind === "reply" && r.res.status === 404) return { kind: "read", key, invokeMs, completeMs, outcome: "absent" };
    return { kind: "read", key, invokeMs, completeMs, outcome: "unknown" };
  }

  private async client(c: number): Promise<void> {
    let target = c % this.o.targets.length;
    for (let seq = 0; this.running; seq++) {
      const t = this.o.targets[target]!;
      const key = `cas-${Math.floor(Math.random() * this.o.keys)}`;
      const read = await this.read(t, key);
      if (read.outcome === "unknown") {
        target = (target + 1) % this.o.targets.length; // this apiserver is not answering: try the next
        await new Promise((r) => setTimeout(r, this.o.pauseMs));
        continue;
      }
      this.ops.push({ ...read, via: target });
      const id = `c${c}-${seq}`;
      const from = read.outcome === "ok" ? read.revision! : null;
      const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: key, ...(from !== null ? { resourceVersion: String(from) } : {}) }, data: { writer: id } });
      const invokeMs = performance.now();
      const r = await call(t, from === null ? "POST" : "PUT", this.path(from === null ? undefined : key), body, this.o.timeoutMs);
      const completeMs = performance.now();
      const op: WriteOp = { kind: "write", key, id, from, invokeMs, completeMs, outcome: "unknown" };
      if (r.kind === "refused") op.outcome = "fail";
      else if (r.kind === "reply" && (r.res.status === 200 || r.res.status === 201)) {
        op.outcome = "ok";
        op.revision = Number(r.res.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion);
      } else if (r.kind === "reply" && DEFINITE_FAILURES.has(r.res.status)) op.outcome = "fail";
      this.ops.push({ ...op, via: target });
      if (op.outcome === "unknown") target = (target + 1) % this.o.targets.length;
      await new Promise((r2) => setTimeout(r2, this.o.pauseMs));
    }
  }
}
