import { describe, expect, it } from "vitest";
import { listShape, PATCH_META_KINDS, patchStrategyFor } from "./patch-meta.ts";

const DEPLOYMENT = { group: "apps", kind: "Deployment" };
const POD_SPEC = ["spec", "template", "spec"];

describe("patch metadata", () => {
  it.each([
    [DEPLOYMENT, [...POD_SPEC, "containers"], { strategy: "merge", mergeKey: "name" }],
    [DEPLOYMENT, [...POD_SPEC, "initContainers"], { strategy: "merge", mergeKey: "name" }],
    [DEPLOYMENT, [...POD_SPEC, "containers", "ports"], { strategy: "merge", mergeKey: "containerPort" }],
    [DEPLOYMENT, [...POD_SPEC, "containers", "env"], { strategy: "merge", mergeKey: "name" }],
    [DEPLOYMENT, [...POD_SPEC, "containers", "volumeMounts"], { strategy: "merge", mergeKey: "mountPath" }],
    [DEPLOYMENT, [...POD_SPEC, "volumes"], { strategy: "merge,retainKeys", mergeKey: "name" }],
    [DEPLOYMENT, [...POD_SPEC, "hostAliases"], { strategy: "merge", mergeKey: "ip" }],
    [DEPLOYMENT, ["spec", "strategy"], { strategy: "retainKeys" }],
    [DEPLOYMENT, ["metadata", "ownerReferences"], { strategy: "merge", mergeKey: "uid" }],
    [DEPLOYMENT, ["metadata", "finalizers"], { strategy: "merge" }],
    [{ group: "", kind: "Pod" }, ["spec", "ephemeralContainers"], { strategy: "merge", mergeKey: "name" }],
    [{ group: "", kind: "Pod" }, ["status", "conditions"], { strategy: "merge", mergeKey: "type" }],
    [{ group: "", kind: "Service" }, ["spec", "ports"], { strategy: "merge", mergeKey: "port" }],
    [{ group: "", kind: "Node" }, ["status", "addresses"], { strategy: "merge", mergeKey: "type" }],
    [{ group: "batch", kind: "Job" }, POD_SPEC.concat("imagePullSecrets"), { strategy: "merge", mergeKey: "name" }],
    [{ group: "example.com", kind: "Widget" }, ["metadata", "finalizers"], { strategy: "merge" }],
  ])("patch-meta: %j %j merges", (kind, path, want) => {
    expect(patchStrategyFor(kind, path)).toMatchObject(want);
  });

  it.each([
    [DEPLOYMENT, [...POD_SPEC, "tolerations"]],
    [DEPLOYMENT, [...POD_SPEC, "containers", "args"]],
    [{ group: "", kind: "Endpoints" }, ["subsets"]],
    [{ group: "discovery.k8s.io", kind: "EndpointSlice" }, ["endpoints"]],
    [{ group: "example.com", kind: "Widget" }, ["spec", "items"]],
    [DEPLOYMENT, ["spec", "constructor"]],
  ])("patch-meta: %j %j has no metadata, so lists are atomic", (kind, path) => {
    expect(patchStrategyFor(kind, path)).toBeUndefined();
    expect(listShape(patchStrategyFor(kind, path))).toEqual({ type: "atomic" });
  });

  it("patch-meta: server-side apply keys container ports by port and protocol", () => {
    expect(listShape(patchStrategyFor(DEPLOYMENT, [...POD_SPEC, "containers", "ports"]))).toEqual({ type: "map", keys: ["containerPort", "protocol"] });
    expect(listShape(patchStrategyFor(DEPLOYMENT, ["metadata", "finalizers"]))).toEqual({ type: "set" });
    expect(listShape(patchStrategyFor({ group: "batch", kind: "Job" }, ["status", "conditions"]))).toEqual({ type: "atomic" });
  });

  it("patch-meta: lists the kinds it describes for the OpenAPI generator", () => {
    expect(PATCH_META_KINDS).toContainEqual(DEPLOYMENT);
    expect(PATCH_META_KINDS).toContainEqual({ group: "", kind: "Pod" });
  });
});
