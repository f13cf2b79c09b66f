import { describe, expect, it } from "vitest";
import type { KubeObject } from "@flotilla/api";
import { admitServiceAccount, SERVICE_ACCOUNT_MOUNT_PATH } from "./service-account-admission.ts";
import { parseTokenRequest } from "./token-request.ts";

const pod = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "web" }, spec: { containers: [{ name: "a" }, { name: "b" }], ...spec } } as KubeObject);
const sa = (extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "web" }, ...extra } as KubeObject);
type Spec = { serviceAccountName?: string; serviceAccount?: string; volumes?: { name: string; projected?: { sources: object[] } }[]; containers: { volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }[]; initContainers?: { volumeMounts?: { mountPath: string }[] }[] };
const specOf = (p: KubeObject) => p["spec"] as Spec;

describe("service-account admission", () => {
  it("a pod runs as default and every container gets the token volume at the well-known path", () => {
    const p = pod({ initContainers: [{ name: "init" }] });
    admitServiceAccount(p, sa());
    const s = specOf(p);
    expect([s.serviceAccountName, s.serviceAccount]).toEqual(["default", "default"]);
    expect(s.volumes).toHaveLength(1);
    const vol = s.volumes![0]!;
    expect(vol.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(vol.projected!.sources).toEqual([
      { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
    ]);
    for (const c of [...s.containers, ...s.initContainers!]) expect(c.volumeMounts).toEqual([{ name: vol.name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }]);
  });

  it.each([
    ["the pod opts out", pod({ automountServiceAccountToken: false }), sa()],
    ["its account opts out", pod({}), sa({ automountServiceAccountToken: false })],
    ["every container mounts the path itself", pod({ volumes: [{ name: "mine" }], containers: [{ name: "a", volumeMounts: [{ name: "mine", mountPath: SERVICE_ACCOUNT_MOUNT_PATH }] }] }), sa()],
  ])("no token volume when %s", (_why, p, account) => {
    admitServiceAccount(p, account);
    expect((specOf(p).volumes ?? []).filter((v) => v.name.startsWith("kube-api-access-"))).toEqual([]);
  });

  it("the pod's own opt-in wins over its account's opt-out", () => {
    const p = pod({ automountServiceAccountToken: true });
    admitServiceAccount(p, sa({ automountServiceAccountToken: false }));
    expect(specOf(p).volumes).toHaveLength(1);
  });

  it("a named account that does not exist is refused; a missing default is not", () => {
    expect(() => admitServiceAccount(pod({ serviceAccountName: "ci" }), undefined)).toThrow(/forbidden: error looking up service account web\/ci/);
    const p = pod({});
    admitServiceAccount(p, undefined);
    expect(specOf(p).serviceAccountName).toBe("default");
    const legacy = pod({ serviceAccount: "ci" });
    admitServiceAccount(legacy, sa({ metadata: { name: "ci" } }));
    expect(specOf(legacy).serviceAccountName).toBe("ci");
  });
});

describe("TokenRequest", () => {
  const defaults = { audiences: ["https://kubernetes.default.svc.cluster.local"] };
  it("defaults: one hour, the apiserver's audience, no binding", () => {
    expect(parseTokenRequest({ apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} }, defaults)).toEqual({ spec: { audiences: defaults.audiences, expirationSeconds: 3600 }, causes: [] });
    expect(parseTokenRequest(undefined, defaults).causes).toEqual([]);
  });
  it.each([
    [{ spec: { expirationSeconds: 599 } }, "spec.expirationSeconds"],
    [{ spec: { expirationSeconds: "600" } }, "spec.expirationSeconds"],
    [{ spec: { audiences: "api" } }, "spec.audiences"],
    [{ spec: { audiences: [""] } }, "spec.audiences"],
    [{ spec: { boundObjectRef: { kind: "Deployment", name: "x" } } }, "spec.boundObjectRef.kind"],
    [{ spec: { boundObjectRef: { kind: "Pod" } } }, "spec.boundObjectRef.name"],
    [{ kind: "Pod" }, "kind"],
  ])("%j is refused, naming %s", (raw, field) => {
    expect(parseTokenRequest(raw, defaults).causes.map((c) => c.field)).toContain(field);
  });
  it("a binding and an audience are kept", () => {
    const { spec } = parseTokenRequest({ spec: { audiences: ["vault"], expirationSeconds: 7200, boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uid: "u" } } }, defaults);
    expect(spec).toEqual({ audiences: ["vault"], expirationSeconds: 7200, boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uid: "u" } });
  });
});
