/**
 * The cluster's Docker network, with a fixed address per member.
 *
 * Docker gives a container the lowest free address whenever it starts or reconnects, so
 * after a partition or a kill two members could swap addresses: a node reconnected
 * after a partition took the address of a master killed meanwhile, and its NATS
 * connection, bound to its old address, went silent without an error (half-open, found
 * only by a ping minutes later). Members with pinned addresses behave like machines with
 * static IPs instead. Docker allows pinned addresses only on a network whose subnet was
 * given at creation, so the harness lets Docker choose a free subnet for a network it
 * removes at once, and creates the real one with that subnet.
 */
import type Dockerode from "dockerode";

export interface ClusterNetwork {
  readonly name: string;
  /** e.g. "172.23.0.0/16" */
  readonly subnet: string;
  /** The `index`th host address of the subnet (index ≥ 2: .1 is Docker's gateway). */
  address(index: number): string;
  remove(): Promise<void>;
}

const toInt = (ip: string): number => ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");

export async function createClusterNetwork(docker: Dockerode, name: string, labels: Record<string, string>): Promise<ClusterNetwork> {
  const probe = await docker.createNetwork({ Name: name, Driver: "bridge", Labels: labels });
  const subnet = (await probe.inspect()).IPAM?.Config?.[0]?.Subnet as string | undefined;
  await probe.remove();
  if (!subnet || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(subnet)) throw new Error(`Docker gave network ${name} no IPv4 subnet (${String(subnet)})`);
  const network = await docker.createNetwork({ Name: name, Driver: "bridge", Labels: labels, IPAM: { Config: [{ Subnet: subnet }] } });
  const [base = "", bits = "32"] = subnet.split("/");
  const size = 2 ** (32 - Number(bits));
  return {
    name,
    subnet,
    address(index: number): string {
      if (index < 2 || index >= size - 1) throw new Error(`address ${index} is outside ${subnet}`);
      return toIp(toInt(base) + index);
    },
    async remove(): Promise<void> {
      await network.remove();
    },
  };
}
