/**
 * Certificate work on WebCrypto via @peculiar/x509: an ECDSA P-256 CA, serving
 * certificates it signs, and the checks that decide whether a stored one can be reused.
 * The profile is what Go's crypto/tls (kubectl) insists on: SANs rather than a common
 * name, a CA with basicConstraints and keyCertSign, serverAuth on the leaf, positive
 * serial numbers.
 */
import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from "node:crypto";
// Must be evaluated before @peculiar/x509 loads (ES modules evaluate imports in order).
import "./reflect-metadata.ts";
import * as x509 from "@peculiar/x509";
import type { SubjectNames } from "./hosts.ts";
import { normalizeIp } from "./hosts.ts";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type X509Crypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[1]>;

// Passed explicitly to every call rather than installed as @peculiar/x509's global provider.
const crypto = webcrypto as unknown as X509Crypto;
const subtle = webcrypto.subtle;

const EC_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;

/** Backdate notBefore so a peer whose clock runs a little behind still accepts the cert. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A certificate and its private key, both PEM. */
export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  // A positive, non-zero leading byte keeps the DER integer positive and 16 bytes long.
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString("hex");
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return subtle.generateKey(EC_P256, true, ["sign", "verify"]);
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

async function importSigningKey(keyPem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(keyPem);
  return subtle.importKey("pkcs8", der, EC_P256, false, ["sign"]);
}

/** Create a self-signed CA valid from `now` for `days`. */
export async function createCa(commonName: string, now: Date, days: number): Promise<KeyPairPem> {
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${commonName}`,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
    ],
  }, crypto);
  return { certPem: cert.toString("pem"), keyPem: await exportKeyPem(keys.privateKey) };
}

/** Issue a serverAuth certificate for `names`, signed by the CA. */
export async function issueServingCert(ca: KeyPairPem, commonName: string, names: SubjectNames, now: Date, days: number): Promise<KeyPairPem> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${commonName}`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: await importSigningKey(ca.keyPem),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...names.dns.map((value) => ({ type: "dns" as const, value })), ...names.ips.map((value) => ({ type: "ip" as const, value }))]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, crypto),
    ],
  }, crypto);
  return { certPem: cert.toString("pem"), keyPem: await exportKeyPem(keys.privateKey) };
}

/** The DNS and IP names a certificate carries in its subjectAltName. */
export function certNames(certPem: string): SubjectNames {
  const cert = new x509.X509Certificate(certPem);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names: SubjectNames = { dns: [], ips: [] };
  for (const n of san?.names.toJSON() ?? []) {
    if (n.type === "dns") names.dns.push(n.value.toLowerCase());
    else if (n.type === "ip") names.ips.push(normalizeIp(n.value));
  }
  return names;
}

/** When the certificate stops being valid. */
export function certNotAfter(certPem: string): Date {
  return new x509.X509Certificate(certPem).notAfter;
}

/** True when the private key belongs to the certificate (guards against a mismatched pair on disk). */
export function keyMatchesCert(pair: KeyPairPem): boolean {
  const fromKey = createPublicKey(createPrivateKey(pair.keyPem)).export({ type: "spki", format: "der" });
  const fromCert = Buffer.from(new x509.X509Certificate(pair.certPem).publicKey.rawData);
  return fromKey.equals(fromCert);
}

/** True when `certPem` was issued and signed by the CA and is valid at `now`. */
export async function signedBy(certPem: string, caCertPem: string, now: Date): Promise<boolean> {
  const cert = new x509.X509Certificate(certPem);
  const ca = new x509.X509Certificate(caCertPem);
  if (cert.issuer !== ca.subject) return false;
  return cert.verify({ publicKey: ca.publicKey, date: now }, crypto);
}
