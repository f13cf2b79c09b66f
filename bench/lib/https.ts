/**
 * HTTPS to the apiserver as a Go client does it: one keep-alive agent with a bounded
 * socket pool, pinned to the cluster CA. A request waiting for a free socket waits
 * inside the agent, and that wait counts in its latency, as it would for kubectl or a
 * client-go controller with a connection limit.
 */
import { Agent, request } from "node:https";
import type { ApiTarget } from "../../test/support/https.ts";

export interface HttpsResult {
  status: number;
  /** From the call to the first response byte (headers). */
  ttfbMs: number;
  /** From the call to the last body byte. */
  totalMs: number;
  body: Buffer;
}

export interface HttpsClientOptions {
  /** Sockets kept open at most. @default 32 */
  maxSockets?: number;
  /** A request without a response for this long fails. @default 10000 */
  timeoutMs?: number;
}

export class HttpsClient {
  readonly agent: Agent;
  private readonly target: ApiTarget;
  private readonly timeoutMs: number;

  constructor(target: ApiTarget, opts: HttpsClientOptions = {}) {
    this.target = target;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 32, ca: target.ca });
  }

  request(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<HttpsResult> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: this.target.port,
          method,
          path,
          agent: this.agent,
          headers: { authorization: `Bearer ${this.target.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
        },
        (res) => {
          const ttfbMs = performance.now() - started;
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => resolve({ status: res.statusCode ?? 0, ttfbMs, totalMs: performance.now() - started, body: Buffer.concat(chunks) }));
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no response in ${this.timeoutMs} ms`)));
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
