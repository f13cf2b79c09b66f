import { NotFoundError, type KubeObject } from "@flotilla/api";
import type { ApiClient, BusRequest } from "@flotilla/bus";
import { describe, expect, it } from "vitest";
import { ApiSources } from "./api-sources.ts";

/** Answers GETs from a map and records every request, as the bus would carry them. */
function fakeClient(objects: Record<string, KubeObject>) {
  const gets: string[] = [];
  const calls: { verb: string; resource: string; rq: BusRequest }[] = [];
  const client = {
    get: async (resource: string, ns: string, name: string) => {
      gets.push(`${resource}/${ns}/${name}`);
      const o = objects[`${resource}/${ns}/${name}`];
      if (!o) throw new NotFoundError({ group: "", resource, name });
      return o;
    },
    call: async (verb: string, resource: string, rq: BusRequest) => {
      calls.push({ verb, resource, rq });
      return { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", status: { token: "jwt", expirationTimestamp: "2030-01-01T00:00:00Z" } };
    },
  } as unknown as ApiClient;
  return { client, gets, calls };
}

const obj = (kind: string, fields: Record<string, unknown>): KubeObject => ({ apiVersion: "v1", kind, metadata: { name: "x" }, ...fields }) as KubeObject;

describe("api sources", () => {
  it("sources: a token is asked for with a TokenRequest bound to the pod on serviceaccounts/<name>/token", async () => {
    const { client, calls } = fakeClient({});
    const got = await new ApiSources(client).serviceAccountToken("shop", "builder", { audiences: ["vault"], expirationSeconds: 3607, pod: { name: "web", uid: "u1" } });
    expect(got).toEqual({ token: "jwt", expirationTimestamp: "2030-01-01T00:00:00Z" });
    expect(calls).toEqual([
      {
        verb: "create",
        resource: "serviceaccounts",
        rq: {
          namespace: "shop",
          name: "builder",
          subresource: "token",
          body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: ["vault"], expirationSeconds: 3607, boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "web", uid: "u1" } } },
        },
      },
    ]);
  });

  it("sources: volume reads decode Secrets and binaryData to bytes, and recent reads are shared", async () => {
    const { client, gets } = fakeClient({
      "configmaps/ns/cm": obj("ConfigMap", { data: { a: "text" }, binaryData: { b: Buffer.from([1, 2, 255]).toString("base64") } }),
      "secrets/ns/s": obj("Secret", { data: { k: Buffer.from([0, 255]).toString("base64") } }),
    });
    const src = new ApiSources(client);
    expect(await src.configMapData("ns", "cm")).toEqual({ a: Buffer.from("text"), b: Buffer.from([1, 2, 255]) });
    expect(await src.secretData("ns", "s")).toEqual({ k: Buffer.from([0, 255]) });
    expect(await src.configMapData("ns", "missing")).toBeUndefined();
    await Promise.all([src.configMapData("ns", "cm"), src.configMapData("ns", "cm")]);
    expect(gets).toEqual(["configmaps/ns/cm", "secrets/ns/s", "configmaps/ns/missing"]);
    // Env reads are never cached: a container must see an object created a moment ago.
    await src.configMap("ns", "cm");
    await src.configMap("ns", "cm");
    expect(gets.filter((g) => g === "configmaps/ns/cm")).toHaveLength(3);
  });

  it("sources: the apiserver's endpoint is read once per cache period; hollow nodes never read it", async () => {
    const endpoints = obj("Endpoints", { subsets: [{ addresses: [{ ip: "10.0.0.5" }], ports: [{ name: "https", port: 6443 }] }] });
    const { client, gets } = fakeClient({ "endpoints/default/kubernetes": endpoints });
    const src = new ApiSources(client);
    expect(await src.serviceEnv()).toEqual({ KUBERNETES_SERVICE_HOST: "10.0.0.5", KUBERNETES_SERVICE_PORT: "6443", KUBERNETES_SERVICE_PORT_HTTPS: "6443" });
    await src.serviceEnv();
    expect(gets).toEqual(["endpoints/default/kubernetes"]);
    expect(await new ApiSources(fakeClient({}).client).serviceEnv()).toEqual({});
    const hollow = fakeClient({ "endpoints/default/kubernetes": endpoints });
    expect(await new ApiSources(hollow.client, { serviceEnv: false }).serviceEnv()).toEqual({});
    expect(hollow.gets).toEqual([]);
  });
});
