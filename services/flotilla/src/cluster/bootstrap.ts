/**
 * How masters come to share their secrets: the cluster CA (so every kubeconfig works
 * against every master), the service-account signing key (so a token from one
 * apiserver is accepted by all) and the admin token.
 *
 * The first master (`--cluster-init`) seals them with the cluster token and puts the
 * result in a KV bucket of its own (`flotilla-bootstrap`, replicated like the store); a
 * joining master (`--join`) opens it with the same token before its apiserver starts.
 * The bus has no authentication yet (that is the security work), so the bundle is
 * encrypted rather than trusted to the bus: AES-256-GCM under a key derived from the
 * token with scrypt, the way k3s keeps its bootstrap data in its datastore.
 *
 * The bootstrap must travel through NATS, not the apiserver: a clustered JetStream
 * serves nothing until two masters are up, so the first master's apiserver cannot
 * start before the second master exists, and the second needs the secrets first.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb } from "node:crypto";
import { mkdir, readFile, writeFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { ADMIN_TOKEN_FILE, PKI_FILES, SA_KEY_FILE, ensureAdminToken, ensurePki, ensureServiceAccountKeys } from "@flotilla/apiserver";
import type { Logger } from "@flotilla/log";

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export const BOOTSTRAP_BUCKET = "flotilla-bootstrap";
const BUNDLE_KEY = "pki";
const SECRET_FILES = [PKI_FILES.caCert, PKI_FILES.caKey, SA_KEY_FILE, ADMIN_TOKEN_FILE] as const;
const POLL_MS = 500;

/** The secrets as file name → content. */
export type SecretBundle = Record<string, string>;

interface Sealed {
  v: 1;
  salt: string;
  iv: string;
  tag: string;
  data: string;
}

export class BootstrapError extends Error {
  override name = "BootstrapError";
}

async function keyFor(token: string, salt: Buffer): Promise<Buffer> {
  if (token.length < 16) throw new BootstrapError("the cluster token must be at least 16 characters");
  return scrypt(token, salt, 32);
}

export async function seal(bundle: SecretBundle, token: string): Promise<Sealed> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", await keyFor(token, salt), iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(bundle), "utf8"), cipher.final()]);
  return { v: 1, salt: salt.toString("base64"), iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), data: data.toString("base64") };
}

/** @throws BootstrapError for a wrong token or a damaged bundle */
export async function unseal(sealed: Sealed, token: string): Promise<SecretBundle> {
  try {
    const decipher = createDecipheriv("aes-256-gcm", await keyFor(token, Buffer.from(sealed.salt, "base64")), Buffer.from(sealed.iv, "base64"));
    decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
    const text = Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]).toString("utf8");
    return JSON.parse(text) as SecretBundle;
  } catch (err) {
    if (err instanceof BootstrapError) throw err;
    throw new BootstrapError("cannot open the cluster's bootstrap data: the --token differs from the first master's", { cause: err });
  }
}

async function bucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(BOOTSTRAP_BUCKET, { history: 1 });
}

/**
 * JetStream answers "no responders" or times out while a cluster forms, elects a leader
 * for a new stream, or moves it to three replicas: retry those; a BootstrapError (wrong
 * token, another cluster's CA) is final.
 */
async function retrying<T>(what: string, log: Logger, fn: () => Promise<T>, signal?: AbortSignal, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn();
    } catch (err) {
      if (err instanceof BootstrapError || Date.now() > deadline) throw err;
      if (attempt === 0) log.info({ err: (err as Error).message }, `${what}: JetStream not ready; retrying`);
      await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 2000)));
    }
  }
}

/**
 * First master: make sure the secrets exist locally, then publish them sealed. If the
 * cluster already holds a bundle (a restart, or another first master), the local
 * secrets must be the same ones.
 */
export async function publishSecrets(nc: NatsConnection, pkiDir: string, token: string, log: Logger): Promise<void> {
  await ensurePki({ dir: pkiDir, hosts: [] });
  await ensureAdminToken(pkiDir);
  await ensureServiceAccountKeys(pkiDir);
  const local: SecretBundle = {};
  for (const f of SECRET_FILES) local[f] = await readFile(join(pkiDir, f), "utf8");
  await retrying("publishing the cluster secrets", log, () => publishOnce(nc, local, token, log));
}

async function publishOnce(nc: NatsConnection, local: SecretBundle, token: string, log: Logger): Promise<void> {
  const kv = await bucket(nc);
  const existing = await kv.get(BUNDLE_KEY);
  if (existing && existing.operation === "PUT") {
    const theirs = await unseal(existing.json<Sealed>(), token);
    if (theirs[PKI_FILES.caCert] !== local[PKI_FILES.caCert]) throw new BootstrapError(`this cluster already has another CA; start this master with --join instead of --cluster-init, or with the first master's data dir`);
    return;
  }
  await kv.create(BUNDLE_KEY, JSON.stringify(await seal(local, token))).catch(async (err: unknown) => {
    // Another first master won the race: its bundle stands; ours must match it.
    const now = await kv.get(BUNDLE_KEY);
    if (!now) throw err;
    if ((await unseal(now.json<Sealed>(), token))[PKI_FILES.caCert] !== local[PKI_FILES.caCert]) throw new BootstrapError("two masters were started with --cluster-init; start the others with --join");
  });
  log.info({ bucket: BOOTSTRAP_BUCKET }, "cluster secrets published for joining masters");
}

/**
 * Joining master: wait for the first master's bundle, open it and write the secrets
 * into the PKI directory (on a restart too: the cluster's copy wins).
 */
export async function fetchSecrets(nc: NatsConnection, pkiDir: string, token: string, log: Logger, signal?: AbortSignal): Promise<void> {
  let noted = false;
  for (;;) {
    signal?.throwIfAborted();
    const entry = await retrying("reading the cluster secrets", log, async () => (await bucket(nc)).get(BUNDLE_KEY), signal);
    if (entry && entry.operation === "PUT") {
      const bundle = await unseal(entry.json<Sealed>(), token);
      await mkdir(pkiDir, { recursive: true, mode: 0o700 });
      for (const f of SECRET_FILES) {
        const content = bundle[f];
        if (content === undefined) throw new BootstrapError(`the cluster's bootstrap data lacks ${f}`);
        const path = join(pkiDir, f);
        const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
        await writeFile(tmp, content, { mode: f === PKI_FILES.caCert ? 0o644 : 0o600 });
        await rename(tmp, path);
      }
      log.info("joined: cluster secrets fetched");
      return;
    }
    if (!noted) {
      log.info({ bucket: BOOTSTRAP_BUCKET }, "waiting for the first master's secrets");
      noted = true;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
