/**
 * A watch over HTTP: chunked JSON lines, headers flushed at once (kubectl's rollout
 * status, wait and delete hang otherwise). With a Table Accept, each event carries a
 * one-row Table, the column definitions only on the first.
 */
import type { ServerResponse } from "node:http";
import { WatchEventType, type KubeObject } from "@flotilla/api";
import { buildTable } from "../tables/index.ts";
import type { WatchSink } from "../storage/watch-cache.ts";
import { watchLineJson } from "../storage/encoded.ts";
import type { ResponseFormat } from "./negotiate.ts";

export interface HttpWatchOptions {
  resource: string;
  /** Kind and apiVersion of bookmark objects, which clients decode as the watched type. */
  kind: string;
  apiVersion: string;
  format: ResponseFormat;
  /** A watcher whose unsent output exceeds this is cut off; it relists. @default 16 MiB */
  maxBufferedBytes?: number;
}

export class HttpWatchSink implements WatchSink {
  private readonly res: ServerResponse;
  private readonly opts: HttpWatchOptions;
  private firstTable = true;
  private closed = false;
  private lastRevision = "";
  /** Lines produced before start(): the initial events, sent after the 200. */
  private pending: string[] | undefined = [];
  onClose: () => void = () => {};

  constructor(res: ServerResponse, opts: HttpWatchOptions) {
    this.res = res;
    this.opts = opts;
  }

  /**
   * Commit to a 200 once the watch is established (a 410 or a bad selector must still
   * be answered with a Status), then send what was produced meanwhile.
   */
  start(): void {
    this.res.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache, private", "transfer-encoding": "chunked" });
    this.res.flushHeaders();
    const lines = this.pending ?? [];
    this.pending = undefined;
    for (const l of lines) this.write(l);
  }

  private write(line: string): void {
    if (this.closed) return;
    if (this.pending) {
      this.pending.push(line);
      return;
    }
    if (this.res.writableLength > (this.opts.maxBufferedBytes ?? 16 << 20)) {
      this.close();
      return;
    }
    this.res.write(line + "\n");
  }

  /** A one-row Table; column definitions only on the stream's first. */
  private renderTable(obj: KubeObject): unknown {
    const table = buildTable({ resource: this.opts.resource, objects: [obj], now: new Date(), resourceVersion: obj.metadata.resourceVersion ?? "", includeObject: "Metadata", noHeaders: !this.firstTable });
    this.firstTable = false;
    return table;
  }

  event(type: WatchEventType, object: KubeObject): void {
    this.lastRevision = object.metadata.resourceVersion ?? this.lastRevision;
    this.write(this.opts.format === "table" ? JSON.stringify({ type, object: this.renderTable(object) }) : watchLineJson(type, object));
  }

  bookmark(revision: number): void {
    const rv = String(revision);
    if (rv === this.lastRevision) return;
    this.lastRevision = rv;
    const head = this.opts.format === "table" ? { kind: "Table", apiVersion: "meta.k8s.io/v1" } : { kind: this.opts.kind, apiVersion: this.opts.apiVersion };
    this.write(JSON.stringify({ type: WatchEventType.Bookmark, object: { ...head, metadata: { resourceVersion: rv } } }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.res.end();
    this.onClose();
  }
}
