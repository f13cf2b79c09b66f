/**
 * The store's key layout: `<resource>.<namespace>.<name>`, one NATS subject token each,
 * with `_` as the namespace of cluster-scoped objects (`nodes._.pi-1`).
 *
 * NATS KV keys allow only `[-/_=.a-zA-Z0-9]` and `.` separates tokens, but Kubernetes
 * names contain `.` (and, for some resources, `:` or other characters). Each token is
 * therefore escaped, reversibly and so that `nats kv ls flotilla` stays readable:
 *
 * - `[-a-zA-Z0-9]` stay as they are;
 * - `.` becomes `_` (the common case, `kube-system.coredns.v1` stays legible);
 * - `_` becomes `=5f`, so a lone `_` token can only mean "cluster-scoped";
 * - any other character becomes `=` followed by two lower-case hex digits per UTF-8
 *   byte (`=` → `=3d`, `:` → `=3a`, `é` → `=c3=a9`).
 *
 * Every escaped token is non-empty, contains no `.`, and matches `[-_=a-zA-Z0-9]+`.
 */

/** The namespace token of cluster-scoped objects. */
export const CLUSTER_SCOPE_TOKEN = "_";

/** A key split into its parts; `namespace` is undefined for cluster-scoped objects. */
export interface ParsedKey {
  resource: string;
  namespace: string | undefined;
  name: string;
}

const PLAIN = /^[-a-zA-Z0-9]$/;
const ESCAPED_TOKEN = /^[-_=a-zA-Z0-9]+$/;
const HEX_PAIR = /^[0-9a-f]{2}$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Escape one key token (a resource, namespace or name) so it is a valid NATS token.
 * @throws TypeError for an empty string or one with unpaired UTF-16 surrogates
 *   (those cannot be encoded as UTF-8, so they could not round-trip).
 */
export function escapeToken(raw: string): string {
  if (raw === "") throw new TypeError("store key token must not be empty");
  if (!raw.isWellFormed()) throw new TypeError(`store key token has an unpaired surrogate: ${JSON.stringify(raw)}`);
  let out = "";
  for (const ch of raw) {
    if (PLAIN.test(ch)) out += ch;
    else if (ch === ".") out += "_";
    else for (const byte of encoder.encode(ch)) out += "=" + byte.toString(16).padStart(2, "0");
  }
  return out;
}

/**
 * Reverse {@link escapeToken}.
 * @throws TypeError when the token is not something escapeToken produces.
 */
export function unescapeToken(token: string): string {
  if (!ESCAPED_TOKEN.test(token)) throw new TypeError(`not an escaped store key token: ${JSON.stringify(token)}`);
  let out = "";
  let i = 0;
  while (i < token.length) {
    const ch = token[i] as string;
    if (ch === "_") {
      out += ".";
      i++;
    } else if (ch === "=") {
      // A run of =xx pairs is one UTF-8 byte sequence; decode it as a whole.
      const bytes: number[] = [];
      while (token[i] === "=") {
        const hex = token.slice(i + 1, i + 3);
        if (!HEX_PAIR.test(hex)) throw new TypeError(`bad escape in store key token: ${JSON.stringify(token)}`);
        bytes.push(Number.parseInt(hex, 16));
        i += 3;
      }
      out += decodeBytes(bytes, token);
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function decodeBytes(bytes: number[], token: string): string {
  let text: string;
  try {
    text = decoder.decode(Uint8Array.from(bytes));
  } catch (cause) {
    throw new TypeError(`bad UTF-8 escape in store key token: ${JSON.stringify(token)}`, { cause });
  }
  // escapeToken only escapes what is not plain, `.` or `_`; anything else is a
  // different spelling of the same name and would break "one name, one key".
  for (const ch of text) {
    if (PLAIN.test(ch) || ch === ".") throw new TypeError(`needlessly escaped character in store key token: ${JSON.stringify(token)}`);
  }
  return text;
}

/**
 * The key of one object: `pods.default.web-1`, `nodes._.pi-1`.
 * @param namespace undefined (or "") for cluster-scoped objects.
 * @throws TypeError for an empty resource or name, or the namespace ".", whose escaped
 *   form would be the cluster-scope marker.
 */
export function objectKey(resource: string, namespace: string | undefined, name: string): string {
  return `${escapeToken(resource)}.${namespaceToken(namespace)}.${escapeToken(name)}`;
}

/**
 * The key prefix for listing or watching: `pods.` (all namespaces, and the form for
 * cluster-scoped resources) or `pods.default.` (one namespace).
 * @param namespace undefined for every namespace.
 */
export function prefixFor(resource: string, namespace?: string): string {
  const r = escapeToken(resource);
  return namespace === undefined ? `${r}.` : `${r}.${namespaceToken(namespace)}.`;
}

/**
 * Split a key made by {@link objectKey}.
 * @throws TypeError when the key does not have three valid tokens.
 */
export function parseKey(key: string): ParsedKey {
  const tokens = key.split(".");
  if (tokens.length !== 3) throw new TypeError(`store key must have 3 tokens: ${JSON.stringify(key)}`);
  const [resource, namespace, name] = tokens as [string, string, string];
  return {
    resource: unescapeToken(resource),
    namespace: namespace === CLUSTER_SCOPE_TOKEN ? undefined : unescapeToken(namespace),
    name: unescapeToken(name),
  };
}

function namespaceToken(namespace: string | undefined): string {
  if (namespace === undefined || namespace === "") return CLUSTER_SCOPE_TOKEN;
  const token = escapeToken(namespace);
  if (token === CLUSTER_SCOPE_TOKEN) throw new TypeError(`namespace ${JSON.stringify(namespace)} is not allowed in store keys`);
  return token;
}
