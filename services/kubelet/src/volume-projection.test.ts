import type { PodObject } from "@flotilla/api";
import { describe, expect, it } from "vitest";
import { MountError } from "./volume-fs.ts";
import { apiVolumePayload, downwardApiFiles, formatMap, projectKeys, projectedPayload, type Fetched, type VolumeObject } from "./volume-projection.ts";

const b = (s: string): Buffer => Buffer.from(s);
const text = (m: Map<string, { data: Buffer; mode: number }>): Record<string, [string, string]> =>
  Object.fromEntries([...m].map(([k, f]) => [k, [f.data.toString(), f.mode.toString(8)]]));

const pod: PodObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web-1", namespace: "shop", uid: "u-123", labels: { tier: "front", app: "web" }, annotations: { note: 'say "hi"\nbye' } },
  spec: { containers: [{ name: "app", image: "x", resources: { limits: { memory: "64Mi", cpu: "250m" } } }] },
};

const fetched = (over: Partial<Fetched> = {}): Fetched => ({
  configMap: (name) => (name === "kube-root-ca.crt" ? { "ca.crt": b("CA PEM") } : undefined),
  secret: (name) => (name === "creds" ? { user: b("admin"), pass: Buffer.from([0, 0xff]) } : undefined),
  token: () => "tok-1",
  ...over,
});

describe("volume projection", () => {
  it("projection: every key becomes a file under its name with the default mode", () => {
    const out = projectKeys("v", { kind: "configmap", name: "cm" }, { a: b("1"), "b.conf": b("two") }, 0o644);
    expect(text(out)).toEqual({ a: ["1", "644"], "b.conf": ["two", "644"] });
  });

  it("projection: items pick keys, place them at their paths, and a mode overrides the default", () => {
    const items = [
      { key: "b.conf", path: "etc/app.conf" },
      { key: "a", path: "a-file", mode: 0o400 },
    ];
    const out = projectKeys("v", { kind: "configmap", name: "cm", items }, { a: b("1"), "b.conf": b("two"), unused: b("x") }, 0o640);
    expect(text(out)).toEqual({ "etc/app.conf": ["two", "640"], "a-file": ["1", "400"] });
  });

  it("projection: a missing object or key fails unless optional", () => {
    expect(() => projectKeys("vol", { kind: "configmap", name: "cm" }, undefined, 0o644)).toThrow(new MountError("vol", 'configmap "cm" not found'));
    expect(() => projectKeys("vol", { kind: "secret", name: "s" }, undefined, 0o644)).toThrow('secret "s" not found');
    expect(projectKeys("vol", { kind: "secret", name: "s", optional: true }, undefined, 0o644).size).toBe(0);
    const items = [{ key: "nope", path: "p" }];
    expect(() => projectKeys("vol", { kind: "secret", name: "s", items }, { a: b("1") }, 0o644)).toThrow("secret references non-existent secret key: nope");
    expect(() => projectKeys("vol", { kind: "configmap", name: "c", items }, { a: b("1") }, 0o644)).toThrow("configmap references non-existent config key: nope");
    expect(projectKeys("vol", { kind: "configmap", name: "c", items, optional: true }, { a: b("1") }, 0o644).size).toBe(0);
  });

  it("projection: downwardAPI writes metadata fields, sorted quoted label maps and resource limits", () => {
    const items = [
      { path: "name", fieldRef: { fieldPath: "metadata.name" } },
      { path: "ns", fieldRef: { fieldPath: "metadata.namespace" } },
      { path: "uid", fieldRef: { fieldPath: "metadata.uid" }, mode: 0o600 },
      { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
      { path: "annotations", fieldRef: { fieldPath: "metadata.annotations" } },
      { path: "tier", fieldRef: { fieldPath: "metadata.labels['tier']" } },
      { path: "mem", resourceFieldRef: { containerName: "app", resource: "limits.memory", divisor: "1Mi" } },
    ];
    expect(text(downwardApiFiles("v", items, 0o644, pod))).toEqual({
      name: ["web-1", "644"],
      ns: ["shop", "644"],
      uid: ["u-123", "600"],
      labels: ['app="web"\ntier="front"', "644"],
      annotations: ['note="say \\"hi\\"\\nbye"', "644"],
      tier: ["front", "644"],
      mem: ["64", "644"],
    });
    expect(formatMap({})).toBe("");
    expect(() => downwardApiFiles("v", [{ path: "ip", fieldRef: { fieldPath: "status.podIP" } }], 0o644, pod)).toThrow("unsupported fieldPath status.podIP");
  });

  it("projection: the kube-api-access volume holds the token, the cluster CA and the namespace, mode 0644", () => {
    const volume: VolumeObject = {
      name: "kube-api-access-abcde",
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
        ],
      },
    };
    expect(text(apiVolumePayload(volume, pod, fetched()))).toEqual({ token: ["tok-1", "644"], "ca.crt": ["CA PEM", "644"], namespace: ["shop", "644"] });
    // Without the CA ConfigMap (not optional) the volume cannot be set up.
    expect(() => apiVolumePayload(volume, pod, fetched({ configMap: () => undefined }))).toThrow('configmap "kube-root-ca.crt" not found');
  });

  it("projection: projected sources merge, later ones winning a shared path; a secret volume keeps binary bytes", () => {
    const out = projectedPayload("v", { sources: [{ secret: { name: "creds", items: [{ key: "user", path: "x" }] } }, { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "x" }] } }] }, pod, fetched());
    expect(text(out)).toEqual({ x: ["CA PEM", "644"] });
    const secret = apiVolumePayload({ name: "s", secret: { secretName: "creds", defaultMode: 0o400 } }, pod, fetched());
    expect(secret.get("pass")).toEqual({ data: Buffer.from([0, 0xff]), mode: 0o400 });
  });
});
