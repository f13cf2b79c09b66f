/**
 * The names a serving certificate must cover: loopback, the machine's hostname and
 * whatever the caller asks for, each classified as an IP or a DNS name and normalised
 * so that "::1" and "0:0::1", or "Pi-1" and "pi-1", count as the same.
 */
import { isIP } from "node:net";
import { hostname } from "node:os";

/** Names a certificate covers, split by kind. */
export interface SubjectNames {
  dns: string[];
  ips: string[];
}

// RFC 1123 labels, optionally with a leading "*." wildcard.
const DNS_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Canonical text of an IP address (IPv6 compressed and lower-case). */
export function normalizeIp(ip: string): string {
  if (isIP(ip) === 6) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  return ip;
}

function classify(host: string, names: SubjectNames): void {
  const h = host.trim().replace(/^\[(.*)\]$/, "$1");
  if (isIP(h)) {
    const ip = normalizeIp(h);
    if (!names.ips.includes(ip)) names.ips.push(ip);
    return;
  }
  const dns = h.toLowerCase().replace(/\.$/, "");
  if (!DNS_NAME.test(dns) || dns.length > 253) throw new Error(`invalid certificate host "${host}": not an IP address or DNS name`);
  if (!names.dns.includes(dns)) names.dns.push(dns);
}

/**
 * Every name the serving certificate must carry: 127.0.0.1, ::1, localhost, this
 * machine's hostname (when it is a valid DNS name) and `hosts`.
 * @throws Error naming a host that is neither an IP address nor a DNS name
 */
export function servingNames(hosts: readonly string[]): SubjectNames {
  const names: SubjectNames = { dns: [], ips: [] };
  for (const h of ["127.0.0.1", "::1", "localhost"]) classify(h, names);
  try {
    classify(hostname(), names);
  } catch {
    // A hostname that is not a valid DNS name cannot be in a certificate; skip it.
  }
  for (const h of hosts) classify(h, names);
  return names;
}

/** True when every name in `wanted` is in `have`. */
export function coversAll(have: SubjectNames, wanted: SubjectNames): boolean {
  return wanted.dns.every((d) => have.dns.includes(d)) && wanted.ips.every((ip) => have.ips.includes(ip));
}
