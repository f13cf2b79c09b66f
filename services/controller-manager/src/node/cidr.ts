/**
 * Pod CIDR allocation for nodes: the cluster's pod range is cut into equal per-node blocks,
 * and each node gets the lowest free one in spec.podCIDR. IPv4 only. Pure bookkeeping: the
 * caller rebuilds it from the nodes' spec.podCIDR (occupy) when it starts.
 */

/** Cluster pod range when none is configured; the same as k3s's. */
export const DEFAULT_CLUSTER_CIDR = "10.42.0.0/16";
/** Prefix length of each node's block when none is configured: /24 gives 254 pod IPs per node, as in k3s. */
export const DEFAULT_NODE_MASK_SIZE = 24;

/**
 * A /31 or /32 leaves no address for a pod once the bridge's gateway is counted, so node
 * blocks stop at /30.
 */
const MAX_NODE_MASK_SIZE = 30;

/** Thrown by {@link CidrAllocator.allocate} when every node block is taken. */
export class CidrExhaustedError extends Error {
  override readonly name = "CidrExhaustedError";
  /** The cluster range that is full. */
  readonly clusterCidr: string;
  /** Prefix length of the node blocks. */
  readonly nodeMaskSize: number;

  constructor(clusterCidr: string, nodeMaskSize: number) {
    super(`no free /${nodeMaskSize} left in cluster CIDR ${clusterCidr}; use a larger cluster CIDR or a longer node mask (smaller blocks)`);
    this.clusterCidr = clusterCidr;
    this.nodeMaskSize = nodeMaskSize;
  }
}

interface Cidr {
  /** Address as an unsigned 32-bit number. */
  ip: number;
  prefix: number;
}

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
// Leading zeros are refused, as Go's net.ParseCIDR does: "010" could mean octal.
const CIDR_RE = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}/(3[0-2]|[12]?\\d)$`);

/** Parse "a.b.c.d/p"; undefined when it is not an IPv4 CIDR. */
function parseCidr(text: string): Cidr | undefined {
  const m = CIDR_RE.exec(text);
  if (m === null) return undefined;
  const [a, b, c, d, p] = m.slice(1).map(Number) as [number, number, number, number, number];
  return { ip: ((a * 256 + b) * 256 + c) * 256 + d, prefix: p };
}

/** Size of a block with this prefix length. */
function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** The block's first address: host bits cleared (plain arithmetic, as bit operators are signed 32-bit). */
function network(c: Cidr): number {
  return c.ip - (c.ip % blockSize(c.prefix));
}

function formatCidr(ip: number, prefix: number): string {
  const octets = [ip / 2 ** 24, ip / 2 ** 16, ip / 2 ** 8, ip].map((n) => Math.floor(n) % 256);
  return `${octets.join(".")}/${prefix}`;
}

/** Hands out per-node pod CIDRs from a cluster CIDR, lowest free first. */
export class CidrAllocator {
  /** The cluster pod range, e.g. 10.42.0.0/16. */
  readonly clusterCidr: string;
  /** Prefix length of each node's block, e.g. 24. */
  readonly nodeMaskSize: number;
  readonly #base: number;
  readonly #count: number;
  /** Indexes of the taken blocks, counted from the start of the cluster range. */
  readonly #used = new Set<number>();

  /**
   * @param clusterCidr the cluster pod range, an IPv4 CIDR with no host bits set;
   *   defaults to {@link DEFAULT_CLUSTER_CIDR} (10.42.0.0/16).
   * @param nodeMaskSize prefix length of each node's block, at least the cluster prefix and
   *   at most 30; defaults to {@link DEFAULT_NODE_MASK_SIZE} (24).
   * @throws RangeError naming the bad option.
   */
  constructor(clusterCidr: string = DEFAULT_CLUSTER_CIDR, nodeMaskSize: number = DEFAULT_NODE_MASK_SIZE) {
    const cluster = parseCidr(clusterCidr);
    if (cluster === undefined) throw new RangeError(`clusterCidr must be an IPv4 CIDR such as ${DEFAULT_CLUSTER_CIDR}, got "${clusterCidr}"`);
    const base = network(cluster);
    if (base !== cluster.ip) {
      throw new RangeError(`clusterCidr "${clusterCidr}" has host bits set; did you mean ${formatCidr(base, cluster.prefix)}?`);
    }
    if (!Number.isInteger(nodeMaskSize) || nodeMaskSize < cluster.prefix || nodeMaskSize > MAX_NODE_MASK_SIZE) {
      throw new RangeError(`nodeMaskSize must be an integer from ${cluster.prefix} (the clusterCidr prefix) to ${MAX_NODE_MASK_SIZE}, got ${nodeMaskSize}`);
    }
    this.clusterCidr = clusterCidr;
    this.nodeMaskSize = nodeMaskSize;
    this.#base = base;
    this.#count = 2 ** (nodeMaskSize - cluster.prefix);
  }

  /** How many node blocks are still free. */
  get free(): number {
    return this.#count - this.#used.size;
  }

  /**
   * Mark a CIDR some node already has (spec.podCIDR) as taken. A range larger than a node
   * block takes every block inside it; a smaller one takes the block that holds it.
   * Occupying a taken block is a no-op.
   * @throws RangeError when it is not an IPv4 CIDR inside the cluster CIDR.
   */
  occupy(cidr: string): void {
    for (const i of this.#indexes(cidr, "occupy")) this.#used.add(i);
  }

  /**
   * Take the lowest free node block. Lowest-first keeps allocations compact and makes a
   * released block the next one handed out.
   * @throws CidrExhaustedError when every block is taken.
   */
  allocate(): string {
    if (this.#used.size >= this.#count) throw new CidrExhaustedError(this.clusterCidr, this.nodeMaskSize);
    // Ends within used.size + 1 steps: at most that many indexes can be checked before a free one.
    let i = 0;
    while (this.#used.has(i)) i++;
    this.#used.add(i);
    return formatCidr(this.#base + i * blockSize(this.nodeMaskSize), this.nodeMaskSize);
  }

  /**
   * Give back a CIDR (its node was deleted). Releasing a free block is a no-op, so a
   * repeated delete event is harmless.
   * @throws RangeError when it is not an IPv4 CIDR inside the cluster CIDR.
   */
  release(cidr: string): void {
    for (const i of this.#indexes(cidr, "release")) this.#used.delete(i);
  }

  /** Indexes of the node blocks a CIDR overlaps. */
  #indexes(text: string, op: string): number[] {
    const c = parseCidr(text);
    if (c === undefined) throw new RangeError(`${op}: "${text}" is not an IPv4 CIDR`);
    const start = network(c);
    const end = start + blockSize(c.prefix) - 1;
    const clusterEnd = this.#base + this.#count * blockSize(this.nodeMaskSize) - 1;
    if (start < this.#base || end > clusterEnd) {
      throw new RangeError(`${op}: ${text} is outside the cluster CIDR ${this.clusterCidr}`);
    }
    const size = blockSize(this.nodeMaskSize);
    const first = Math.floor((start - this.#base) / size);
    const last = Math.floor((end - this.#base) / size);
    const out: number[] = [];
    for (let i = first; i <= last; i++) out.push(i);
    return out;
  }
}
