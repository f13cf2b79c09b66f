import { describe, expect, it } from "vitest";
import type { KubeObject } from "@flotilla/api";
import { planTokenSecret, populatedSecret, type TokenSecretState } from "./tokens.ts";

const CA = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n";
const b64 = (s: string) => Buffer.from(s).toString("base64");
const account = (uid = "sa-uid", deleting = false): KubeObject => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "ci", namespace: "web", uid, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) } });

interface SecretShape {
  type?: string;
  name?: string | undefined;
  uid?: string;
  data?: Record<string, string>;
  deleting?: boolean;
}
function secret(s: SecretShape = {}): KubeObject {
  const annotations: Record<string, string> = { "kubectl.kubernetes.io/last-applied-configuration": "{}" };
  if (s.name !== undefined) annotations["kubernetes.io/service-account.name"] = s.name;
  if (s.uid !== undefined) annotations["kubernetes.io/service-account.uid"] = s.uid;
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "ci-token", namespace: "web", uid: "secret-uid", resourceVersion: "12", annotations, ...(s.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    type: s.type ?? "kubernetes.io/service-account-token",
    ...(s.data ? { data: s.data } : {}),
  };
}
const filled = { token: b64("jwt"), namespace: b64("web"), "ca.crt": b64(CA) };

describe("token Secrets", () => {
  it.each<[string, TokenSecretState, string]>([
    ["a new token Secret for an existing account is filled in", { secret: secret({ name: "ci" }), account: account(), caPem: CA }, "populate+token"],
    ["a filled-in Secret needs nothing", { secret: secret({ name: "ci", uid: "sa-uid", data: filled }), account: account(), caPem: CA }, "none"],
    ["a Secret naming a missing account is deleted", { secret: secret({ name: "ci" }), account: undefined, caPem: CA }, "delete:account missing"],
    ["a Secret of a deleted account is deleted, even filled in", { secret: secret({ name: "ci", uid: "sa-uid", data: filled }), account: undefined, caPem: CA }, "delete:account missing"],
    ["a Secret of an account re-created under its name is deleted", { secret: secret({ name: "ci", uid: "old-uid", data: filled }), account: account("new-uid"), caPem: CA }, "delete:account replaced"],
    ["a token the user supplied is kept; the rest is filled in", { secret: secret({ name: "ci", data: { token: b64("mine") } }), account: account(), caPem: CA }, "populate"],
    ["a changed CA is put back", { secret: secret({ name: "ci", uid: "sa-uid", data: { ...filled, "ca.crt": b64("old") } }), account: account(), caPem: CA }, "populate"],
    ["no CA given: a Secret without one is complete", { secret: secret({ name: "ci", uid: "sa-uid", data: { token: filled.token, namespace: filled.namespace } }), account: account(), caPem: undefined }, "none"],
    ["a Secret missing only the uid annotation gets it", { secret: secret({ name: "ci", data: filled }), account: account(), caPem: CA }, "populate"],
    ["an account being deleted gets no new token", { secret: secret({ name: "ci" }), account: account("sa-uid", true), caPem: CA }, "none"],
    ["a Secret being deleted is left alone", { secret: secret({ name: "ci", deleting: true }), account: undefined, caPem: CA }, "none"],
    ["a Secret of another type is not ours", { secret: secret({ name: "ci", type: "Opaque" }), account: undefined, caPem: CA }, "none"],
    ["a token Secret naming no account is left alone", { secret: secret({}), account: undefined, caPem: CA }, "none"],
    ["a Secret that is gone needs nothing", { secret: undefined, account: account(), caPem: CA }, "none"],
  ])("%s", (_name, state, want) => {
    const a = planTokenSecret(state);
    const got = a.kind === "delete" ? `delete:${a.why}` : a.kind === "populate" ? `populate${a.needsToken ? "+token" : ""}` : "none";
    expect(got).toBe(want);
  });

  it("a filled-in Secret carries the token, namespace, CA and the account's uid, and keeps its identity for a compare-and-set update", () => {
    const before = secret({ name: "ci", data: { extra: b64("kept") } });
    const after = populatedSecret(before, account(), CA, "header.payload.sig");
    expect(after.metadata).toMatchObject({ name: "ci-token", namespace: "web", uid: "secret-uid", resourceVersion: "12" });
    expect(after.metadata.annotations).toEqual({
      "kubectl.kubernetes.io/last-applied-configuration": "{}",
      "kubernetes.io/service-account.name": "ci",
      "kubernetes.io/service-account.uid": "sa-uid",
    });
    expect(after["data"]).toEqual({ extra: b64("kept"), token: b64("header.payload.sig"), namespace: b64("web"), "ca.crt": b64(CA) });
    expect(after["type"]).toBe("kubernetes.io/service-account-token");
    // The cached object is never changed.
    expect(before["data"]).toEqual({ extra: b64("kept") });
    expect(planTokenSecret({ secret: after, account: account(), caPem: CA }).kind).toBe("none");
  });

  it("without a new token the stored one stays", () => {
    const after = populatedSecret(secret({ name: "ci", data: { token: b64("mine") } }), account(), undefined, undefined);
    expect(after["data"]).toEqual({ token: b64("mine"), namespace: b64("web") });
  });
});
