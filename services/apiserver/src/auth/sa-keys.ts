/**
 * The key that signs service-account tokens: an ECDSA P-256 pair kept beside the rest of
 * the PKI (`sa.key`, `sa.pub`). Every apiserver replica must hold the same pair, or a
 * token issued by one is refused by another; the master cluster (HA work) copies the
 * PKI directory to joining masters.
 *
 * ES256 rather than Kubernetes' usual RS256: the same standard JWT, a signature an
 * order of magnitude cheaper to make, and a 64-byte signature instead of 256.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DIR_MODE, PUBLIC_MODE, SECRET_MODE, readOptional } from "../pki/files.ts";

export const SA_KEY_FILE = "sa.key";
export const SA_PUBLIC_KEY_FILE = "sa.pub";

export interface ServiceAccountKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * The signing pair stored in `dir`, created on first call. Creation of the private key
 * is exclusive, so two replicas starting together on one directory agree on one key;
 * the public key is always derived from the private one (a stale sa.pub is rewritten).
 */
export async function ensureServiceAccountKeys(dir: string): Promise<ServiceAccountKeys> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const keyPath = join(dir, SA_KEY_FILE);
  let pem = await readOptional(keyPath);
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const fresh = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    try {
      await writeFile(keyPath, fresh, { mode: SECRET_MODE, flag: "wx" });
      pem = fresh;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      pem = await readFile(keyPath, "utf8");
    }
  }
  const privateKey = parsePrivateKey(pem, keyPath, "; remove it to create a new one (every service-account token issued so far stops working)");
  const publicKey = createPublicKey(privateKey);
  const pubPem = publicKey.export({ type: "spki", format: "pem" }) as string;
  if ((await readOptional(join(dir, SA_PUBLIC_KEY_FILE))) !== pubPem) await writeFile(join(dir, SA_PUBLIC_KEY_FILE), pubPem, { mode: PUBLIC_MODE });
  return { privateKey, publicKey };
}

/** The PEM as an ECDSA P-256 private key (what ES256 signs with), or an error naming the file. */
function parsePrivateKey(pem: string, path: string, hint = ""): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`${path} is not a readable private key${hint}`, { cause: err });
  }
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") throw new Error(`${path} must be an ECDSA P-256 key`);
  return key;
}

/**
 * The signing key alone, for a controller manager that signs the tokens of token
 * Secrets (`--service-account-private-key-file`): it must be the apiservers' sa.key, or
 * they refuse what it signs. Never creates one.
 */
export async function readServiceAccountPrivateKey(path: string): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read the service-account private key ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parsePrivateKey(pem, path);
}
