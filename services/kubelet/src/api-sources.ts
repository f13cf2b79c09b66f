/**
 * What pods' environments and volumes read from the apiserver: ConfigMaps, Secrets,
 * service-account tokens (TokenRequest) and the apiserver's own endpoint.
 *
 * Volume reads go through a short cache shared by the node's pods: every pod's
 * kube-api-access volume reads the same `kube-root-ca.crt`, and a hundred pods
 * resyncing each minute should cost a handful of GETs, not a hundred. Env reads stay
 * uncached (they happen once per container start, and must see a just-created object).
 */
import { NotFoundError } from "@flotilla/api/errors";
import type { KubeObject } from "@flotilla/api";
import { BusVerb, type ApiClient } from "@flotilla/bus";
import { kubernetesServiceEnv, type EndpointsLike, type EnvSources } from "./env.ts";
import type { KeyData } from "./volume-projection.ts";
import type { VolumeSources } from "./volumes.ts";

export interface ApiSourcesOptions {
  /** How long a ConfigMap or Secret read for a volume is reused. @default 5000 */
  volumeCacheMs?: number;
  /** Most objects kept in that cache; the oldest goes first. @default 1024 */
  volumeCacheSize?: number;
  /** How long the `default/kubernetes` Endpoints are reused. @default 30000 */
  endpointsCacheMs?: number;
  /** Read the apiserver's endpoint for KUBERNETES_SERVICE_*; hollow nodes do not. @default true */
  serviceEnv?: boolean;
}

interface Entry<T> {
  atMs: number;
  value: Promise<T>;
}

const decode = (data: Record<string, string> | undefined): Record<string, Buffer> => Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64")]));

export class ApiSources implements EnvSources, VolumeSources {
  private readonly client: ApiClient;
  private readonly opts: Required<ApiSourcesOptions>;
  private readonly cache = new Map<string, Entry<KubeObject | undefined>>();
  private endpoints: Entry<Record<string, string>> | undefined;

  constructor(client: ApiClient, opts: ApiSourcesOptions = {}) {
    this.client = client;
    this.opts = { volumeCacheMs: 5000, volumeCacheSize: 1024, endpointsCacheMs: 30_000, serviceEnv: true, ...opts };
  }

  async configMap(ns: string, name: string): Promise<Record<string, string> | undefined> {
    return (await this.getOrUndefined("configmaps", ns, name))?.["data"] as Record<string, string> | undefined;
  }

  async secret(ns: string, name: string): Promise<Record<string, string> | undefined> {
    const obj = await this.getOrUndefined("secrets", ns, name);
    return obj && Object.fromEntries(Object.entries(decode(obj["data"] as Record<string, string> | undefined)).map(([k, v]) => [k, v.toString("utf8")]));
  }

  async configMapData(ns: string, name: string): Promise<KeyData | undefined> {
    const obj = await this.cached("configmaps", ns, name);
    if (!obj) return undefined;
    const text = Object.entries((obj["data"] as Record<string, string> | undefined) ?? {}).map(([k, v]) => [k, Buffer.from(v, "utf8")] as const);
    return { ...Object.fromEntries(text), ...decode(obj["binaryData"] as Record<string, string> | undefined) };
  }

  async secretData(ns: string, name: string): Promise<KeyData | undefined> {
    const obj = await this.cached("secrets", ns, name);
    return obj && decode(obj["data"] as Record<string, string> | undefined);
  }

  async serviceAccountToken(ns: string, serviceAccount: string, rq: { audiences?: string[]; expirationSeconds: number; pod: { name: string; uid: string } }): Promise<{ token: string; expirationTimestamp: string }> {
    const body = {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {
        ...(rq.audiences ? { audiences: rq.audiences } : {}),
        expirationSeconds: rq.expirationSeconds,
        boundObjectRef: { apiVersion: "v1", kind: "Pod", name: rq.pod.name, uid: rq.pod.uid },
      },
    };
    const reply = await this.client.call<{ status?: { token?: string; expirationTimestamp?: string } }>(BusVerb.Create, "serviceaccounts", { namespace: ns, name: serviceAccount, subresource: "token", body });
    return { token: reply.status?.token ?? "", expirationTimestamp: reply.status?.expirationTimestamp ?? "" };
  }

  /** KUBERNETES_SERVICE_* from `default/kubernetes`, read at most every endpointsCacheMs. */
  async serviceEnv(): Promise<Record<string, string>> {
    if (!this.opts.serviceEnv) return {};
    const now = Date.now();
    if (!this.endpoints || now - this.endpoints.atMs > this.opts.endpointsCacheMs) {
      const value = this.getOrUndefined("endpoints", "default", "kubernetes").then((ep) => kubernetesServiceEnv(ep as EndpointsLike | undefined));
      const entry = { atMs: now, value };
      this.endpoints = entry;
      // A failed read is not kept: the next container start asks again.
      value.catch(() => {
        if (this.endpoints === entry) this.endpoints = undefined;
      });
    }
    return this.endpoints.value;
  }

  /** A volume read, shared by concurrent and recent callers; failures are not cached. */
  private cached(resource: string, ns: string, name: string): Promise<KubeObject | undefined> {
    const key = `${resource}/${ns}/${name}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.atMs <= this.opts.volumeCacheMs) return hit.value;
    const value = this.getOrUndefined(resource, ns, name);
    const entry = { atMs: now, value };
    this.cache.delete(key); // re-insert at the end: Map order is the eviction order
    this.cache.set(key, entry);
    value.catch(() => {
      if (this.cache.get(key) === entry) this.cache.delete(key);
    });
    while (this.cache.size > this.opts.volumeCacheSize) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }

  private async getOrUndefined(resource: string, ns: string, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.client.get(resource, ns, name);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }
}
