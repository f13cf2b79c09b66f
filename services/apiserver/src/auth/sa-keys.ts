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
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`${keyPath} is not a readable private key; remove it to create a new one (every service-account token issued so far stops working)`, { cause: err });
  }
  if (privateKey.asymmetricKeyType !== "ec" || privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new Error(`${keyPath} must be an ECDSA P-256 key`);
  }
  const publicKey = createPublicKey(privateKey);
  const pubPem = publicKey.export({ type: "spki", format: "pem" }) as string;
  if ((await readOptional(join(dir, SA_PUBLIC_KEY_FILE))) !== pubPem) await writeFile(join(dir, SA_PUBLIC_KEY_FILE), pubPem, { mode: PUBLIC_MODE });
  return { privateKey, publicKey };
}
