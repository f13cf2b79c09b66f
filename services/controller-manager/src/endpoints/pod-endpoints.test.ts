import { describe, expect, it } from "vitest";
import type { PodObject } from "@flotilla/api";
import { pod, service } from "./fixtures.ts";
import { addressTypesOf, findPort, managesEndpoints, podEndpointsChanged, servicesToSync, shouldPodBeInEndpoints } from "./pod-endpoints.ts";

describe("endpoints: which services are managed", () => {
  it.each([
    { name: "a ClusterIP service with a selector is", svc: service(), want: true },
    { name: "a service without a selector is not (its Endpoints are the user's)", svc: service({ selector: undefined }), want: false },
    { name: "an empty selector counts as none", svc: service({ selector: {} }), want: false },
    { name: "an ExternalName service is not", svc: service({ type: "ExternalName", externalName: "example.com" }), want: false },
    { name: "a headless service with a selector is", svc: service({ clusterIP: "None" }), want: true },
  ])("endpoints: $name", ({ svc, want }) => {
    expect(managesEndpoints(svc)).toBe(want);
  });
});

describe("endpoints: which pods are published", () => {
  it.each([
    { name: "a running pod with an IP is", p: pod("p1"), terminating: false, want: true },
    { name: "a not-ready pod is (as not ready)", p: pod("p1", { ready: false }), terminating: false, want: true },
    { name: "a pod without an IP is not", p: pod("p1", { ip: null }), terminating: false, want: false },
    { name: "a Succeeded pod is not", p: pod("p1", { phase: "Succeeded" }), terminating: false, want: false },
    { name: "a Failed pod is not", p: pod("p1", { phase: "Failed" }), terminating: false, want: false },
    { name: "a terminating pod is not, for Endpoints", p: pod("p1", { deleting: true }), terminating: false, want: false },
    { name: "a terminating pod is, for slices", p: pod("p1", { deleting: true }), terminating: true, want: true },
  ])("endpoints: $name", ({ p, terminating, want }) => {
    expect(shouldPodBeInEndpoints(p, terminating)).toBe(want);
  });
});

describe("endpoints: target port resolution", () => {
  const named = pod("p1", { ports: [{ name: "http", containerPort: 8081 }, { name: "dns", containerPort: 5353, protocol: "UDP" }] });
  it.each([
    { name: "a number is used as is", port: { port: 80, targetPort: 9000 }, p: pod("p1"), want: 9000 },
    { name: "an unset target port is the service port", port: { port: 80 }, p: pod("p1"), want: 80 },
    { name: "a name is looked up among the container ports", port: { port: 80, targetPort: "http" }, p: named, want: 8081 },
    { name: "a name must match the protocol too", port: { port: 53, targetPort: "dns", protocol: "TCP" }, p: named, want: undefined },
    { name: "a UDP name matches a UDP port", port: { port: 53, targetPort: "dns", protocol: "UDP" }, p: named, want: 5353 },
    { name: "a name the pod lacks resolves to nothing", port: { port: 80, targetPort: "metrics" }, p: named, want: undefined },
  ])("endpoints: $name", ({ port, p, want }) => {
    expect(findPort(p, port)).toBe(want);
  });

  it("endpoints: a named port of a sidecar (an init container that keeps running) is found; of a plain init container, not", () => {
    const base = pod("p1") as PodObject & { spec: NonNullable<PodObject["spec"]> };
    const withInit = (restartPolicy?: string): PodObject => ({ ...base, spec: { ...base.spec, initContainers: [{ name: "side", image: "envoy", ...(restartPolicy ? { restartPolicy } : {}), ports: [{ name: "proxy", containerPort: 15001 }] }] } });
    expect(findPort(withInit("Always"), { port: 80, targetPort: "proxy" })).toBe(15001);
    expect(findPort(withInit(), { port: 80, targetPort: "proxy" })).toBeUndefined();
  });
});

describe("endpoints: address families", () => {
  it.each([
    { name: "the service's ipFamilies, in order", svc: service({ ipFamilies: ["IPv6", "IPv4"] }), want: ["IPv6", "IPv4"] },
    { name: "the cluster IP's family when ipFamilies is missing", svc: service({ ipFamilies: undefined, clusterIP: "fd00::10" }), want: ["IPv6"] },
    { name: "both for a headless service without ipFamilies", svc: service({ ipFamilies: undefined, clusterIP: "None" }), want: ["IPv4", "IPv6"] },
  ])("endpoints: $name", ({ svc, want }) => {
    expect(addressTypesOf(svc)).toEqual(want);
  });
});

describe("endpoints: which pod changes matter", () => {
  const base = pod("p1");
  it.each([
    { name: "readiness turning False", cur: pod("p1", { ready: false }), want: { endpoints: true, membership: false } },
    { name: "deletion starting", cur: pod("p1", { deleting: true }), want: { endpoints: true, membership: false } },
    { name: "a new IP", cur: pod("p1", { ip: "10.0.0.99" }), want: { endpoints: true, membership: false } },
    { name: "becoming terminal", cur: pod("p1", { phase: "Failed" }), want: { endpoints: true, membership: false } },
    { name: "labels changing", cur: pod("p1", { labels: { app: "other" } }), want: { endpoints: false, membership: true } },
    { name: "the hostname changing", cur: pod("p1", { hostname: "h" }), want: { endpoints: false, membership: true } },
    { name: "nothing an endpoint shows (an annotation)", cur: { ...base, metadata: { ...base.metadata, annotations: { a: "b" } } }, want: { endpoints: false, membership: false } },
  ])("endpoints: $name", ({ cur, want }) => {
    expect(podEndpointsChanged(base, cur)).toEqual(want);
  });

  const web = service();
  const api = { ...service({ selector: { app: "api" } }), metadata: { name: "api", namespace: "default" } };
  const manual = { ...service({ selector: undefined }), metadata: { name: "manual", namespace: "default" } };
  const names = (svcs: readonly { metadata?: { name?: string } }[]) => svcs.map((s) => s.metadata?.name);
  it.each([
    { name: "an added pod: the services selecting it", old: undefined, cur: pod("p1"), want: ["web"] },
    { name: "a deleted pod: the services that selected it", old: pod("p1"), cur: undefined, want: ["web"] },
    { name: "readiness changed: the services selecting it", old: pod("p1"), cur: pod("p1", { ready: false }), want: ["web"] },
    { name: "relabelled: the services selecting the old pod and the new one", old: pod("p1"), cur: pod("p1", { labels: { app: "api" } }), want: ["web", "api"] },
    { name: "an irrelevant change: none", old: pod("p1"), cur: { ...pod("p1"), metadata: { ...pod("p1").metadata, annotations: { x: "y" } } }, want: [] },
  ])("endpoints: $name", ({ old, cur, want }) => {
    expect(names(servicesToSync(old, cur, [web, api, manual]))).toEqual(want);
  });
});
