import type { ContainerObject, PodObject } from "@flotilla/api";
import { describe, expect, it } from "vitest";
import { kubernetesServiceEnv, resolveEnv, type EnvSources } from "./env.ts";

const sources: EnvSources = { configMap: async () => undefined, secret: async () => undefined, serviceEnv: async () => ({}) };
const pod: PodObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [] } };
const ips = { podIp: "10.0.0.2", hostIp: "10.0.0.1" };

describe("container env", () => {
  it("env: KUBERNETES_SERVICE_* come from the first address and port of default/kubernetes, or not at all", () => {
    const endpoints = { subsets: [{ addresses: [{ ip: "192.168.1.10" }, { ip: "192.168.1.11" }], ports: [{ name: "https", port: 6443 }] }] };
    expect(kubernetesServiceEnv(endpoints)).toEqual({ KUBERNETES_SERVICE_HOST: "192.168.1.10", KUBERNETES_SERVICE_PORT: "6443", KUBERNETES_SERVICE_PORT_HTTPS: "6443" });
    expect(kubernetesServiceEnv(undefined)).toEqual({});
    expect(kubernetesServiceEnv({ subsets: [{ ports: [{ port: 6443 }] }] })).toEqual({});
  });

  it("env: the container's own variables win over the service variables and may refer to them", async () => {
    const c: ContainerObject = {
      name: "app",
      image: "x",
      env: [
        { name: "KUBERNETES_SERVICE_PORT", value: "1234" },
        { name: "API_URL", value: "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT_HTTPS)" },
      ],
    };
    const base = kubernetesServiceEnv({ subsets: [{ addresses: [{ ip: "10.1.1.1" }], ports: [{ port: 6443 }] }] });
    expect(await resolveEnv(c, pod, sources, ips, base)).toEqual({
      KUBERNETES_SERVICE_HOST: "10.1.1.1",
      KUBERNETES_SERVICE_PORT: "1234",
      KUBERNETES_SERVICE_PORT_HTTPS: "6443",
      API_URL: "https://10.1.1.1:6443",
    });
  });
});
