/**
 * Token Secrets, as Kubernetes' tokens controller keeps them (pure decisions; the
 * controller in tokens-controller.ts reads and writes). A user creates a Secret of type
 * `kubernetes.io/service-account-token` that names an account in the annotation
 * `kubernetes.io/service-account.name`; this fills it in:
 * - `data.token`: a long-lived token for that account (signed by the controller
 *   manager's generator; the apiserver accepts it while the Secret holds it);
 * - `data.namespace`, and `data["ca.crt"]` when this controller manager has the CA;
 * - the annotation `kubernetes.io/service-account.uid`, which ties the Secret to this
 *   very account: one deleted and re-created under the same name does not inherit it.
 * A Secret whose account does not exist (or is another account now) is deleted, as the
 * account's deletion deletes its tokens in Kubernetes.
 *
 * A token already present is never replaced: the user may have put one there, and a
 * new one would silently break every client holding the old. (Kubernetes does the same.)
 */
import type { KubeObject } from "@flotilla/api";
import { ROOT_CA_KEY } from "./logic.ts";

export const TOKEN_SECRET_TYPE = "kubernetes.io/service-account-token";
export const ACCOUNT_NAME_ANNOTATION = "kubernetes.io/service-account.name";
export const ACCOUNT_UID_ANNOTATION = "kubernetes.io/service-account.uid";
export const TOKEN_KEY = "token";
export const NAMESPACE_KEY = "namespace";

/** Signs the token a Secret stores for an account (Kubernetes' TokenGenerator). */
export interface ServiceAccountTokenGenerator {
  generate(account: { namespace: string; name: string; uid: string }, secretName: string): Promise<string>;
}

export type TokenSecretAction =
  | { kind: "none" }
  /** The account is gone, or is another account now: the Secret goes too. */
  | { kind: "delete"; why: "account missing" | "account replaced" }
  /** Fill in what is missing; `needsToken` says whether a token must be signed first. */
  | { kind: "populate"; needsToken: boolean };

export interface TokenSecretState {
  /** The Secret, from the cache; undefined when it is gone. */
  secret: KubeObject | undefined;
  /** The account the Secret names; undefined when it does not exist. */
  account: KubeObject | undefined;
  /** The CA to store as `ca.crt`; undefined when this controller manager was given none. */
  caPem: string | undefined;
}

export function isTokenSecret(obj: KubeObject): boolean {
  return obj["type"] === TOKEN_SECRET_TYPE;
}

/** The account a token Secret names; undefined when it names none (validation refuses those). */
export function accountNameOf(secret: KubeObject): string | undefined {
  return secret.metadata.annotations?.[ACCOUNT_NAME_ANNOTATION] || undefined;
}

const dataOf = (secret: KubeObject): Record<string, string> => (secret["data"] as Record<string, string> | undefined) ?? {};
const decoded = (b64: string | undefined): string | undefined => (b64 === undefined ? undefined : Buffer.from(b64, "base64").toString("utf8"));
const encoded = (text: string): string => Buffer.from(text, "utf8").toString("base64");

export function planTokenSecret(s: TokenSecretState): TokenSecretAction {
  const secret = s.secret;
  if (!secret || !isTokenSecret(secret) || secret.metadata.deletionTimestamp || !accountNameOf(secret)) return { kind: "none" };
  const account = s.account;
  if (!account) return { kind: "delete", why: "account missing" };
  const boundUid = secret.metadata.annotations?.[ACCOUNT_UID_ANNOTATION];
  if (boundUid && boundUid !== account.metadata.uid) return { kind: "delete", why: "account replaced" };
  // An account on its way out gets no new token; its deletion takes the Secret with it.
  if (account.metadata.deletionTimestamp) return { kind: "none" };
  const data = dataOf(secret);
  const needsToken = !data[TOKEN_KEY];
  const needsNamespace = !data[NAMESPACE_KEY];
  const needsCa = s.caPem !== undefined && decoded(data[ROOT_CA_KEY]) !== s.caPem;
  const needsUid = boundUid !== account.metadata.uid;
  return needsToken || needsNamespace || needsCa || needsUid ? { kind: "populate", needsToken } : { kind: "none" };
}

/**
 * The Secret filled in: a copy that keeps the original's identity and resourceVersion
 * (the update is a compare-and-set against what was planned on), with `token` set only
 * when one is given.
 */
export function populatedSecret(secret: KubeObject, account: KubeObject, caPem: string | undefined, token: string | undefined): KubeObject {
  const data = { ...dataOf(secret) };
  if (token !== undefined) data[TOKEN_KEY] = encoded(token);
  if (!data[NAMESPACE_KEY]) data[NAMESPACE_KEY] = encoded(secret.metadata.namespace ?? "");
  if (caPem !== undefined) data[ROOT_CA_KEY] = encoded(caPem);
  const annotations = { ...secret.metadata.annotations, [ACCOUNT_NAME_ANNOTATION]: account.metadata.name ?? "", [ACCOUNT_UID_ANNOTATION]: account.metadata.uid ?? "" };
  return { ...secret, metadata: { ...secret.metadata, annotations }, data };
}
