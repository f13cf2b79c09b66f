/**
 * Long-lived service-account tokens: the ones the controller manager writes into a
 * `kubernetes.io/service-account-token` Secret (Kubernetes calls them legacy tokens).
 *
 * The format is Kubernetes', so tools that decode them see what they expect: issuer
 * `kubernetes/serviceaccount`, the account's user name as subject, four flat private
 * claims, and no audience, expiry or id. Such a token lives as long as its Secret: the
 * authenticator accepts it only while that Secret still holds it and the account still
 * exists with the uid it names. It is signed with the same key as bound tokens (ES256),
 * so one public key checks both kinds.
 */
import type { KeyObject } from "node:crypto";
import { SignJWT, decodeJwt, jwtVerify, errors as joseErrors } from "jose";
import { InvalidTokenError, serviceAccountUser } from "./sa-tokens.ts";

/** The `iss` of every legacy token; bound tokens carry the cluster's issuer URL instead. */
export const LEGACY_ISSUER = "kubernetes/serviceaccount";

/** The private claims, named as Kubernetes names them. */
export const LEGACY_CLAIMS = {
  namespace: "kubernetes.io/serviceaccount/namespace",
  secretName: "kubernetes.io/serviceaccount/secret.name",
  accountName: "kubernetes.io/serviceaccount/service-account.name",
  accountUid: "kubernetes.io/serviceaccount/service-account.uid",
} as const;

/** The Secret key that holds the token, and the Secret label that retires it (Kubernetes' legacy-token clean-up). */
export const TOKEN_KEY = "token";
export const INVALID_SINCE_LABEL = "kubernetes.io/legacy-token-invalid-since";

/** Who a legacy token speaks for, and the Secret it must be found in. */
export interface LegacyTokenIdentity {
  namespace: string;
  secretName: string;
  serviceAccount: { name: string; uid: string };
}

/** Sign the token for `id`. No iat, exp or jti: Kubernetes' legacy tokens carry none. */
export async function signLegacyToken(privateKey: KeyObject, id: LegacyTokenIdentity): Promise<string> {
  return new SignJWT({
    [LEGACY_CLAIMS.namespace]: id.namespace,
    [LEGACY_CLAIMS.secretName]: id.secretName,
    [LEGACY_CLAIMS.accountName]: id.serviceAccount.name,
    [LEGACY_CLAIMS.accountUid]: id.serviceAccount.uid,
  })
    .setProtectedHeader({ alg: "ES256", typ: "JWT" })
    .setIssuer(LEGACY_ISSUER)
    .setSubject(serviceAccountUser(id.namespace, id.serviceAccount.name))
    .sign(privateKey);
}

/**
 * The `iss` a token claims, read without checking its signature: only to choose how to
 * check it. Undefined when the token does not decode.
 */
export function unverifiedIssuer(token: string): string | undefined {
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === "string" ? iss : undefined;
  } catch {
    return undefined;
  }
}

const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.length > 0;

/**
 * Check the signature and issuer, then that every claim is present and the subject
 * agrees with the namespace and account claims (as Kubernetes' legacy validator does).
 * Whether the Secret and the account still exist is the authenticator's to check.
 * @throws InvalidTokenError
 */
export async function verifyLegacyToken(publicKey: KeyObject, token: string): Promise<LegacyTokenIdentity> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, publicKey, { issuer: LEGACY_ISSUER, algorithms: ["ES256"] }));
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) throw new InvalidTokenError(err.message);
    throw err;
  }
  const namespace = payload[LEGACY_CLAIMS.namespace];
  const secretName = payload[LEGACY_CLAIMS.secretName];
  const name = payload[LEGACY_CLAIMS.accountName];
  const uid = payload[LEGACY_CLAIMS.accountUid];
  if (!nonEmpty(namespace) || !nonEmpty(secretName) || !nonEmpty(name) || !nonEmpty(uid)) throw new InvalidTokenError("token lacks the legacy service account claims");
  if (payload["sub"] !== serviceAccountUser(namespace, name)) throw new InvalidTokenError("sub claim does not name the token's service account");
  return { namespace, secretName, serviceAccount: { name, uid } };
}

/**
 * What the controller manager's tokens controller needs (Kubernetes' TokenGenerator):
 * the token for an account, to be stored in the named Secret.
 */
export interface LegacyTokenGenerator {
  generate(account: { namespace: string; name: string; uid: string }, secretName: string): Promise<string>;
}

/** A generator that signs with `privateKey` (the apiserver's service-account key). */
export function legacyTokenGenerator(privateKey: KeyObject): LegacyTokenGenerator {
  return {
    generate: (account, secretName) => signLegacyToken(privateKey, { namespace: account.namespace, secretName, serviceAccount: { name: account.name, uid: account.uid } }),
  };
}
