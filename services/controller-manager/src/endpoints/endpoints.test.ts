import { describe, expect, it } from "vitest";
import type { EndpointsObject, PodObject, ServiceObject } from "@flotilla/api";
import { HEADLESS_LABEL } from "./pod-endpoints.ts";
import { deepFreeze, pod, service } from "./fixtures.ts";
import { canonicalSubsets, desiredEndpoints, ENDPOINTS_CONTROLLER_NAME, ENDPOINTS_MANAGED_BY_LABEL, OVER_CAPACITY_ANNOTATION, planEndpoints, truncateSubsets, type EndpointSubset } from "./endpoints.ts";

const MANAGED = { [ENDPOINTS_MANAGED_BY_LABEL]: ENDPOINTS_CONTROLLER_NAME };

/** A subset as "ready ips | not-ready ips | ports", the way a reader checks it. */
function summary(subsets: readonly EndpointSubset[]): string[] {
  const ips = (as: EndpointSubset["addresses"]) => (as ?? []).map((a) => `${a.ip}(${a.targetRef?.name ?? ""})`).join(",");
  return subsets.map((s) => `${ips(s.addresses)} | ${ips(s.notReadyAddresses)} | ${(s.ports ?? []).map((p) => `${p.name ?? ""}:${p.port}/${p.protocol ?? ""}`).join(",")}`);
}

const named = (name: string, port: number, o: Parameters<typeof pod>[1] = {}) => pod(name, { ...o, ports: [{ name: "http", containerPort: port }] });

describe("endpoints: desired subsets", () => {
  it.each<{ name: string; svc: ServiceObject; pods: PodObject[]; want: string[] }>([
    { name: "ready pods are addresses, sorted by IP", svc: service(), pods: [pod("p2"), pod("p1")], want: ["10.0.0.1(p1),10.0.0.2(p2) |  | :8080/TCP"] },
    { name: "a not-ready pod is a notReadyAddress of the same subset", svc: service(), pods: [pod("p1"), pod("p2", { ready: false })], want: ["10.0.0.1(p1) | 10.0.0.2(p2) | :8080/TCP"] },
    { name: "publishNotReadyAddresses puts every pod in addresses", svc: service({ publishNotReadyAddresses: true }), pods: [pod("p1", { ready: false })], want: ["10.0.0.1(p1) |  | :8080/TCP"] },
    { name: "a terminating pod is left out", svc: service(), pods: [pod("p1"), pod("p2", { deleting: true })], want: ["10.0.0.1(p1) |  | :8080/TCP"] },
    { name: "a terminating pod stays with publishNotReadyAddresses", svc: service({ publishNotReadyAddresses: true }), pods: [pod("p1", { deleting: true })], want: ["10.0.0.1(p1) |  | :8080/TCP"] },
    { name: "terminal pods and pods without an IP are left out", svc: service(), pods: [pod("p1", { phase: "Succeeded" }), pod("p2", { ip: null })], want: [] },
    { name: "no pods: no subsets", svc: service(), pods: [], want: [] },
    {
      name: "two pods sharing an IP (host network) are two addresses",
      svc: service(),
      pods: [pod("p1", { ip: "127.0.0.1" }), pod("p2", { ip: "127.0.0.1" })],
      want: ["127.0.0.1(p1),127.0.0.1(p2) |  | :8080/TCP"],
    },
    {
      name: "ports reaching the same addresses share a subset",
      svc: service({ ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }, { name: "admin", port: 81, targetPort: 9090, protocol: "TCP" }] }),
      pods: [pod("p1")],
      want: ["10.0.0.1(p1) |  | admin:9090/TCP,http:8080/TCP"],
    },
    {
      name: "a named target port resolves per pod: pods with different numbers get different subsets",
      svc: service({ ports: [{ port: 80, targetPort: "http", protocol: "TCP" }] }),
      pods: [named("p1", 8080), named("p2", 8081), named("p3", 8080)],
      want: ["10.0.0.1(p1),10.0.0.3(p3) |  | :8080/TCP", "10.0.0.2(p2) |  | :8081/TCP"],
    },
    {
      name: "a pod without the named port is left out of that port only",
      svc: service({ ports: [{ name: "web", port: 80, targetPort: "http", protocol: "TCP" }, { name: "raw", port: 81, targetPort: 9000, protocol: "TCP" }] }),
      pods: [named("p1", 8080), pod("p2")],
      want: ["10.0.0.1(p1) |  | web:8080/TCP", "10.0.0.1(p1),10.0.0.2(p2) |  | raw:9000/TCP"],
    },
    { name: "a headless service without ports publishes addresses without ports", svc: service({ clusterIP: "None", ports: [] }), pods: [pod("p1")], want: ["10.0.0.1(p1) |  | "] },
    { name: "the pod IP of the service's family is chosen", svc: service({ ipFamilies: ["IPv6"], clusterIP: "fd00::10" }), pods: [pod("p1", { ip: ["10.0.0.1", "fd00::1"] }), pod("p2")], want: ["fd00::1(p1) |  | :8080/TCP"] },
  ])("endpoints: $name", ({ svc, pods, want }) => {
    expect(summary(desiredEndpoints(svc, pods))).toEqual(want);
  });

  it("endpoints: each address names its pod and node; a pod in the service's subdomain gives its hostname", () => {
    const [subset] = desiredEndpoints(service(), [pod("p1", { hostname: "h1", subdomain: "web" })]);
    expect(subset?.addresses).toEqual([{ ip: "10.0.0.1", hostname: "h1", nodeName: "node-1", targetRef: { kind: "Pod", namespace: "default", name: "p1", uid: "uid-p1" } }]);
    const [other] = desiredEndpoints(service(), [pod("p1", { hostname: "h1", subdomain: "elsewhere" })]);
    expect(other?.addresses?.[0]?.hostname).toBeUndefined();
  });

  it("endpoints: the result does not depend on the order of the pods", () => {
    const pods = [pod("p3", { ready: false }), pod("p1"), named("p2", 8080)];
    expect(desiredEndpoints(service(), pods)).toEqual(desiredEndpoints(service(), [...pods].reverse()));
  });
});

describe("endpoints: truncation at capacity", () => {
  const addr = (i: number) => ({ ip: `10.1.${Math.floor(i / 250)}.${i % 250}` });
  const subset = (ready: number, notReady: number): EndpointSubset => ({
    ...(ready > 0 ? { addresses: Array.from({ length: ready }, (_, i) => addr(i)) } : {}),
    ...(notReady > 0 ? { notReadyAddresses: Array.from({ length: notReady }, (_, i) => addr(1000 + i)) } : {}),
  });
  const count = (ss: EndpointSubset[]) => ss.map((s) => [s.addresses?.length ?? 0, s.notReadyAddresses?.length ?? 0]);
  it.each([
    { name: "within capacity nothing is cut", subsets: [subset(5, 5)], want: [[5, 5]], cut: false },
    { name: "not-ready addresses go first, in proportion", subsets: [subset(4, 6), subset(2, 2)], want: [[4, 3], [2, 1]], cut: true },
    { name: "too many ready ones: every not-ready one goes, ready ones in proportion", subsets: [subset(9, 1), subset(3, 0)], want: [[8, 0], [2, 0]], cut: true },
  ])("endpoints: $name", ({ subsets, want, cut }) => {
    const ss = [...subsets];
    expect(truncateSubsets(ss, 10)).toBe(cut);
    expect(count(ss)).toEqual(want);
  });
});

describe("endpoints: the write", () => {
  const stored = (subsets: EndpointSubset[], o: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): EndpointsObject =>
    deepFreeze({ apiVersion: "v1", kind: "Endpoints", metadata: { name: "web", namespace: "default", uid: "uid-ep", resourceVersion: "42", ...o }, subsets });

  it("endpoints: no Endpoints yet: create them with the service's labels and this controller's", () => {
    const write = planEndpoints(service({}, { labels: { tier: "front" } }), [pod("p1")], undefined);
    expect(write?.verb).toBe("create");
    expect(write?.endpoints.metadata).toEqual({ name: "web", namespace: "default", labels: { tier: "front", ...MANAGED } });
    expect(summary(write?.endpoints.subsets ?? [])).toEqual(["10.0.0.1(p1) |  | :8080/TCP"]);
  });

  it("endpoints: unchanged subsets and labels: no write, even if stored in another order and with pod resourceVersions", () => {
    const svc = service();
    const pods = [pod("p1"), pod("p2")];
    const [s] = desiredEndpoints(svc, pods);
    const shuffled = { ...s, addresses: [...(s?.addresses ?? [])].reverse().map((a) => ({ ...a, targetRef: { ...a.targetRef, resourceVersion: "99" } })) };
    expect(planEndpoints(svc, pods, stored([shuffled], { labels: MANAGED }))).toBeUndefined();
  });

  it("endpoints: a pod turning unready is an update over the cached resourceVersion that keeps foreign annotations", () => {
    const svc = service();
    const current = stored(desiredEndpoints(svc, [pod("p1"), pod("p2")]), { labels: MANAGED, annotations: { note: "kept" } });
    const write = planEndpoints(svc, [pod("p1"), pod("p2", { ready: false })], current);
    expect(write?.verb).toBe("update");
    expect(write?.endpoints.metadata.resourceVersion).toBe("42");
    expect(write?.endpoints.metadata.annotations).toEqual({ note: "kept" });
    expect(summary(write?.endpoints.subsets ?? [])).toEqual(["10.0.0.1(p1) | 10.0.0.2(p2) | :8080/TCP"]);
  });

  it("endpoints: changed service labels are copied; a headless service is labelled so", () => {
    const svc = service({ clusterIP: "None" }, { labels: { tier: "back" } });
    const write = planEndpoints(svc, [pod("p1")], stored(desiredEndpoints(svc, [pod("p1")])));
    expect(write?.endpoints.metadata.labels).toEqual({ tier: "back", [HEADLESS_LABEL]: "", ...MANAGED });
  });

  it("endpoints: over capacity the stored addresses are cut to 1000 and annotated; in capacity again, the annotation goes", () => {
    const many = Array.from({ length: 1001 }, (_, i) => pod(`p${i}`, { ip: `10.2.${Math.floor(i / 250)}.${i % 250}` }));
    const write = planEndpoints(service(), many, undefined);
    expect(write?.endpoints.subsets?.[0]?.addresses).toHaveLength(1000);
    expect(write?.endpoints.metadata.annotations).toEqual({ [OVER_CAPACITY_ANNOTATION]: "truncated" });
    const back = planEndpoints(service(), many.slice(0, 3), stored(write?.endpoints.subsets ?? [], { labels: MANAGED, annotations: { [OVER_CAPACITY_ANNOTATION]: "truncated" } }));
    expect(back?.endpoints.metadata.annotations).toBeUndefined();
  });

  it("endpoints: canonical subsets ignore order but not readiness", () => {
    const a: EndpointSubset[] = [{ addresses: [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }], ports: [{ port: 1 }] }];
    const b: EndpointSubset[] = [{ addresses: [{ ip: "10.0.0.2" }, { ip: "10.0.0.1" }], ports: [{ port: 1, protocol: "TCP" }] }];
    const c: EndpointSubset[] = [{ addresses: [{ ip: "10.0.0.1" }], notReadyAddresses: [{ ip: "10.0.0.2" }], ports: [{ port: 1 }] }];
    expect(canonicalSubsets(a)).toBe(canonicalSubsets(b));
    expect(canonicalSubsets(a)).not.toBe(canonicalSubsets(c));
  });
});
