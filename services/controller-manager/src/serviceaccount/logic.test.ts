import { describe, expect, it } from "vitest";
import type { KubeObject } from "@flotilla/api";
import { planNamespace } from "./logic.ts";

const ns = (name: string, terminating = false): KubeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, ...(terminating ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) } });
const sa: KubeObject = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "web" } };
const cm = (data: Record<string, string>): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kube-root-ca.crt", namespace: "web", resourceVersion: "7", annotations: { a: "b" } }, data } as KubeObject);
const CA = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n";

describe("service accounts and root CA per namespace", () => {
  it.each([
    ["a new namespace gets both", { namespace: ns("web"), account: undefined, configMap: undefined, caPem: CA }, ["createAccount", "createConfigMap"]],
    ["an equipped namespace needs nothing", { namespace: ns("web"), account: sa, configMap: cm({ "ca.crt": CA }), caPem: CA }, []],
    ["a deleted default account comes back", { namespace: ns("web"), account: undefined, configMap: cm({ "ca.crt": CA }), caPem: CA }, ["createAccount"]],
    ["an account being deleted is replaced once gone (create is refused until then)", { namespace: ns("web"), account: { ...sa, metadata: { ...sa.metadata, deletionTimestamp: "x" } }, configMap: cm({ "ca.crt": CA }), caPem: CA }, ["createAccount"]],
    ["an edited CA is put back", { namespace: ns("web"), account: sa, configMap: cm({ "ca.crt": "other" }), caPem: CA }, ["updateConfigMap"]],
    ["an extra key is removed", { namespace: ns("web"), account: sa, configMap: cm({ "ca.crt": CA, x: "y" }), caPem: CA }, ["updateConfigMap"]],
    ["no CA given: only the account", { namespace: ns("web"), account: undefined, configMap: undefined, caPem: undefined }, ["createAccount"]],
    ["a terminating namespace gets nothing", { namespace: ns("web", true), account: undefined, configMap: undefined, caPem: CA }, []],
    ["a namespace that is gone gets nothing", { namespace: undefined, account: undefined, configMap: undefined, caPem: CA }, []],
  ])("%s", (_name, state, kinds) => {
    expect(planNamespace(state).map((a) => a.kind)).toEqual(kinds);
  });

  it("objects are created in the namespace with Kubernetes' names; an update keeps identity", () => {
    const [account, map] = planNamespace({ namespace: ns("web"), account: undefined, configMap: undefined, caPem: CA });
    expect(account!.object.metadata).toEqual({ name: "default", namespace: "web" });
    expect(map!.object.metadata.name).toBe("kube-root-ca.crt");
    expect(map!.object["data"]).toEqual({ "ca.crt": CA });
    const [upd] = planNamespace({ namespace: ns("web"), account: sa, configMap: cm({ "ca.crt": "old" }), caPem: CA });
    expect(upd!.object.metadata).toMatchObject({ resourceVersion: "7", annotations: { a: "b" } });
  });
});
