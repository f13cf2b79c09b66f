/**
 * authentication.k8s.io/v1: the two reviews that store nothing.
 * - SelfSubjectReview ("who am I", `kubectl auth whoami`): the caller's own user info.
 * - TokenReview: is this token valid, and whose is it (for webhooks and proxies that
 *   front the cluster). Kubernetes lets only authorised callers review other tokens;
 *   until the security work brings authorization, any authenticated caller may.
 * Both are served here, beside discovery, because they are not resources in the store.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { BadRequestError, MethodNotAllowedError, NotFoundError } from "@flotilla/api";
import type { Authenticator, UserInfo } from "../auth/authenticator.ts";
import type { ResourceRequest } from "./request-info.ts";
import { decodeBody, negotiate, readBody } from "./negotiate.ts";
import { writeObject } from "./respond.ts";
import { rfc3339 } from "@flotilla/api/time";

export const AUTHENTICATION_GROUP = "authentication.k8s.io";
const MAX_REVIEW_BYTES = 64 * 1024;

/** Discovery rows of the group (cluster-scoped, create only). */
export const AUTHENTICATION_RESOURCES = [
  { name: "selfsubjectreviews", singularName: "selfsubjectreview", namespaced: false, kind: "SelfSubjectReview", verbs: ["create"] },
  { name: "tokenreviews", singularName: "tokenreview", namespaced: false, kind: "TokenReview", verbs: ["create"] },
];

function userInfoJson(u: UserInfo): Record<string, unknown> {
  return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) };
}

export async function handleAuthenticationReview(req: IncomingMessage, res: ServerResponse, ri: ResourceRequest, user: UserInfo, authenticator: Authenticator): Promise<void> {
  const known = AUTHENTICATION_RESOURCES.find((r) => r.name === ri.resource);
  if (ri.version !== "v1" || !known || ri.namespace !== undefined || ri.name !== undefined) throw new NotFoundError({ group: AUTHENTICATION_GROUP, resource: ri.resource, name: ri.name ?? "" });
  if (ri.verb !== "create") throw new MethodNotAllowedError(`${ri.verb} is not supported on ${ri.resource}`);
  const raw = await readBody(req, MAX_REVIEW_BYTES);
  const body = (raw.length > 0 ? decodeBody(req.headers["content-type"], raw) : {}) as { spec?: { token?: unknown; audiences?: unknown } } | null;
  const format = negotiate(req.headers.accept, false);
  const base = { apiVersion: `${AUTHENTICATION_GROUP}/v1`, metadata: { creationTimestamp: rfc3339() } };
  if (known.kind === "SelfSubjectReview") {
    writeObject(res, 201, format, ri.resource, { ...base, kind: "SelfSubjectReview", status: { userInfo: userInfoJson(user) } } as never);
    return;
  }
  const token = body?.spec?.token;
  if (typeof token !== "string" || token === "") throw new BadRequestError("TokenReview: spec.token is required");
  const reviewed = await authenticator.authenticate(`Bearer ${token}`);
  // The token is never echoed back, as Kubernetes does not.
  const status = reviewed ? { authenticated: true, user: userInfoJson(reviewed) } : { authenticated: false, error: "invalid bearer token" };
  writeObject(res, 201, format, ri.resource, { ...base, kind: "TokenReview", spec: {}, status } as never);
}
