import { describe, expect, it } from "vitest";
import { parseRequestInfo } from "./request-info.ts";

describe("request info", () => {
  it("reads a namespaced list, a cluster list and a get", () => {
    expect(parseRequestInfo("GET", "/api/v1/namespaces/default/pods", false)).toEqual({ kind: "resource", verb: "list", group: "", version: "v1", namespace: "default", resource: "pods" });
    expect(parseRequestInfo("GET", "/api/v1/pods", false)).toMatchObject({ verb: "list", resource: "pods" });
    expect(parseRequestInfo("GET", "/apis/apps/v1/namespaces/x/deployments/web", false)).toMatchObject({ verb: "get", group: "apps", namespace: "x", resource: "deployments", name: "web" });
  });
  it("tells a namespace's status from a resource in the namespace", () => {
    expect(parseRequestInfo("PUT", "/api/v1/namespaces/x/status", false)).toMatchObject({ verb: "update", resource: "namespaces", name: "x", subresource: "status" });
    expect(parseRequestInfo("GET", "/api/v1/namespaces/x", false)).toMatchObject({ verb: "get", resource: "namespaces", name: "x" });
    expect(parseRequestInfo("GET", "/api/v1/namespaces/x/configmaps", false)).toMatchObject({ verb: "list", resource: "configmaps", namespace: "x" });
  });
  it("maps methods to verbs, watch and subresources", () => {
    expect(parseRequestInfo("GET", "/api/v1/namespaces/d/pods", true)).toMatchObject({ verb: "watch" });
    expect(parseRequestInfo("GET", "/api/v1/watch/namespaces/d/pods", false)).toMatchObject({ verb: "watch", namespace: "d" });
    expect(parseRequestInfo("DELETE", "/api/v1/namespaces/d/pods", false)).toMatchObject({ verb: "deletecollection" });
    expect(parseRequestInfo("PATCH", "/apis/apps/v1/namespaces/d/deployments/web/scale", false)).toMatchObject({ verb: "patch", subresource: "scale" });
  });
  it("leaves non-resource paths alone", () => {
    expect(parseRequestInfo("GET", "/apis/apps/v1", false)).toEqual({ kind: "other", path: "/apis/apps/v1" });
    expect(parseRequestInfo("GET", "/version", false).kind).toBe("other");
    expect(parseRequestInfo("GET", "/api/v1/namespaces/d/pods/p/log/extra", false).kind).toBe("other");
  });
});
