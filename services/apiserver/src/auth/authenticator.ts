/**
 * Who sent a request: the bearer token is either a static token (the admin's, compared
 * in constant time) or a service-account JWT, checked by signature and then against the
 * objects it names, which must still exist with the uids it was issued for.
 *
 * Accepted JWTs are remembered for a few seconds (bounded), like Kubernetes' token cache:
 * a busy in-cluster client then costs one signature check per window, not per request.
 * The price is that a revoked token (its pod or account deleted) may work for up to
 * CACHE_TTL_MS more; refusals are never cached.
 */
import { timingSafeEqual } from "node:crypto";
import type { KubeObject } from "@flotilla/api";
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

/** The user a verified token stands for. */
export function serviceAccountUserInfo(t: VerifiedToken): UserInfo {
  const extra: Record<string, string[]> = { "authentication.kubernetes.io/credential-id": [`JTI=${t.id}`] };
  if (t.bound?.kind === "Pod") {
    extra["authentication.kubernetes.io/pod-name"] = [t.bound.name];
    extra["authentication.kubernetes.io/pod-uid"] = [t.bound.uid];
  }
  return {
    username: serviceAccountUser(t.namespace, t.serviceAccount.name),
    uid: t.serviceAccount.uid,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${t.namespace}`, "system:authenticated"],
    extra,
  };
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
    for (const [k, user] of this.statics) if (k.length === given.length && timingSafeEqual(k, given)) return user;
    if (!this.sa || !looksLikeJwt(token)) return undefined;
    const hit = this.cache.get(token);
    if (hit && hit.untilMs > this.nowMs()) return hit.user;
    this.cache.delete(token);
    let verified: VerifiedToken;
    try {
      verified = await verifyToken(this.sa.signer, token, this.sa.audiences, new Date(this.nowMs()));
    } catch (err) {
      if (err instanceof InvalidTokenError) return undefined;
      throw err;
    }
    if (!(await this.stillValid(verified))) return undefined;
    const user = serviceAccountUserInfo(verified);
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(token, { user, untilMs: Math.min(this.nowMs() + CACHE_TTL_MS, verified.expiresAt.getTime()) });
    return user;
  }

  /** The account, and the object the token is bound to, exist with the uids it names. */
  private async stillValid(t: VerifiedToken): Promise<boolean> {
    const lookup = this.sa!.lookup;
    const sa = await lookup("serviceaccounts", t.namespace, t.serviceAccount.name);
    if (!sa || sa.metadata.uid !== t.serviceAccount.uid || sa.metadata.deletionTimestamp) return false;
    if (!t.bound) return true;
    const resource = t.bound.kind === "Pod" ? "pods" : t.bound.kind === "Secret" ? "secrets" : "nodes";
    const bound = await lookup(resource, t.bound.kind === "Node" ? undefined : t.namespace, t.bound.name);
    return bound !== undefined && bound.metadata.uid === t.bound.uid;
  }
}
