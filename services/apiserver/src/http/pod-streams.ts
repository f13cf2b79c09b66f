/**
 * `kubectl logs` (GET pods/log, chunked text) and `kubectl exec` (GET pods/exec upgraded
 * to a WebSocket, subprotocol v5.channel.k8s.io or v4): both forwarded to the pod's
 * kubelet over NATS by NodeProxy. WebSocket frames carry a channel byte first: 0 stdin,
 * 1 stdout, 2 stderr, 3 the final Status, 4 terminal resize, 255 (v5) stdin closed.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { BadRequestError, MethodNotAllowedError, toApiError, type PodObject, type ResourceInfo } from "@flotilla/api";
import { WebSocketServer, type WebSocket } from "ws";
import type { ExecInput, LogsRequest, TerminalSize } from "@flotilla/bus";
import type { ApiService } from "../registry/service.ts";
import type { NodeProxy } from "../registry/node-proxy.ts";
import type { HandlerContext } from "./handlers.ts";
import { intParam } from "./query.ts";

const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];


async function boundPod(svc: ApiService, info: ResourceInfo, namespace: string, name: string): Promise<{ pod: PodObject; node: string }> {
  const pod = (await svc.get(info, namespace, name)) as unknown as PodObject;
  const node = pod.spec?.nodeName;
  if (!node) throw new BadRequestError(`pod ${name} is not yet scheduled to a node`);
  return { pod, node };
}

export async function handleLog(ctx: HandlerContext, info: ResourceInfo, proxy: NodeProxy): Promise<void> {
  const { svc, ri, res, query } = ctx;
  if (ri.verb !== "get") throw new MethodNotAllowedError(`${ri.verb} is not supported on pods/log`);
  const namespace = ri.namespace ?? "default";
  const { node } = await boundPod(svc, info, namespace, ri.name!);
  const rq: Omit<LogsRequest, "inbox"> = {
    namespace,
    pod: ri.name!,
    ...(query.get("container") ? { container: query.get("container")! } : {}),
    follow: query.get("follow") === "true",
    previous: query.get("previous") === "true",
    timestamps: query.get("timestamps") === "true",
  };
  for (const name of ["tailLines", "limitBytes", "sinceSeconds"] as const) {
    const v = intParam(query, name);
    if (v !== undefined) rq[name] = v;
  }
  let closed = false;
  res.on("close", () => (closed = true));
  const stream = await proxy.logs(node, rq, async (_ch, data) => {
    if (closed) return false;
    if (!res.headersSent) res.writeHead(200, { "content-type": "text/plain", "transfer-encoding": "chunked" });
    if (!res.write(data)) await new Promise<void>((r) => res.once("drain", r).once("close", r));
    return !closed;
  });
  res.on("close", () => stream.cancel());
  await stream.done.catch(() => undefined);
  if (!res.headersSent) res.writeHead(200, { "content-type": "text/plain" });
  res.end();
}

/** The Status kubectl reads on channel 3 when the command ends. */
function exitStatus(command: readonly string[], code: number | undefined): object {
  if (code === 0 || code === undefined) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${command.join(" ")}], exit code ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  };
}

function frame(channel: number, data: Uint8Array | string): Buffer {
  const body = typeof data === "string" ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

/** Run an exec over an upgraded connection; errors before the upgrade are plain HTTP responses. */
export class ExecUpgrader {
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false });
  private readonly proxy: NodeProxy;

  constructor(proxy: NodeProxy) {
    this.proxy = proxy;
  }

  async upgrade(svc: ApiService, info: ResourceInfo, namespace: string, name: string, query: URLSearchParams, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const command = query.getAll("command");
    if (command.length === 0) throw new BadRequestError("you must specify at least one command for the container");
    const { node } = await boundPod(svc, info, namespace, name);
    const ws = await new Promise<WebSocket>((resolve) => this.wss.handleUpgrade(req, socket, head, resolve));
    const tty = query.get("tty") === "true";
    // kubectl writes stdin as soon as the connection is up: hold it until the kubelet answered.
    const early: ExecInput[] = [];
    let sized: ((size: TerminalSize) => void) | undefined;
    let deliver = (msg: ExecInput): void => {
      early.push(msg);
      if (msg.resize) sized?.(msg.resize);
    };
    ws.on("message", (raw: Buffer) => {
      const channel = raw[0];
      const body = raw.subarray(1);
      if (channel === 0) deliver({ stdin: body });
      else if (channel === 255 && body[0] === 0) deliver({ stdinEnd: true });
      else if (channel === 4) {
        try {
          const size = JSON.parse(body.toString()) as { Width?: number; Height?: number };
          deliver({ resize: { cols: size.Width ?? 80, rows: size.Height ?? 24 } });
        } catch {
          // A malformed resize is ignored, as a terminal would.
        }
      }
    });
    // With a tty, kubectl sends its terminal's size right after connecting: wait briefly for
    // it so the command starts on a terminal of that size (a shell asks for it at once).
    const size = tty ? await firstSize(early, ws, (f) => (sized = f)) : undefined;
    if (ws.readyState !== ws.OPEN) return;
    const rq = {
      namespace,
      pod: name,
      command,
      stdin: query.get("stdin") === "true",
      stdout: query.get("stdout") !== "false",
      stderr: query.get("stderr") === "true" && !tty,
      tty,
      ...(size ? { size } : {}),
      ...(query.get("container") ? { container: query.get("container")! } : {}),
    };
    try {
      const stream = await this.proxy.exec(node, rq, async (channel, data) => {
        if (ws.readyState !== ws.OPEN) return false;
        await new Promise<void>((r) => ws.send(frame(channel, data), () => r()));
        return ws.readyState === ws.OPEN;
      });
      deliver = (msg) => stream.input(msg);
      for (const msg of early.splice(0)) stream.input(msg);
      ws.on("close", () => stream.cancel());
      if (ws.readyState !== ws.OPEN) stream.cancel(); // closed while the kubelet was starting it
      const code = await stream.done;
      if (ws.readyState === ws.OPEN) ws.send(frame(3, JSON.stringify(exitStatus(command, code))));
    } catch (err) {
      if (ws.readyState === ws.OPEN) ws.send(frame(3, JSON.stringify(toApiError(err).toStatus())));
    }
    ws.close(1000);
  }
}

/** How long an exec with a tty waits for the client's first terminal size. */
const FIRST_SIZE_WAIT_MS = 1000;

/** The first size already held in `early`, else the next one to arrive within the wait; undefined without. */
function firstSize(early: readonly ExecInput[], ws: WebSocket, listen: (f: (size: TerminalSize) => void) => void): Promise<TerminalSize | undefined> {
  const held = early.find((m) => m.resize)?.resize;
  if (held) return Promise.resolve(held);
  return new Promise((resolve) => {
    const done = (size: TerminalSize | undefined): void => {
      clearTimeout(timer);
      ws.off("close", gone);
      listen(() => undefined);
      resolve(size);
    };
    const gone = (): void => done(undefined);
    const timer = setTimeout(gone, FIRST_SIZE_WAIT_MS);
    ws.once("close", gone);
    listen(done);
  });
}

/** An HTTP error on a connection that was asking to be upgraded. */
export function refuseUpgrade(socket: Duplex, err: unknown): void {
  const status = toApiError(err).toStatus();
  const body = JSON.stringify(status);
  socket.end(`HTTP/1.1 ${status.code} ${status.reason || "Error"}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

