import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "@flotilla/api";
import { Authenticator } from "./authenticator.ts";
import { INVALID_SINCE_LABEL, LEGACY_ISSUER, legacyTokenGenerator, signLegacyToken, unverifiedIssuer, verifyLegacyToken } from "./legacy-tokens.ts";
import { DEFAULT_ISSUER, InvalidTokenError, issueToken } from "./sa-tokens.ts";

const keys = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
const { privateKey, publicKey } = keys();
const id = { namespace: "web", secretName: "ci-token", serviceAccount: { name: "ci", uid: "ci-uid" } };
const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

describe("legacy service-account tokens", () => {
  it("carry Kubernetes' legacy claims, no expiry, audience or id, and verify back to the identity", async () => {
    const token = await signLegacyToken(privateKey, id);
    expect(payloadOf(token)).toEqual({
      iss: "kubernetes/serviceaccount",
      sub: "system:serviceaccount:web:ci",
      "kubernetes.io/serviceaccount/namespace": "web",
      "kubernetes.io/serviceaccount/secret.name": "ci-token",
      "kubernetes.io/serviceaccount/service-account.name": "ci",
      "kubernetes.io/serviceaccount/service-account.uid": "ci-uid",
    });
    expect(unverifiedIssuer(token)).toBe(LEGACY_ISSUER);
    expect(await verifyLegacyToken(publicKey, token)).toEqual(id);
  });

  it("the generator the controller manager is given signs the same token format", async () => {
    const token = await legacyTokenGenerator(privateKey).generate({ namespace: "web", name: "ci", uid: "ci-uid" }, "ci-token");
    expect(await verifyLegacyToken(publicKey, token)).toEqual(id);
  });

  const custom = (claims: Record<string, unknown>, issuer = LEGACY_ISSUER) => new SignJWT(claims).setProtectedHeader({ alg: "ES256" }).setIssuer(issuer).sign(privateKey);
  const claims = {
    sub: "system:serviceaccount:web:ci",
    "kubernetes.io/serviceaccount/namespace": "web",
    "kubernetes.io/serviceaccount/secret.name": "ci-token",
    "kubernetes.io/serviceaccount/service-account.name": "ci",
    "kubernetes.io/serviceaccount/service-account.uid": "ci-uid",
  };
  it.each([
    ["checked with another key", async () => verifyLegacyToken(keys().publicKey, await signLegacyToken(privateKey, id))],
    ["tampered with", async () => {
      const [h, , s] = (await signLegacyToken(privateKey, id)).split(".");
      const forged = Buffer.from(JSON.stringify({ ...claims, iss: LEGACY_ISSUER, "kubernetes.io/serviceaccount/service-account.name": "admin", sub: "system:serviceaccount:web:admin" })).toString("base64url");
      return verifyLegacyToken(publicKey, `${h}.${forged}.${s}`);
    }],
    ["a bound token (another issuer)", async () => verifyLegacyToken(publicKey, (await issueToken({ issuer: DEFAULT_ISSUER, privateKey, publicKey }, { namespace: "web", serviceAccount: id.serviceAccount, audiences: [DEFAULT_ISSUER], expirationSeconds: 3600 })).token)],
    ["missing the secret name", async () => verifyLegacyToken(publicKey, await custom({ ...claims, "kubernetes.io/serviceaccount/secret.name": "" }))],
    ["missing the account uid", async () => verifyLegacyToken(publicKey, await custom({ ...claims, "kubernetes.io/serviceaccount/service-account.uid": undefined }))],
    ["naming another subject than its account", async () => verifyLegacyToken(publicKey, await custom({ ...claims, sub: "system:serviceaccount:kube-system:ci" }))],
  ])("a token is refused when %s", async (_why, check) => {
    await expect(check()).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it("the issuer of something that is not a JWT is unknown", () => {
    expect(unverifiedIssuer("a.b.c")).toBeUndefined();
  });
});

describe("authenticator and legacy tokens", () => {
  const objects = new Map<string, KubeObject>();
  const lookup = async (resource: string, ns: string | undefined, name: string) => objects.get(`${resource}/${ns}/${name}`);
  const account = (uid: string, extra: Partial<KubeObject["metadata"]> = {}) => objects.set("serviceaccounts/web/ci", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "ci", namespace: "web", uid, ...extra } });
  const secret = (token: string, over: { type?: string; labels?: Record<string, string>; deletionTimestamp?: string } = {}) =>
    objects.set("secrets/web/ci-token", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "ci-token", namespace: "web", uid: "s-uid", ...(over.labels ? { labels: over.labels } : {}), ...(over.deletionTimestamp ? { deletionTimestamp: over.deletionTimestamp } : {}) },
      type: over.type ?? "kubernetes.io/service-account-token",
      data: { token: Buffer.from(token).toString("base64") },
    });
  let now = Date.parse("2026-11-22T10:00:00Z");
  const fresh = () => new Authenticator(new Map(), { signer: { issuer: DEFAULT_ISSUER, publicKey }, audiences: [DEFAULT_ISSUER], lookup }, () => now);

  it("accepts a token its Secret holds, for its account, with the service-account groups", async () => {
    const token = await signLegacyToken(privateKey, id);
    account("ci-uid");
    secret(token);
    expect(await fresh().authenticate(`Bearer ${token}`)).toEqual({
      username: "system:serviceaccount:web:ci",
      uid: "ci-uid",
      groups: ["system:serviceaccounts", "system:serviceaccounts:web", "system:authenticated"],
    });
  });

  it.each([
    ["its Secret is deleted", () => objects.delete("secrets/web/ci-token")],
    ["its Secret is being deleted", (t: string) => secret(t, { deletionTimestamp: "2026-11-22T10:00:00Z" })],
    ["its Secret holds another token", () => secret("another")],
    ["its Secret is retired by the legacy-token clean-up", (t: string) => secret(t, { labels: { [INVALID_SINCE_LABEL]: "2026-11-01" } })],
    ["its Secret is replaced by one of another type", (t: string) => secret(t, { type: "Opaque" })],
    ["its account is deleted", () => objects.delete("serviceaccounts/web/ci")],
    ["its account is re-created (another uid)", () => account("other-uid")],
    ["its account is being deleted", () => account("ci-uid", { deletionTimestamp: "2026-11-22T10:00:00Z" })],
  ])("refuses the token once %s (after the cache window)", async (_why, change) => {
    now = Date.parse("2026-11-22T10:00:00Z");
    const token = await signLegacyToken(privateKey, id);
    account("ci-uid");
    secret(token);
    const auth = fresh();
    expect(await auth.authenticate(`Bearer ${token}`)).toBeDefined();
    change(token);
    expect(await auth.authenticate(`Bearer ${token}`)).toBeDefined(); // still cached
    now += 10_001;
    expect(await auth.authenticate(`Bearer ${token}`)).toBeUndefined();
  });

  it("a legacy token signed with another key is refused even if its Secret holds it", async () => {
    const token = await signLegacyToken(keys().privateKey, id);
    account("ci-uid");
    secret(token);
    expect(await fresh().authenticate(`Bearer ${token}`)).toBeUndefined();
  });
});
