/** kubelet options → a frozen config with defaults and units in names. */
import { hostname } from "node:os";
import { resolve } from "node:path";
import type { RuntimeName } from "./runtime/types.ts";

export interface KubeletOptions {
  /** The Node's name. @default the host name, lower-cased */
  nodeName?: string;
  /** Where pod directories and container logs live. Required. */
  dataDir: string;
  /** The address other nodes and the masters reach this node at. @default the first non-internal IPv4 */
  nodeIp?: string;
  /** Runtimes this node offers; the first is the default for pods without runtimeClassName. @default ["process"] */
  runtimes?: RuntimeName[];
  /** Heartbeat period on the bus. @default 1000 */
  heartbeatIntervalMs?: number;
  /** The node Lease's duration; renewed every quarter of it. @default 40 */
  leaseDurationSeconds?: number;
  /** Pods this node accepts (status.capacity.pods). @default 110 */
  maxPods?: number;
  /** First CrashLoopBackOff delay; doubles per restart up to the max. @default 10000 */
  crashLoopBackoffBaseMs?: number;
  /** @default 300000 */
  crashLoopBackoffMaxMs?: number;
  /** Extra labels for the Node (e.g. from `--node-label`). @default {} */
  labels?: Record<string, string>;
  /** NATS subject prefix. @default "flotilla" */
  subjectPrefix?: string;
  /** A hollow node reports its pods Running without running anything (scale tests). @default false */
  hollow?: boolean;
}

export interface KubeletConfig {
  readonly nodeName: string;
  readonly dataDir: string;
  readonly nodeIp: string;
  readonly runtimes: readonly RuntimeName[];
  readonly heartbeatIntervalMs: number;
  readonly leaseDurationSeconds: number;
  readonly maxPods: number;
  readonly crashLoopBackoffBaseMs: number;
  readonly crashLoopBackoffMaxMs: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly subjectPrefix: string;
  readonly hollow: boolean;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function positiveInt(name: string, v: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(v) || v <= 0 || v > max) throw new RangeError(`kubelet: ${name} must be a positive integer (at most ${max}), got ${v}`);
  return v;
}

export function withDefaults(o: KubeletOptions, detectIp: () => string): KubeletConfig {
  if (!o.dataDir) throw new RangeError("kubelet: dataDir is required");
  const nodeName = (o.nodeName ?? hostname()).toLowerCase();
  if (nodeName.length > 253 || !DNS_SUBDOMAIN.test(nodeName)) throw new RangeError(`kubelet: nodeName must be a DNS subdomain (lower case, digits, '-', '.'), got "${nodeName}"`);
  const runtimes = o.runtimes ?? ["process"];
  if (runtimes.length === 0) throw new RangeError("kubelet: at least one runtime is required");
  for (const r of runtimes) if (r !== "docker" && r !== "process") throw new RangeError(`kubelet: unknown runtime "${String(r)}" (docker, process)`);
  return Object.freeze({
    nodeName,
    dataDir: resolve(o.dataDir),
    nodeIp: o.nodeIp ?? detectIp(),
    runtimes: Object.freeze([...new Set(runtimes)]),
    heartbeatIntervalMs: positiveInt("heartbeatIntervalMs", o.heartbeatIntervalMs ?? 1000, 60_000),
    leaseDurationSeconds: positiveInt("leaseDurationSeconds", o.leaseDurationSeconds ?? 40, 3600),
    maxPods: positiveInt("maxPods", o.maxPods ?? 110, 10_000),
    crashLoopBackoffBaseMs: positiveInt("crashLoopBackoffBaseMs", o.crashLoopBackoffBaseMs ?? 10_000),
    crashLoopBackoffMaxMs: positiveInt("crashLoopBackoffMaxMs", o.crashLoopBackoffMaxMs ?? 300_000),
    labels: Object.freeze({ ...o.labels }),
    subjectPrefix: o.subjectPrefix ?? "flotilla",
    hollow: o.hollow ?? false,
  });
}
