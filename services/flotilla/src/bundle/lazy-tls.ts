/**
 * Stands in for `node:tls` inside the node agent's bundle, where only the NATS client
 * imports it. Loading TLS initialises OpenSSL's contexts (about 4 MB resident, measured
 * by bench/agent-memory.bench.ts) although an agent on a plain `nats://` URL never opens
 * a TLS socket; this loads the real module on the first TLS connection instead.
 * The client uses exactly `connect` and `instanceof TLSSocket`; a socket can only be a
 * TLSSocket if `connect` ran, so the check is exact before the module is loaded.
 */
import type * as Tls from "node:tls";

let real: typeof Tls | undefined;

function tls(): typeof Tls {
  return (real ??= process.getBuiltinModule("node:tls"));
}

export function connect(...args: unknown[]): Tls.TLSSocket {
  return (tls().connect as (...a: unknown[]) => Tls.TLSSocket)(...args);
}

export class TLSSocket {
  static [Symbol.hasInstance](value: unknown): boolean {
    return real !== undefined && value instanceof real.TLSSocket;
  }
}
