/**
 * Who sent a request: the bearer token is either a static token (the admin's, compared
 * in constant time) or a service-account JWT, checked by signature and then against the
 * objects it names, which must still exist with the uids it was issued for. A JWT is
 * either a bound token (TokenRequest) or a legacy one kept in a token Secret
 * (legacy-tokens.ts), told apart by its issuer; the latter is also checked against the
 * Secret, which must still hold exactly that token.
 *
 * Accepted JWTs are remembered for a few seconds (bounded), like Kubernetes' token cache:
 * a busy in-cluster client then costs one signature check per window, not per request.
 * The price is that a revoked token (its pod, Secret or account deleted) may work for up to
 * CACHE_TTL_MS more; refusals are never cached.
 */
import { timingSafeEqual } from "node:crypto";
import type { KubeObject } from "@flotilla/api";
import { INVALID_SINCE_LABEL, LEGACY_ISSUER, TOKEN_KEY, unverifiedIssuer, verifyLegacyToken, type LegacyTokenIdentity } from "./legacy-tokens.ts";
import { InvalidTokenError, looksLikeJwt, serviceAccountUser, verifyToken, type TokenSigner, type VerifiedToken } from "./sa-tokens.ts";

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Reads an object the token names; undefined when it does not exist. */
export type ObjectLookup = (resource: "serviceaccounts" | "pods" | "secrets" | "nodes", namespace: string | undefined, name: string) => Promise<KubeObject | undefined>;

export interface ServiceAccountAuth {
  signer: Pick<TokenSigner, "issuer" | "publicKey">;
  /** A token must be meant for one of these. */
  audiences: readonly string[];
  lookup: ObjectLookup;
}

const CACHE_TTL_MS = 10_000;
const CACHE_MAX = 4096;

/** The user a verified bound token stands for. */
export function serviceAccountUserInfo(t: VerifiedToken): UserInfo {
  const extra: Record<string, string[]> = { "authentication.kubernetes.io/credential-id": [`JTI=${t.id}`] };
  if (t.bound?.kind === "Pod") {
    extra["authentication.kubernetes.io/pod-name"] = [t.bound.name];
    extra["authentication.kubernetes.io/pod-uid"] = [t.bound.uid];
  }
  return { ...accountUser(t.namespace, t.serviceAccount), extra };
}

/** The user a verified legacy token stands for: the account alone (it has no id to report, nor a pod). */
export function legacyTokenUserInfo(t: LegacyTokenIdentity): UserInfo {
  return accountUser(t.namespace, t.serviceAccount);
}

function accountUser(namespace: string, account: { name: string; uid: string }): UserInfo {
  return {
    username: serviceAccountUser(namespace, account.name),
    uid: account.uid,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
  };
}

/** An accepted token: who it is, and when it stops being valid whatever happens to the objects it names. */
interface Accepted {
  user: UserInfo;
  expiresAtMs: number;
}

/** Constant time for equal lengths, so a near-miss guess learns nothing from timing. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export class Authenticator {
  private readonly statics: [Buffer, UserInfo][];
  private readonly cache = new Map<string, { user: UserInfo; untilMs: number }>();
  private readonly sa: ServiceAccountAuth | undefined;
  private readonly nowMs: () => number;

  /** `tokens`: static bearer token → user name (members of system:masters). */
  constructor(tokens: ReadonlyMap<string, string>, sa?: ServiceAccountAuth, nowMs: () => number = Date.now) {
    this.sa = sa;
    this.nowMs = nowMs;
    this.statics = [...tokens].map(([t, username]) => [Buffer.from(t), { username, groups: ["system:masters", "system:authenticated"] }]);
  }

  /** The user behind an Authorization header; undefined when it proves nobody. */
  async authenticate(header: string | undefined): Promise<UserInfo | undefined> {
    if (!header?.startsWith("Bearer ")) return undefined;
    const token = header.slice(7).trim();
    const given = Buffer.from(token);
    // Constant time per candidate, so timing does not leak a token's prefix.
    for (const [k, user] of this.statics) if (sameBytes(k, given)) return user;
    if (!this.sa || !looksLikeJwt(token)) return undefined;
    const hit = this.cache.get(token);
    if (hit && hit.untilMs > this.nowMs()) return hit.user;
    this.cache.delete(token);
    let accepted: Accepted | undefined;
    try {
      accepted = unverifiedIssuer(token) === LEGACY_ISSUER ? await this.checkLegacy(this.sa, token) : await this.checkBound(this.sa, token);
    } catch (err) {
      if (err instanceof InvalidTokenError) return undefined;
      throw err;
    }
    if (!accepted) return undefined;
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(token, { user: accepted.user, untilMs: Math.min(this.nowMs() + CACHE_TTL_MS, accepted.expiresAtMs) });
    return accepted.user;
  }

  private async checkBound(sa: ServiceAccountAuth, token: string): Promise<Accepted | undefined> {
    const verified = await verifyToken(sa.signer, token, sa.audiences, new Date(this.nowMs()));
    if (!(await this.stillValid(sa.lookup, verified))) return undefined;
    return { user: serviceAccountUserInfo(verified), expiresAtMs: verified.expiresAt.getTime() };
  }

  /**
   * Kubernetes' legacy validator: the Secret the token names still exists (not being
   * deleted, not retired by the legacy-token clean-up label) and holds exactly this
   * token, and the account still exists with the uid the token names. Deleting either
   * revokes the token; so does replacing the Secret's token.
   */
  private async checkLegacy(sa: ServiceAccountAuth, token: string): Promise<Accepted | undefined> {
    const id = await verifyLegacyToken(sa.signer.publicKey, token);
    const secret = await sa.lookup("secrets", id.namespace, id.secretName);
    if (!secret || secret.metadata.deletionTimestamp || secret.metadata.labels?.[INVALID_SINCE_LABEL]) return undefined;
    // A Secret of another type under the same name is not where the token was issued to live.
    if (secret["type"] !== "kubernetes.io/service-account-token") return undefined;
    const stored = (secret["data"] as Record<string, unknown> | undefined)?.[TOKEN_KEY];
    if (typeof stored !== "string" || !sameBytes(Buffer.from(stored, "base64"), Buffer.from(token))) return undefined;
    const account = await sa.lookup("serviceaccounts", id.namespace, id.serviceAccount.name);
    if (!account || account.metadata.deletionTimestamp || account.metadata.uid !== id.serviceAccount.uid) return undefined;
    return { user: legacyTokenUserInfo(id), expiresAtMs: Number.POSITIVE_INFINITY };
  }

  /** The account, and the object the token is bound to, exist with the uids it names. */
  private async stillValid(lookup: ObjectLookup, t: VerifiedToken): Promise<boolean> {
    const sa = await lookup("serviceaccounts", t.namespace, t.serviceAccount.name);
    if (!sa || sa.metadata.uid !== t.serviceAccount.uid || sa.metadata.deletionTimestamp) return false;
    if (!t.bound) return true;
    const resource = t.bound.kind === "Pod" ? "pods" : t.bound.kind === "Secret" ? "secrets" : "nodes";
    const bound = await lookup(resource, t.bound.kind === "Node" ? undefined : t.namespace, t.bound.name);
    return bound !== undefined && bound.metadata.uid === t.bound.uid;
  }
}
