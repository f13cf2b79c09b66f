import { describe, expect, it } from "vitest";
import { CidrAllocator, CidrExhaustedError, DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_MASK_SIZE } from "./cidr.ts";

describe("cidr allocator", () => {
  it("cidr: the defaults are k3s's 10.42.0.0/16 cut into /24s", () => {
    expect([DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_MASK_SIZE]).toEqual(["10.42.0.0/16", 24]);
    const a = new CidrAllocator();
    expect(a.free).toBe(256);
    expect([a.allocate(), a.allocate()]).toEqual(["10.42.0.0/24", "10.42.1.0/24"]);
  });

  it("cidr: allocations are unique and the lowest free is reused after release", () => {
    const a = new CidrAllocator("10.42.0.0/16", 24);
    const got = Array.from({ length: 256 }, () => a.allocate());
    expect(new Set(got).size).toBe(256);
    expect(got.at(-1)).toBe("10.42.255.0/24");
    a.release("10.42.7.0/24");
    a.release("10.42.3.0/24");
    expect([a.allocate(), a.allocate()]).toEqual(["10.42.3.0/24", "10.42.7.0/24"]);
  });

  it("cidr: a full range throws a typed CidrExhaustedError", () => {
    const a = new CidrAllocator("192.168.0.0/23", 24);
    a.allocate();
    a.allocate();
    let err: unknown;
    try {
      a.allocate();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CidrExhaustedError);
    expect(err).toMatchObject({ name: "CidrExhaustedError", clusterCidr: "192.168.0.0/23", nodeMaskSize: 24 });
    expect(a.free).toBe(0);
  });

  it.each([
    { name: "an occupied block is skipped", occupy: ["10.42.0.0/24"], want: "10.42.1.0/24", free: 254 },
    { name: "occupying twice is harmless", occupy: ["10.42.0.0/24", "10.42.0.0/24"], want: "10.42.1.0/24", free: 254 },
    { name: "a larger range takes every block inside it", occupy: ["10.42.0.0/23"], want: "10.42.2.0/24", free: 253 },
    { name: "a smaller range takes the block that holds it", occupy: ["10.42.0.128/25"], want: "10.42.1.0/24", free: 254 },
    { name: "gaps are filled lowest first", occupy: ["10.42.0.0/24", "10.42.2.0/24"], want: "10.42.1.0/24", free: 253 },
  ])("cidr: $name", ({ occupy, want, free }) => {
    const a = new CidrAllocator("10.42.0.0/16", 24);
    for (const c of occupy) a.occupy(c);
    expect(a.allocate()).toBe(want);
    expect(a.free).toBe(free);
  });

  it("cidr: releasing a free block is harmless", () => {
    const a = new CidrAllocator("10.42.0.0/16", 24);
    a.release("10.42.5.0/24");
    expect(a.free).toBe(256);
  });

  it.each([
    { name: "a /30 node mask in a /28 cluster", cluster: "10.0.0.0/28", mask: 30, first: "10.0.0.0/30", count: 4 },
    { name: "a node mask equal to the cluster prefix gives one block", cluster: "10.0.0.0/24", mask: 24, first: "10.0.0.0/24", count: 1 },
    { name: "the top of the address space", cluster: "255.255.255.0/24", mask: 26, first: "255.255.255.0/26", count: 4 },
    { name: "a /0 cluster", cluster: "0.0.0.0/0", mask: 8, first: "0.0.0.0/8", count: 256 },
  ])("cidr: sizes work out for $name", ({ cluster, mask, first, count }) => {
    const a = new CidrAllocator(cluster, mask);
    expect(a.free).toBe(count);
    expect(a.allocate()).toBe(first);
  });

  it.each([
    { name: "a malformed cluster CIDR", cluster: "10.42.0.0", mask: 24, message: /clusterCidr must be an IPv4 CIDR/ },
    { name: "an IPv6 cluster CIDR", cluster: "fd00::/48", mask: 64, message: /clusterCidr must be an IPv4 CIDR/ },
    { name: "an octet over 255", cluster: "10.256.0.0/16", mask: 24, message: /clusterCidr/ },
    { name: "a leading zero", cluster: "10.042.0.0/16", mask: 24, message: /clusterCidr/ },
    { name: "a prefix over 32", cluster: "10.42.0.0/33", mask: 24, message: /clusterCidr/ },
    { name: "host bits in the cluster CIDR", cluster: "10.42.1.0/16", mask: 24, message: /host bits set; did you mean 10\.42\.0\.0\/16/ },
    { name: "a node mask shorter than the cluster prefix", cluster: "10.42.0.0/16", mask: 15, message: /nodeMaskSize must be an integer from 16 .* to 30, got 15/ },
    { name: "a node mask over 30", cluster: "10.42.0.0/16", mask: 31, message: /nodeMaskSize .* got 31/ },
    { name: "a fractional node mask", cluster: "10.42.0.0/16", mask: 24.5, message: /nodeMaskSize/ },
  ])("cidr: the constructor refuses $name with a RangeError naming the option", ({ cluster, mask, message }) => {
    expect(() => new CidrAllocator(cluster, mask)).toThrow(RangeError);
    expect(() => new CidrAllocator(cluster, mask)).toThrow(message);
  });

  it.each([
    { name: "occupy refuses a CIDR outside the cluster", run: (a: CidrAllocator) => a.occupy("10.43.0.0/24"), message: /occupy: 10\.43\.0\.0\/24 is outside the cluster CIDR 10\.42\.0\.0\/16/ },
    { name: "occupy refuses a range larger than the cluster", run: (a: CidrAllocator) => a.occupy("10.0.0.0/8"), message: /outside the cluster/ },
    { name: "occupy refuses garbage", run: (a: CidrAllocator) => a.occupy("node-1"), message: /occupy: "node-1" is not an IPv4 CIDR/ },
    { name: "release refuses a CIDR outside the cluster", run: (a: CidrAllocator) => a.release("192.168.0.0/24"), message: /release: .* outside/ },
  ])("cidr: $name", ({ run, message }) => {
    const a = new CidrAllocator("10.42.0.0/16", 24);
    expect(() => run(a)).toThrow(RangeError);
    expect(() => run(a)).toThrow(message);
  });
});
