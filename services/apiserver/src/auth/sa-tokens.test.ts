import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Authenticator } from "./authenticator.ts";
import type { KubeObject } from "@flotilla/api";
import { DEFAULT_ISSUER, InvalidTokenError, issueToken, looksLikeJwt, verifyToken } from "./sa-tokens.ts";

const keys = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
const signer = { issuer: DEFAULT_ISSUER, ...keys() };
const account = { name: "default", uid: "sa-uid" };
const rq = { namespace: "web", serviceAccount: account, audiences: [DEFAULT_ISSUER], expirationSeconds: 3600 };
const T0 = new Date("2026-11-22T10:00:00Z");

describe("service-account tokens", () => {
  it("a token verifies and carries the account, the bound pod and Kubernetes' claims", async () => {
    const { token, expiresAt } = await issueToken(signer, { ...rq, bound: { kind: "Pod", name: "web-1", uid: "pod-uid" } }, T0);
    expect(looksLikeJwt(token)).toBe(true);
    expect(expiresAt.toISOString()).toBe("2026-11-22T11:00:00.000Z");
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: DEFAULT_ISSUER, aud: [DEFAULT_ISSUER], sub: "system:serviceaccount:web:default", "kubernetes.io": { namespace: "web", serviceaccount: account, pod: { name: "web-1", uid: "pod-uid" } } });
    const v = await verifyToken(signer, token, [DEFAULT_ISSUER], T0);
    expect(v).toMatchObject({ namespace: "web", serviceAccount: account, bound: { kind: "Pod", name: "web-1", uid: "pod-uid" } });
    expect(typeof v.id).toBe("string");
  });

  it.each([
    ["expired (beyond 60 s of skew)", async (t: string) => verifyToken(signer, t, [DEFAULT_ISSUER], new Date(T0.getTime() + 3661_000))],
    ["for another audience", async (t: string) => verifyToken(signer, t, ["https://other"], T0)],
    ["from another issuer's view", async (t: string) => verifyToken({ ...signer, issuer: "https://other" }, t, [DEFAULT_ISSUER], T0)],
    ["checked with another key", async (t: string) => verifyToken({ issuer: DEFAULT_ISSUER, publicKey: keys().publicKey }, t, [DEFAULT_ISSUER], T0)],
    ["tampered with", async (t: string) => {
      const [h, p, s] = t.split(".");
      const claims = JSON.parse(Buffer.from(p!, "base64url").toString()) as Record<string, unknown>;
      claims["sub"] = "system:serviceaccount:kube-system:admin";
      return verifyToken(signer, `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`, [DEFAULT_ISSUER], T0);
    }],
  ])("a token is refused when %s", async (_why, check) => {
    const { token } = await issueToken(signer, rq, T0);
    await expect(check(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });
});

describe("authenticator", () => {
  const objects = new Map<string, KubeObject>();
  const put = (resource: string, ns: string, name: string, uid: string) => objects.set(`${resource}/${ns}/${name}`, { apiVersion: "v1", kind: "X", metadata: { name, namespace: ns, uid } });
  const lookup = async (resource: string, ns: string | undefined, name: string) => objects.get(`${resource}/${ns}/${name}`);
  let now = T0.getTime();
  const auth = new Authenticator(new Map([["admin-secret", "admin"]]), { signer, audiences: [DEFAULT_ISSUER], lookup }, () => now);

  it("the admin token is the admin; anything else unknown is nobody", async () => {
    expect(await auth.authenticate("Bearer admin-secret")).toMatchObject({ username: "admin", groups: ["system:masters", "system:authenticated"] });
    expect(await auth.authenticate("Bearer admin-secreT")).toBeUndefined();
    expect(await auth.authenticate("Basic YWRtaW4=")).toBeUndefined();
    expect(await auth.authenticate(undefined)).toBeUndefined();
    expect(await auth.authenticate("Bearer a.b.c")).toBeUndefined();
  });

  it("a service-account token works while its account and pod exist with the same uids", async () => {
    put("serviceaccounts", "web", "default", "sa-uid");
    put("pods", "web", "web-1", "pod-uid");
    const { token } = await issueToken(signer, { ...rq, bound: { kind: "Pod", name: "web-1", uid: "pod-uid" } }, T0);
    const user = await auth.authenticate(`Bearer ${token}`);
    expect(user).toMatchObject({ username: "system:serviceaccount:web:default", uid: "sa-uid", groups: ["system:serviceaccounts", "system:serviceaccounts:web", "system:authenticated"] });
    expect(user?.extra?.["authentication.kubernetes.io/pod-name"]).toEqual(["web-1"]);

    // The pod is replaced by another of the same name: after the cache window, the token is dead.
    put("pods", "web", "web-1", "new-pod-uid");
    expect(await auth.authenticate(`Bearer ${token}`)).toBeDefined(); // still cached
    now += 10_001;
    expect(await auth.authenticate(`Bearer ${token}`)).toBeUndefined();
  });

  it("deleting the account revokes its tokens", async () => {
    now = T0.getTime();
    put("serviceaccounts", "web", "ci", "ci-uid");
    const { token } = await issueToken(signer, { ...rq, serviceAccount: { name: "ci", uid: "ci-uid" } }, T0);
    expect((await auth.authenticate(`Bearer ${token}`))?.username).toBe("system:serviceaccount:web:ci");
    objects.delete("serviceaccounts/web/ci");
    now += 10_001;
    expect(await auth.authenticate(`Bearer ${token}`)).toBeUndefined();
  });
});
