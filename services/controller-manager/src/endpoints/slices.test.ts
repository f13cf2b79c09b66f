import { describe, expect, it } from "vitest";
import type { EndpointSliceObject } from "@flotilla/api";
import { endpoint, pod, podNames, service, slice } from "./fixtures.ts";
import { CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, newSlice } from "./slice-endpoints.ts";
import { desiredSlices, type SlicePlan } from "./slices.ts";

/** What a plan does, as names: "+[pods]" for a create, "name=[pods]" for an update, "-name" for a delete. */
function summary(plan: SlicePlan): string[] {
  const eps = (s: EndpointSliceObject) => `[${podNames(s.endpoints).join(",")}]`;
  return [...plan.create.map((s) => `+${eps(s)}`), ...plan.update.map((s) => `${s.metadata.name ?? ""}=${eps(s)}`), ...plan.delete.map((s) => `-${s.metadata?.name ?? ""}`)];
}

const placeholder = () => {
  const s = newSlice(service(), "IPv4", [], []);
  return { ...s, metadata: { ...s.metadata, name: "web-empty", uid: "uid-empty", resourceVersion: "3" } };
};

describe("endpointslices: what to create, update and delete", () => {
  it.each<{ name: string; pods: ReturnType<typeof pod>[]; existing: EndpointSliceObject[]; want: string[]; svc?: ReturnType<typeof service> }>([
    { name: "new service with two pods: one slice", pods: [pod("p1"), pod("p2")], existing: [], want: ["+[p1,p2]"] },
    { name: "no pods and no slices: an empty placeholder", pods: [], existing: [], want: ["+[]"] },
    { name: "no pods and the placeholder: nothing", pods: [], existing: [placeholder()], want: [] },
    { name: "pods arrive: the placeholder is filled, not replaced", pods: [pod("p1")], existing: [placeholder()], want: ["web-empty=[p1]"] },
    { name: "nothing changed: nothing to write", pods: [pod("p1"), pod("p2")], existing: [slice("web-a", [endpoint("p1"), endpoint("p2")])], want: [] },
    { name: "a pod turns unready: its endpoint changes in place", pods: [pod("p1"), pod("p2", { ready: false })], existing: [slice("web-a", [endpoint("p1"), endpoint("p2")])], want: ["web-a=[p1,p2]"] },
    { name: "a pod goes away: the slice keeps the others", pods: [pod("p1")], existing: [slice("web-a", [endpoint("p1"), endpoint("p2")])], want: ["web-a=[p1]"] },
    { name: "the last pod goes: the slice becomes the placeholder (one update, no delete and create)", pods: [], existing: [slice("web-a", [endpoint("p1")])], want: ["web-a=[]"] },
    { name: "a new pod joins the slice with room that it fills best", pods: [pod("p1"), pod("p2"), pod("p3")], existing: [slice("web-a", [endpoint("p1")]), slice("web-b", [endpoint("p2")])], want: ["web-a=[p1,p3]"] },
    {
      name: "an endpoint listed twice is kept once",
      pods: [pod("p1"), pod("p2")],
      existing: [slice("web-a", [endpoint("p1"), endpoint("p2")]), slice("web-b", [endpoint("p2")])],
      want: ["-web-b"],
    },
    { name: "a slice of an earlier service of the same name is deleted, never reused", pods: [pod("p1")], existing: [slice("web-old", [endpoint("p1")], { uid: "uid-before" })], want: ["+[p1]", "-web-old"] },
    { name: "a slice of a family the service no longer has is deleted", pods: [pod("p1")], existing: [slice("web-a", [endpoint("p1")]), slice("web-v6", [], { addressType: "IPv6" })], want: ["-web-v6"] },
    { name: "a service being deleted gets no new slices", pods: [pod("p1")], existing: [], svc: service({}, { deleting: true }), want: [] },
  ])("endpointslices: $name", ({ pods, existing, want, svc }) => {
    expect(summary(desiredSlices(svc ?? service(), pods, existing))).toEqual(want);
  });

  it("endpointslices: a new slice is named from the service, labelled, owned by it, and lists each pod with its conditions", () => {
    const [created] = desiredSlices(service({}, { labels: { tier: "front" } }), [pod("p1"), pod("p2", { ready: false })], []).create;
    expect(created?.metadata).toEqual({
      generateName: "web-",
      namespace: "default",
      labels: { tier: "front", [SERVICE_NAME_LABEL]: "web", [MANAGED_BY_LABEL]: CONTROLLER_NAME },
      ownerReferences: [{ apiVersion: "v1", kind: "Service", name: "web", uid: "uid-web", controller: true, blockOwnerDeletion: true }],
    });
    expect(created?.addressType).toBe("IPv4");
    expect(created?.ports).toEqual([{ name: "", port: 8080, protocol: "TCP" }]);
    expect(created?.endpoints).toEqual([endpoint("p1"), endpoint("p2", { ready: false })]);
  });

  it.each([
    { name: "a terminating ready pod is serving and terminating, not ready", svc: service(), want: { ready: false, serving: true, terminating: true } },
    { name: "with publishNotReadyAddresses it stays ready", svc: service({ publishNotReadyAddresses: true }), want: { ready: true, serving: true, terminating: true } },
  ])("endpointslices: $name", ({ svc, want }) => {
    const [created] = desiredSlices(svc, [pod("p1", { deleting: true })], []).create;
    expect(created?.endpoints[0]?.conditions).toEqual(want);
  });

  it("endpointslices: at most maxEndpointsPerSlice endpoints per slice", () => {
    const pods = Array.from({ length: 250 }, (_, i) => pod(`p${i}`, { ip: `10.3.${Math.floor(i / 200)}.${i % 200}` }));
    const plan = desiredSlices(service(), pods, [], { maxEndpointsPerSlice: 100 });
    expect(plan.create.map((s) => s.endpoints.length)).toEqual([100, 100, 50]);
    expect(new Set(plan.create.flatMap((s) => podNames(s.endpoints))).size).toBe(250);
  });

  it("endpointslices: new endpoints that do not fit any existing slice get a new one", () => {
    const full = slice("web-full", [endpoint("p1"), endpoint("p2")]);
    expect(summary(desiredSlices(service(), [pod("p1"), pod("p2"), pod("p3")], [full], { maxEndpointsPerSlice: 2 }))).toEqual(["+[p3]"]);
  });

  it("endpointslices: a slice being updated anyway is filled before any other", () => {
    const a = slice("web-a", [endpoint("p1"), endpoint("p2")]);
    const b = slice("web-b", [endpoint("p3")]);
    // p2 leaves a; p4 arrives and goes into a (written anyway), not into b (which fits it as well).
    expect(summary(desiredSlices(service(), [pod("p1"), pod("p3"), pod("p4")], [a, b], { maxEndpointsPerSlice: 2 }))).toEqual(["web-a=[p1,p4]"]);
  });

  it("endpointslices: pods resolving a named port differently go to slices of their own port", () => {
    const svc = service({ ports: [{ port: 80, targetPort: "http", protocol: "TCP" }] });
    const plan = desiredSlices(svc, [pod("p1", { ports: [{ name: "http", containerPort: 8080 }] }), pod("p2", { ports: [{ name: "http", containerPort: 9090 }] })], []);
    expect(plan.create.map((s) => [s.ports?.[0]?.port, podNames(s.endpoints)])).toEqual([
      [8080, ["p1"]],
      [9090, ["p2"]],
    ]);
  });

  it("endpointslices: changed service labels are written to the slice, its endpoints unchanged", () => {
    const plan = desiredSlices(service({}, { labels: { tier: "back" } }), [pod("p1")], [slice("web-a", [endpoint("p1")])]);
    expect(summary(plan)).toEqual(["web-a=[p1]"]);
    expect(plan.update[0]?.metadata.labels?.["tier"]).toBe("back");
    expect(plan.update[0]?.metadata.resourceVersion).toBe("7");
  });

  it("endpointslices: an endpoint gets its node's zone", () => {
    const [created] = desiredSlices(service(), [pod("p1")], [], { zoneOf: (n) => (n === "node-1" ? "zone-a" : undefined) }).create;
    expect(created?.endpoints[0]?.zone).toBe("zone-a");
  });

  it("endpointslices: a dual-stack service gets a slice per family with that family's addresses", () => {
    const svc = service({ ipFamilies: ["IPv4", "IPv6"] });
    const plan = desiredSlices(svc, [pod("p1", { ip: ["10.0.0.1", "fd00::1"] })], []);
    expect(plan.create.map((s) => [s.addressType, s.endpoints[0]?.addresses])).toEqual([
      ["IPv4", ["10.0.0.1"]],
      ["IPv6", ["fd00::1"]],
    ]);
  });
});
