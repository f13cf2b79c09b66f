/**
 * `serviceaccounts/<name>/token` (TokenRequest): a signed token for an existing account,
 * optionally bound to a pod, secret or node of the same cluster. Nothing is stored: the
 * reply carries the token and its expiry. kubectl's `create token` and the kubelet's
 * projected token volumes both come through here.
 */
import { ConflictError, InvalidError, resourceInfo, type KubeObject, type StatusCause } from "@flotilla/api";
import { rfc3339 } from "@flotilla/api/time";
import { issueToken, type BoundObject, type TokenSigner } from "../auth/sa-tokens.ts";
import type { ApiService } from "./service.ts";
import { nowTimestamp } from "./strategy.ts";

/** Kubernetes' floor: shorter-lived tokens would be refreshed too often. */
export const MIN_EXPIRATION_SECONDS = 600;
/** When the request names none: one hour, as Kubernetes. */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
/** Kubernetes' ceiling (2^32 s); a cluster policy may want less, which is for the security work. */
const MAX_EXPIRATION_SECONDS = 2 ** 32;

export interface TokenIssuer extends TokenSigner {
  /** Audiences a token gets when the request names none. */
  audiences: readonly string[];
}

interface TokenRequestSpec {
  audiences: string[];
  expirationSeconds: number;
  boundObjectRef?: { kind: BoundObject["kind"]; apiVersion: string; name: string; uid?: string };
}

const BOUND_KINDS = new Set(["Pod", "Secret", "Node"]);

/** The request's spec with defaults applied, or the fields that are wrong. */
export function parseTokenRequest(raw: unknown, defaults: { audiences: readonly string[] }): { spec: TokenRequestSpec; causes: StatusCause[] } {
  const causes: StatusCause[] = [];
  const bad = (field: string, message: string, reason = "FieldValueInvalid") => causes.push({ reason, message, field });
  const obj = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  if (obj["kind"] !== undefined && obj["kind"] !== "TokenRequest") bad("kind", `must be TokenRequest, not ${JSON.stringify(obj["kind"])}`);
  const spec = (obj["spec"] ?? {}) as Record<string, unknown>;
  if (typeof spec !== "object" || Array.isArray(spec)) bad("spec", "must be an object", "FieldValueTypeInvalid");
  const out: TokenRequestSpec = { audiences: [...defaults.audiences], expirationSeconds: DEFAULT_EXPIRATION_SECONDS };
  const aud = spec["audiences"];
  if (aud !== undefined && aud !== null) {
    if (!Array.isArray(aud) || aud.some((a) => typeof a !== "string" || a === "")) bad("spec.audiences", "must be a list of non-empty strings");
    else if (aud.length > 0) out.audiences = aud as string[];
  }
  const exp = spec["expirationSeconds"];
  if (exp !== undefined && exp !== null) {
    if (!Number.isInteger(exp)) bad("spec.expirationSeconds", "must be an integer", "FieldValueTypeInvalid");
    else if ((exp as number) < MIN_EXPIRATION_SECONDS) bad("spec.expirationSeconds", `may not specify a duration less than ${MIN_EXPIRATION_SECONDS} seconds`);
    else if ((exp as number) > MAX_EXPIRATION_SECONDS) bad("spec.expirationSeconds", `may not specify a duration larger than ${MAX_EXPIRATION_SECONDS} seconds`);
    else out.expirationSeconds = exp as number;
  }
  const ref = spec["boundObjectRef"] as Record<string, unknown> | undefined | null;
  if (ref !== undefined && ref !== null) {
    if (typeof ref["kind"] !== "string" || !BOUND_KINDS.has(ref["kind"])) bad("spec.boundObjectRef.kind", "must be Pod, Secret or Node", "FieldValueNotSupported");
    if (ref["apiVersion"] !== undefined && ref["apiVersion"] !== "v1") bad("spec.boundObjectRef.apiVersion", "must be v1");
    if (typeof ref["name"] !== "string" || ref["name"] === "") bad("spec.boundObjectRef.name", "is required", "FieldValueRequired");
    if (ref["uid"] !== undefined && typeof ref["uid"] !== "string") bad("spec.boundObjectRef.uid", "must be a string", "FieldValueTypeInvalid");
    if (causes.length === 0) {
      out.boundObjectRef = { kind: ref["kind"] as BoundObject["kind"], apiVersion: "v1", name: ref["name"] as string, ...(typeof ref["uid"] === "string" && ref["uid"] ? { uid: ref["uid"] } : {}) };
    }
  }
  return { spec: out, causes };
}

/** Issue a token for `namespace/name`; the reply is the TokenRequest with its status. */
export async function requestToken(svc: ApiService, issuer: TokenIssuer, namespace: string, name: string, raw: unknown, now = new Date()): Promise<KubeObject> {
  const { spec, causes } = parseTokenRequest(raw, issuer);
  if (causes.length > 0) throw new InvalidError("TokenRequest", "authentication.k8s.io", name, causes);
  // Read from the store, not the cache: an account created a moment ago must be found.
  const sa = await svc.get(resourceInfo("", "serviceaccounts")!, namespace, name);
  let bound: BoundObject | undefined;
  const ref = spec.boundObjectRef;
  if (ref) {
    const resource = ref.kind === "Pod" ? "pods" : ref.kind === "Secret" ? "secrets" : "nodes";
    const target = await svc.get(resourceInfo("", resource)!, ref.kind === "Node" ? undefined : namespace, ref.name);
    const uid = target.metadata.uid ?? "";
    if (ref.uid && ref.uid !== uid) {
      // The named object was replaced by another of the same name: refuse, as Kubernetes does.
      throw new ConflictError({ group: "", resource, name: ref.name }, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    bound = { kind: ref.kind, name: ref.name, uid };
    ref.uid = uid;
  }
  const { token, expiresAt } = await issueToken(issuer, { namespace, serviceAccount: { name, uid: sa.metadata.uid ?? "" }, bound, audiences: spec.audiences, expirationSeconds: spec.expirationSeconds }, now);
  return {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    metadata: { name, namespace, creationTimestamp: nowTimestamp(now) },
    spec,
    status: { token, expirationTimestamp: rfc3339(expiresAt.getTime()) },
  } as KubeObject;
}
