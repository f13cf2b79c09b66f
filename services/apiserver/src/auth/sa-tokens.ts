/**
 * Service-account tokens: signed JWTs in Kubernetes' bound-token format, so tools that
 * read them (client libraries, `kubectl auth whoami`, jwt.io) see what they expect.
 * The claims are built and checked here as plain data; signing and the signature check
 * are the `jose` library's (a well-kept, dependency-free JOSE implementation).
 *
 * A token names its service account (and the pod or secret it is bound to) by name and
 * uid. The signature alone is not enough: the authenticator also checks that those
 * objects still exist with those uids, so deleting a pod or an account revokes its tokens.
 */
import { randomUUID, type KeyObject } from "node:crypto";
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";

/** The issuer Kubernetes clusters use by default; also the default audience. */
export const DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";

/** What a token may be bound to besides its service account. */
export interface BoundObject {
  kind: "Pod" | "Secret" | "Node";
  name: string;
  uid: string;
}

/** Who a token speaks for: the contents of its `kubernetes.io` claim, flattened. */
export interface ServiceAccountIdentity {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  bound?: BoundObject | undefined;
}

export interface IssueRequest extends ServiceAccountIdentity {
  audiences: readonly string[];
  expirationSeconds: number;
}

export interface VerifiedToken extends ServiceAccountIdentity {
  /** The token's unique id (jti): Kubernetes reports it as the credential id. */
  id: string;
  expiresAt: Date;
}

/** A token that is well formed but not acceptable: bad signature, expired, wrong audience or shape. */
export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

/** `system:serviceaccount:<namespace>:<name>`, the user name a token authenticates as. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

type KubernetesClaim = {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
  node?: { name: string; uid: string };
};

/** The private `kubernetes.io` claim for an identity. */
export function kubernetesClaim(id: ServiceAccountIdentity): KubernetesClaim {
  const claim: KubernetesClaim = { namespace: id.namespace, serviceaccount: { ...id.serviceAccount } };
  if (id.bound) claim[id.bound.kind === "Pod" ? "pod" : id.bound.kind === "Secret" ? "secret" : "node"] = { name: id.bound.name, uid: id.bound.uid };
  return claim;
}

const isRef = (v: unknown): v is { name: string; uid: string } =>
  typeof v === "object" && v !== null && typeof (v as { name?: unknown }).name === "string" && typeof (v as { uid?: unknown }).uid === "string";

/** The identity in a verified payload; undefined when the claim is missing or malformed. */
export function identityOf(payload: Record<string, unknown>): ServiceAccountIdentity | undefined {
  const k = payload["kubernetes.io"] as Partial<KubernetesClaim> | undefined;
  if (typeof k !== "object" || k === null || typeof k.namespace !== "string" || !isRef(k.serviceaccount)) return undefined;
  if (payload["sub"] !== serviceAccountUser(k.namespace, k.serviceaccount.name)) return undefined;
  const id: ServiceAccountIdentity = { namespace: k.namespace, serviceAccount: { name: k.serviceaccount.name, uid: k.serviceaccount.uid } };
  if (isRef(k.pod)) id.bound = { kind: "Pod", ...k.pod };
  else if (isRef(k.secret)) id.bound = { kind: "Secret", ...k.secret };
  else if (isRef(k.node)) id.bound = { kind: "Node", ...k.node };
  return id;
}

export interface TokenSigner {
  issuer: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Sign a token; returns it with its expiry. */
export async function issueToken(signer: TokenSigner, rq: IssueRequest, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + rq.expirationSeconds;
  const token = await new SignJWT({ "kubernetes.io": kubernetesClaim(rq) })
    .setProtectedHeader({ alg: "ES256", typ: "JWT" })
    .setIssuer(signer.issuer)
    .setSubject(serviceAccountUser(rq.namespace, rq.serviceAccount.name))
    .setAudience([...rq.audiences])
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(signer.privateKey);
  return { token, expiresAt: new Date(exp * 1000) };
}

/** Three base64url parts: worth a signature check (an admin token never looks like this). */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

/**
 * Check signature, issuer, audience and lifetime (60 s of clock skew allowed, as
 * Kubernetes does), then the claim's shape.
 * @throws InvalidTokenError
 */
export async function verifyToken(signer: Pick<TokenSigner, "issuer" | "publicKey">, token: string, audiences: readonly string[], now = new Date()): Promise<VerifiedToken> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, signer.publicKey, { issuer: signer.issuer, audience: [...audiences], algorithms: ["ES256"], clockTolerance: 60, currentDate: now }));
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) throw new InvalidTokenError(err.message);
    throw err;
  }
  const id = identityOf(payload);
  if (!id || typeof payload["jti"] !== "string" || typeof payload["exp"] !== "number") throw new InvalidTokenError("token lacks the service account claims");
  return { ...id, id: payload["jti"], expiresAt: new Date(payload["exp"] * 1000) };
}
