/**
 * ClusterIP and NodePort allocation for Services. Each allocated address is a key of
 * its own in the store, created only if absent (`ipaddresses._.10-43-0-17`,
 * `nodeports._.30080`), so two apiserver replicas can never hand out the same one, and
 * no lock or leader is needed (Kubernetes 1.31+ does the same with IPAddress objects).
 * A Service's deletion releases its keys.
 */
import { randomInt } from "node:crypto";
import { BadRequestError, InvalidError, type KubeObject } from "@flotilla/api";
import { KeyExistsError, KeyNotFoundError, objectKey, type Store } from "@flotilla/store";

export interface AllocatorOptions {
  /** IPv4 CIDR ClusterIPs come from; its first host address is kept for the `kubernetes` Service. @default "10.43.0.0/16" */
  serviceCidr?: string;
  /** NodePort range, inclusive. @default [30000, 32767] */
  nodePortRange?: readonly [number, number];
}

interface Cidr {
  base: number;
  size: number;
}

export function parseCidr(cidr: string): Cidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || bits < 8 || bits > 30) throw new Error(`service CIDR "${cidr}" must be an IPv4 CIDR with a prefix of 8-30 bits`);
  const addr = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { base: addr - (addr % size), size };
}

function ipToInt(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  return o.some((x) => x > 255) ? undefined : o.reduce((a, x) => a * 256 + x, 0);
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

interface ServicePort {
  nodePort?: number;
  port?: number;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ports?: ServicePort[];
}

// Random probes before giving up: a range is "full" long before every probe collides.
const MAX_PROBES = 64;

export class ServiceAllocator {
  private readonly store: Store;
  private readonly cidr: Cidr;
  private readonly ports: readonly [number, number];
  readonly serviceCidr: string;

  constructor(store: Store, opts: AllocatorOptions = {}) {
    this.store = store;
    this.serviceCidr = opts.serviceCidr ?? "10.43.0.0/16";
    this.cidr = parseCidr(this.serviceCidr);
    this.ports = opts.nodePortRange ?? [30000, 32767];
  }

  /** The address of the `kubernetes` Service: the CIDR's first host address. */
  get apiServiceIp(): string {
    return intToIp(this.cidr.base + 1);
  }

  private ipKey(ip: string): string {
    return objectKey("ipaddresses", undefined, ip.replaceAll(".", "-"));
  }

  private portKey(port: number): string {
    return objectKey("nodeports", undefined, String(port));
  }

  private async claim(key: string, owner: KubeObject): Promise<boolean> {
    try {
      await this.store.create(key, { owner: { namespace: owner.metadata.namespace, name: owner.metadata.name, uid: owner.metadata.uid } });
      return true;
    } catch (err) {
      if (err instanceof KeyExistsError) return false;
      throw err;
    }
  }

  private async claimIp(svc: KubeObject, requested: string | undefined, dryRun: boolean): Promise<string> {
    if (requested) {
      const n = ipToInt(requested);
      if (n === undefined || n <= this.cidr.base || n >= this.cidr.base + this.cidr.size - 1) {
        throw new InvalidError("Service", "", svc.metadata.name ?? "", [{ reason: "FieldValueInvalid", field: "spec.clusterIP", message: `Invalid value: "${requested}": provided IP is not in the valid range. The range of valid IPs is ${this.serviceCidr}` }]);
      }
      if (dryRun || (await this.claim(this.ipKey(requested), svc))) return requested;
      throw new InvalidError("Service", "", svc.metadata.name ?? "", [{ reason: "FieldValueInvalid", field: "spec.clusterIP", message: `Invalid value: "${requested}": provided IP is already allocated` }]);
    }
    for (let i = 0; i < MAX_PROBES; i++) {
      // Skip the network address, the `kubernetes` Service's address and broadcast.
      const ip = intToIp(this.cidr.base + 2 + randomInt(this.cidr.size - 3));
      if (dryRun || (await this.claim(this.ipKey(ip), svc))) return ip;
    }
    throw new BadRequestError(`failed to allocate a service IP: the range ${this.serviceCidr} is full`);
  }

  private async claimPort(svc: KubeObject, requested: number | undefined, dryRun: boolean): Promise<number> {
    const [lo, hi] = this.ports;
    if (requested) {
      if (requested < lo || requested > hi || !(dryRun || (await this.claim(this.portKey(requested), svc)))) {
        throw new InvalidError("Service", "", svc.metadata.name ?? "", [{ reason: "FieldValueInvalid", field: "spec.ports[].nodePort", message: `Invalid value: ${requested}: provided port is ${requested < lo || requested > hi ? `not in the valid range. The range of valid ports is ${lo}-${hi}` : "already allocated"}` }]);
      }
      return requested;
    }
    for (let i = 0; i < MAX_PROBES; i++) {
      const port = lo + randomInt(hi - lo + 1);
      if (dryRun || (await this.claim(this.portKey(port), svc))) return port;
    }
    throw new BadRequestError(`failed to allocate a node port: the range ${lo}-${hi} is full`);
  }

  /**
   * Give a Service what its type needs and it lacks (a ClusterIP, node ports). `old` is
   * the stored Service on update: addresses it already had are kept, not re-claimed.
   */
  async allocate(svc: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<void> {
    const spec = (svc["spec"] ??= {}) as ServiceSpec;
    const oldSpec = (old?.["spec"] ?? {}) as ServiceSpec;
    const type = spec.type ?? "ClusterIP";
    if (type === "ExternalName") return;
    if (spec.clusterIP !== "None" && (!spec.clusterIP || spec.clusterIP !== oldSpec.clusterIP)) {
      const ip = await this.claimIp(svc, spec.clusterIP || undefined, dryRun);
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      spec.ipFamilies = ["IPv4"];
    }
    if (type === "NodePort" || type === "LoadBalancer") {
      const had = new Set((oldSpec.ports ?? []).map((p) => p.nodePort).filter((p) => p !== undefined));
      for (const p of spec.ports ?? []) {
        if (p.nodePort && had.has(p.nodePort)) continue;
        p.nodePort = await this.claimPort(svc, p.nodePort, dryRun);
      }
    }
  }

  /** Release what `svc` holds and `keep` (the Service's next version) no longer uses. */
  async release(svc: KubeObject, keep?: KubeObject): Promise<void> {
    const spec = (svc["spec"] ?? {}) as ServiceSpec;
    const next = (keep?.["spec"] ?? {}) as ServiceSpec;
    const keys: string[] = [];
    if (spec.clusterIP && spec.clusterIP !== "None" && spec.clusterIP !== next.clusterIP) keys.push(this.ipKey(spec.clusterIP));
    const kept = new Set((next.ports ?? []).map((p) => p.nodePort));
    for (const p of spec.ports ?? []) if (p.nodePort && !kept.has(p.nodePort)) keys.push(this.portKey(p.nodePort));
    for (const k of keys) {
      try {
        await this.store.delete(k);
      } catch (err) {
        if (!(err instanceof KeyNotFoundError)) throw err;
      }
    }
  }
}
