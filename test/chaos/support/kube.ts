/**
 * Talking to a containerised master from the host: its kubeconfig rewritten to the
 * port Docker maps on 127.0.0.1, the real kubectl (asynchronous: a chaos test keeps NATS
 * clients and timers running while kubectl waits), and a small HTTPS GET for polling,
 * which costs a fraction of a kubectl process.
 */
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { parse, stringify } from "yaml";

export const KUBECTL = process.env["KUBECTL"] ?? "/usr/bin/kubectl";
const KUBECTL_TIMEOUT_MS = 60_000;

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  /** Written to kubectl's stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** Killed after this long. @default 60_000 */
  timeoutMs?: number;
}

/** What the host needs to reach one master's API: server URL, pinned CA, admin token. */
export interface ApiAccess {
  server: string;
  caPem: string;
  token: string;
  /** The kubeconfig file on the host, pointing at `server`. */
  kubeconfig: string;
  /** kubectl's HOME (its discovery cache), private to the cluster. */
  home: string;
}

interface KubeconfigDoc {
  clusters?: { cluster?: { server?: string; "certificate-authority-data"?: string } }[];
  users?: { user?: { token?: string } }[];
}

/**
 * Take a master's kubeconfig (its server is the in-container advertise address) and
 * write a copy for the host that points at `server` instead.
 */
export function hostKubeconfig(text: string, server: string, dir: string, name: string): ApiAccess {
  const doc = parse(text) as KubeconfigDoc;
  const cluster = doc.clusters?.[0]?.cluster;
  const token = doc.users?.[0]?.user?.token;
  const ca = cluster?.["certificate-authority-data"];
  if (!cluster || !token || !ca) throw new Error(`the kubeconfig of ${name} has no cluster CA or token:\n${text}`);
  cluster.server = server;
  const kubeconfig = join(dir, `${name}.kubeconfig`);
  writeFileSync(kubeconfig, stringify(doc), { mode: 0o600 });
  const home = join(dir, "home");
  mkdirSync(home, { recursive: true });
  return { server, caPem: Buffer.from(ca, "base64").toString("utf8"), token, kubeconfig, home };
}

/** Run the real kubectl against one master; never throws for kubectl's own failures. */
export function kubectl(api: ApiAccess, args: readonly string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      args,
      {
        encoding: "utf8",
        timeout: opts.timeoutMs ?? KUBECTL_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
        env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: api.home, KUBECONFIG: api.kubeconfig },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr: err && code === -1 ? `${stderr}${err.message}` : stderr });
      },
    );
    child.stdin?.end(opts.input ?? "");
  });
}

/** kubectl that must succeed; returns its stdout. */
export async function kubectlOk(api: ApiAccess, args: readonly string[], opts: KubectlOptions = {}): Promise<string> {
  const r = await kubectl(api, args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} against ${api.server} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

export interface HttpResult {
  status: number;
  body: string;
}

/**
 * GET `path` from a master with the admin token; resolves with the status and body, or
 * rejects on a connection error or after `timeoutMs` (a partitioned master may never answer).
 */
export function apiGet(api: Pick<ApiAccess, "server" | "caPem" | "token">, path: string, timeoutMs = 3000): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, api.server), { ca: api.caPem, headers: { authorization: `Bearer ${api.token}` }, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path} on ${api.server}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

interface NodeList {
  items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
}

/** Names of the Nodes whose Ready condition is True, as one master sees them. */
export async function readyNodes(api: Pick<ApiAccess, "server" | "caPem" | "token">): Promise<string[]> {
  const r = await apiGet(api, "/api/v1/nodes");
  if (r.status !== 200) throw new Error(`GET /api/v1/nodes on ${api.server}: ${r.status} ${r.body.slice(0, 200)}`);
  const list = JSON.parse(r.body) as NodeList;
  return list.items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).map((n) => n.metadata.name);
}

/** Thrown from an until() probe to stop waiting at once: the awaited state cannot come. */
export class GiveUpError extends Error {
  override name = "GiveUpError";
}

/**
 * Poll until `fn` returns a value (not undefined/false), or throw after `timeoutMs` with
 * the last error and `context()` (container logs, say) in the message. Other errors
 * from `fn` count as "not yet"; a GiveUpError ends the wait.
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, context?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      if (err instanceof GiveUpError) throw err;
      last = err;
    }
    if (Date.now() > deadline) {
      const extra = context ? `\n${await context().catch((e: unknown) => String(e))}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}${extra}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
