/**
 * The apiserver's TLS material, made on first start and reused afterwards: a CA that
 * kubeconfigs pin, and a serving certificate it signs. Only the serving certificate is
 * ever re-issued (a new host, or expiry near), so kubeconfigs handed out stay valid.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { certNames, certNotAfter, createCa, issueServingCert, keyMatchesCert, signedBy } from "./certs.ts";
import type { KeyPairPem } from "./certs.ts";
import { DIR_MODE, PUBLIC_MODE, SECRET_MODE, readOptional, writeFileAtomic } from "./files.ts";
import { coversAll, servingNames } from "./hosts.ts";
import type { SubjectNames } from "./hosts.ts";

/** File names inside the PKI directory. */
export const PKI_FILES = {
  caCert: "ca.crt",
  caKey: "ca.key",
  cert: "apiserver.crt",
  key: "apiserver.key",
} as const;

/** Subject CN of the CA. */
export const CA_COMMON_NAME = "flotilla-ca";
/** Subject CN of the serving certificate (clients check SANs, not this). */
export const SERVING_COMMON_NAME = "flotilla-apiserver";
/** About ten years: the CA outlives every kubeconfig that pins it. */
export const CA_VALIDITY_DAYS = 3650;
/** About a year, renewed automatically. */
export const SERVING_VALIDITY_DAYS = 365;
/** Re-issue the serving certificate when it has less than this left. */
export const RENEW_BEFORE_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Input of ensurePki. */
export interface PkiOptions {
  /** Directory holding the PEM files; created (mode 0700) if missing. */
  dir: string;
  /** Extra DNS names and IP addresses for the serving certificate. */
  hosts: readonly string[];
  /** The current time, for validity and renewal. @default new Date() */
  now?: Date;
}

/** The PEM material ensurePki returns. */
export interface Pki {
  caCertPem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
}

async function readPair(dir: string, certFile: string, keyFile: string): Promise<Partial<KeyPairPem>> {
  const [certPem, keyPem] = await Promise.all([readOptional(join(dir, certFile)), readOptional(join(dir, keyFile))]);
  return { certPem, keyPem };
}

async function writePair(dir: string, certFile: string, keyFile: string, pair: KeyPairPem): Promise<void> {
  // Key first: a crash in between leaves a cert/key mismatch, which the next start detects.
  await writeFileAtomic(join(dir, keyFile), pair.keyPem, SECRET_MODE);
  await writeFileAtomic(join(dir, certFile), pair.certPem, PUBLIC_MODE);
}

/**
 * Load the CA, or create it when neither of its files exists. A half-present or
 * unreadable CA is an error rather than a silent replacement, because a new CA would
 * invalidate every kubeconfig already handed out.
 */
async function loadOrCreateCa(dir: string, now: Date): Promise<KeyPairPem> {
  const { certPem, keyPem } = await readPair(dir, PKI_FILES.caCert, PKI_FILES.caKey);
  if (certPem === undefined && keyPem === undefined) {
    const ca = await createCa(CA_COMMON_NAME, now, CA_VALIDITY_DAYS);
    await writePair(dir, PKI_FILES.caCert, PKI_FILES.caKey, ca);
    return ca;
  }
  if (certPem === undefined || keyPem === undefined) {
    throw new Error(`PKI directory ${dir} has only one of ${PKI_FILES.caCert} and ${PKI_FILES.caKey}; restore the other or remove both to create a new CA`);
  }
  let matches: boolean;
  try {
    matches = keyMatchesCert({ certPem, keyPem });
  } catch (err) {
    throw new Error(`PKI directory ${dir}: cannot read the CA certificate or key`, { cause: err });
  }
  if (!matches) throw new Error(`PKI directory ${dir}: ${PKI_FILES.caKey} does not belong to ${PKI_FILES.caCert}`);
  return { certPem, keyPem };
}

/** Why a stored serving certificate cannot be reused, or undefined when it can. */
async function servingProblem(pair: Partial<KeyPairPem>, ca: KeyPairPem, wanted: SubjectNames, now: Date): Promise<string | undefined> {
  if (pair.certPem === undefined || pair.keyPem === undefined) return "missing";
  try {
    if (!keyMatchesCert(pair as KeyPairPem)) return "key does not match";
    if (!(await signedBy(pair.certPem, ca.certPem, now))) return "not signed by the CA or not yet valid";
    if (certNotAfter(pair.certPem).getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return "expires soon";
    if (!coversAll(certNames(pair.certPem), wanted)) return "a requested host is missing";
  } catch {
    return "unreadable";
  }
  return undefined;
}

/**
 * Make sure `dir` holds a CA and a serving certificate covering 127.0.0.1, ::1,
 * localhost, the machine's hostname and `hosts`, creating or renewing what is needed.
 * Keys are written with mode 0600. Assumes one apiserver process manages `dir`.
 * @throws Error for an invalid host or a damaged CA
 */
export async function ensurePki(options: PkiOptions): Promise<Pki> {
  const now = options.now ?? new Date();
  const wanted = servingNames(options.hosts);
  await mkdir(options.dir, { recursive: true, mode: DIR_MODE });
  const ca = await loadOrCreateCa(options.dir, now);
  const stored = await readPair(options.dir, PKI_FILES.cert, PKI_FILES.key);
  let serving = stored as KeyPairPem;
  if ((await servingProblem(stored, ca, wanted, now)) !== undefined) {
    // Keep names the old certificate carried, so clients using them keep working.
    const names = stored.certPem ? mergeNames(wanted, safeNames(stored.certPem)) : wanted;
    serving = await issueServingCert(ca, SERVING_COMMON_NAME, names, now, SERVING_VALIDITY_DAYS);
    await writePair(options.dir, PKI_FILES.cert, PKI_FILES.key, serving);
  }
  return { caCertPem: ca.certPem, caKeyPem: ca.keyPem, certPem: serving.certPem, keyPem: serving.keyPem };
}

function safeNames(certPem: string): SubjectNames {
  try {
    return certNames(certPem);
  } catch {
    return { dns: [], ips: [] };
  }
}

function mergeNames(a: SubjectNames, b: SubjectNames): SubjectNames {
  return { dns: [...new Set([...a.dns, ...b.dns])], ips: [...new Set([...a.ips, ...b.ips])] };
}
