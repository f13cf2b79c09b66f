import { describe, expect, it } from "vitest";
import { RESOURCES, groupVersion } from "../registry.ts";
import { openApiDocument, openApiGroupVersions, openApiIndex } from "./openapi.ts";
import type { Manifest } from "./testdata.ts";

type Json = Manifest;

function doc(gv: string): Json {
  const d = openApiDocument(gv);
  if (!d) throw new Error(`no document for ${gv}`);
  return d as Json;
}

/** Every `$ref` anywhere under `node`. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe("openApiDocument: apps/v1", () => {
  const apps = doc("apps/v1");
  const schemas = apps.components.schemas as Record<string, Json>;

  it("openapi: apps/v1 has the Deployment with its group-version-kind", () => {
    const d = schemas["io.k8s.api.apps.v1.Deployment"]!;
    expect(d["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", version: "v1", kind: "Deployment" }]);
    expect(d.properties.spec.allOf).toEqual([{ $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec" }]);
    expect(schemas["io.k8s.api.apps.v1.DeploymentList"]!["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", version: "v1", kind: "DeploymentList" }]);
  });

  it("openapi: the Deployment PATCH carries the kind and a fieldValidation parameter", () => {
    const patch = apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].patch;
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "apps", version: "v1", kind: "Deployment" });
    expect(patch.parameters.map((p: Json) => p.name)).toContain("fieldValidation");
    expect(Object.keys(patch.requestBody.content)).toContain("application/strategic-merge-patch+json");
  });

  it("openapi: every PATCH of every document offers fieldValidation (kubectl stops at the first that does not)", () => {
    for (const gv of openApiGroupVersions()) {
      for (const [path, item] of Object.entries(doc(gv).paths as Record<string, Json>)) {
        if (item.patch) expect(item.patch.parameters.map((p: Json) => p.name), path).toContain("fieldValidation");
      }
    }
  });

  it("openapi: the scale subresource answers with autoscaling/v1 Scale", () => {
    const scale = apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
    expect(scale.patch["x-kubernetes-group-version-kind"]).toEqual({ group: "autoscaling", version: "v1", kind: "Scale" });
    expect(schemas["io.k8s.api.autoscaling.v1.Scale"]).toBeDefined();
  });

});

describe("openApiDocument: every group-version", () => {
  it("openapi: every $ref of every document points at a component of that document", () => {
    for (const gv of openApiGroupVersions()) {
      const d = doc(gv);
      for (const r of refs(d)) expect(d.components.schemas[r.replace("#/components/schemas/", "")], `${gv}: ${r}`).toBeDefined();
    }
  });

  it("openapi: every registered resource appears with its kind and list in its group-version's document", () => {
    for (const info of RESOURCES) {
      const d = doc(groupVersion(info));
      const kinds = Object.values(d.components.schemas as Record<string, Json>).flatMap((s) => s["x-kubernetes-group-version-kind"] ?? []);
      expect(kinds).toContainEqual({ group: info.group, version: info.version, kind: info.kind });
      expect(kinds).toContainEqual({ group: info.group, version: info.version, kind: `${info.kind}List` });
    }
  });

  it("openapi: every field is described, so kubectl explain has something to say", () => {
    for (const gv of openApiGroupVersions()) {
      for (const [name, s] of Object.entries(doc(gv).components.schemas as Record<string, Json>)) {
        for (const [field, p] of Object.entries((s.properties ?? {}) as Record<string, Json>)) {
          const ref = p.allOf?.[0]?.$ref as string | undefined;
          const described = typeof p.description === "string" || (ref !== undefined && typeof doc(gv).components.schemas[ref.slice(21)]?.description === "string");
          expect(described, `${name}.${field}`).toBe(true);
        }
      }
    }
  });

  it("openapi: strategic merge keys sit on the list fields", () => {
    const core = doc("v1").components.schemas as Record<string, Json>;
    const mergeKey = (type: string, field: string) => core[type]!.properties[field]["x-kubernetes-patch-merge-key"];
    expect(mergeKey("io.k8s.api.core.v1.PodSpec", "containers")).toBe("name");
    expect(mergeKey("io.k8s.api.core.v1.PodSpec", "initContainers")).toBe("name");
    expect(mergeKey("io.k8s.api.core.v1.PodSpec", "volumes")).toBe("name");
    expect(mergeKey("io.k8s.api.core.v1.PodSpec", "imagePullSecrets")).toBe("name");
    expect(mergeKey("io.k8s.api.core.v1.Container", "env")).toBe("name");
    expect(mergeKey("io.k8s.api.core.v1.Container", "ports")).toBe("containerPort");
    expect(mergeKey("io.k8s.api.core.v1.Container", "volumeMounts")).toBe("mountPath");
    expect(mergeKey("io.k8s.api.core.v1.ServiceSpec", "ports")).toBe("port");
    expect(mergeKey("io.k8s.api.core.v1.PodStatus", "conditions")).toBe("type");
    expect(mergeKey("io.k8s.api.core.v1.NodeStatus", "addresses")).toBe("type");
    expect(mergeKey("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "ownerReferences")).toBe("uid");
    expect(core["io.k8s.api.core.v1.PodSpec"]!.properties.containers["x-kubernetes-patch-strategy"]).toBe("merge");
  });

  it("openapi: int-or-string and quantity are published the way Kubernetes does", () => {
    const core = doc("v1").components.schemas as Record<string, Json>;
    const ios = core["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!;
    expect(ios["x-kubernetes-int-or-string"]).toBe(true);
    expect(ios.oneOf).toEqual([{ type: "integer", format: "int32" }, { type: "string" }]);
    expect(core["io.k8s.apimachinery.pkg.api.resource.Quantity"]!.oneOf).toEqual([{ type: "string" }, { type: "number" }]);
  });

  it("openapi: unknown group-versions have no document", () => {
    expect(openApiDocument("apps/v2")).toBeUndefined();
  });
});

describe("openApiIndex", () => {
  it("openapi: the index lists every group-version with a hashed URL", () => {
    const index = openApiIndex();
    expect(Object.keys(index.paths).sort()).toEqual(["api/v1", "apis/apps/v1", "apis/autoscaling/v1", "apis/batch/v1", "apis/coordination.k8s.io/v1", "apis/discovery.k8s.io/v1", "apis/node.k8s.io/v1"]);
    expect(index.paths["apis/apps/v1"]!.serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
  });

  it("openapi: a caller's hash function is used as given", () => {
    expect(openApiIndex((gv) => `h-${gv.length}`).paths["api/v1"]!.serverRelativeURL).toBe("/openapi/v3/api/v1?hash=h-2");
  });
});
