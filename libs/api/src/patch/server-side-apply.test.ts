import { describe, expect, it } from "vitest";
import { BadRequestError, ConflictError, InvalidError } from "../errors.ts";
import type { KubeObject } from "../meta.ts";
import { recordUpdate } from "./managed-fields.ts";
import type { GroupKind } from "./patch-meta.ts";
import { ApplyConflictError, serverSideApply, type ServerSideApplyOptions } from "./server-side-apply.ts";

const DEPLOYMENT: GroupKind = { group: "apps", kind: "Deployment" };
const T1 = "2025-01-01T00:00:00Z";
const T2 = "2025-01-02T00:00:00Z";

interface Config {
  labels?: Record<string, string>;
  replicas?: number;
  containers?: Record<string, unknown>[];
}

/** What `kubectl apply --server-side -f web.yaml` sends, with parts swapped per test. */
function webConfig(c: Config = {}): Record<string, unknown> {
  const labels = c.labels ?? { app: "web" };
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        containers: c.containers ?? [
          { name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }] },
          { name: "log", image: "busybox", env: [{ name: "LEVEL", value: "info" }] },
        ],
      },
    },
  };
  if (c.replicas !== undefined) spec.replicas = c.replicas;
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default", labels }, spec };
}

function apply(live: KubeObject | undefined, applied: unknown, extra: Partial<ServerSideApplyOptions> = {}): KubeObject {
  return serverSideApply({ live, applied, manager: "kubectl", force: false, kind: DEPLOYMENT, now: T1, ...extra }).object;
}

/** The live object as the apiserver stores it after a create: server fields filled in. */
function stored(obj: KubeObject): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, uid: "u-1", resourceVersion: "7", creationTimestamp: T1, generation: 1 } };
}

function entry(obj: KubeObject, manager: string, operation = "Apply") {
  return obj.metadata.managedFields?.find((e) => e.manager === manager && e.operation === operation);
}

function spec(obj: KubeObject): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  return obj.spec;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

describe("serverSideApply", () => {
  it("ssa: creating records one Apply entry whose fieldsV1 names both containers", () => {
    const obj = apply(undefined, webConfig({ replicas: 2 }));
    expect(obj.spec).toEqual(webConfig({ replicas: 2 }).spec);
    expect(obj.metadata.managedFields).toEqual([
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "apps/v1",
        time: T1,
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {
              "f:metadata": { "f:labels": { "f:app": {} } },
              "f:spec": {
                "f:containers": {
                  'k:{"name":"log"}': { ".": {}, "f:env": { 'k:{"name":"LEVEL"}': { ".": {}, "f:name": {}, "f:value": {} } }, "f:image": {}, "f:name": {} },
                  'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {}, "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } } },
                },
              },
            },
          },
        },
      },
    ]);
  });

  it("ssa: server-set metadata is neither taken from the body nor tracked", () => {
    const body = webConfig();
    (body.metadata as Record<string, unknown>).uid = "forged";
    (body.metadata as Record<string, unknown>).generation = 99;
    const live = stored(apply(undefined, webConfig()));
    const obj = apply(live, body, { now: T2 });
    expect(obj.metadata).toMatchObject({ uid: "u-1", generation: 1, resourceVersion: "7", creationTimestamp: T1 });
    const fields = entry(obj, "kubectl")?.fieldsV1 ?? {};
    expect(Object.keys(fields)).toEqual(["f:metadata", "f:spec"]);
    expect(fields["f:metadata"]).toEqual({ "f:labels": { "f:app": {} } });
  });

  it("ssa: re-applying without a field removes it, and without a container removes that container", () => {
    const live = stored(apply(undefined, webConfig({ labels: { app: "web", tier: "front" }, replicas: 2 })));
    const next = apply(live, webConfig({ containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] }), { now: T2 });
    expect(next.metadata.labels).toEqual({ app: "web" });
    expect(spec(next).replicas).toBeUndefined();
    expect(spec(next).template.spec.containers.map((c: { name: string }) => c.name)).toEqual(["web"]);
    expect(JSON.stringify(entry(next, "kubectl")?.fieldsV1)).not.toContain("log");
  });

  it("ssa: a removed field stays when another manager also owns it", () => {
    const first = stored(apply(undefined, webConfig({ labels: { app: "web", tier: "front" } })));
    const shared = apply(first, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", labels: { tier: "front" } } }, { manager: "ops", now: T2 });
    const next = apply(shared, webConfig({ labels: { app: "web" } }), { now: T2 });
    expect(next.metadata.labels).toEqual({ app: "web", tier: "front" });
    expect(entry(next, "ops")?.fieldsV1).toEqual({ "f:metadata": { "f:labels": { "f:tier": {} } } });
  });

  it("ssa: a field handed to another writer is not removed when the applier drops it", () => {
    const live = stored(apply(undefined, webConfig({ replicas: 2 })));
    const scaled = recordUpdate({ old: live, next: { ...live, spec: { ...spec(live), replicas: 5 } }, manager: "autoscaler", kind: DEPLOYMENT, now: T2 });
    const next = apply(scaled, webConfig(), { now: T2 });
    expect(spec(next).replicas).toBe(5);
    expect(entry(next, "autoscaler", "Update")?.fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } });
  });

  it("ssa: a container another manager applied survives this manager's apply", () => {
    const live = stored(apply(undefined, webConfig()));
    const sidecar = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { template: { spec: { containers: [{ name: "mesh", image: "envoy" }] } } } };
    const withMesh = apply(live, sidecar, { manager: "injector", now: T2 });
    const next = apply(withMesh, webConfig({ containers: [{ name: "web", image: "nginx:1.28", ports: [{ containerPort: 80 }] }] }), { now: T2 });
    expect(spec(next).template.spec.containers).toEqual([
      { name: "web", image: "nginx:1.28", ports: [{ containerPort: 80 }] },
      { name: "mesh", image: "envoy" },
    ]);
  });

  it("ssa: an applied port without protocol is the same element as the live port with protocol TCP", () => {
    const live = stored(apply(undefined, webConfig()));
    spec(live).template.spec.containers[0].ports[0].protocol = "TCP"; // defaulted by the server
    const next = apply(live, webConfig(), { now: T2 });
    expect(spec(next).template.spec.containers[0].ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
  });

  describe("conflicts", () => {
    /** A Deployment created by client-side apply: every field owned by its Update entry. */
    const clientSideApplied = (): KubeObject => stored(recordUpdate({ old: undefined, next: webConfig({ replicas: 2 }) as KubeObject, manager: "kubectl-client-side-apply", kind: DEPLOYMENT, now: T1 }));

    it("ssa: changing a field another manager owns is a 409 naming field and manager", () => {
      const err = thrown(() => apply(clientSideApplied(), webConfig({ replicas: 5 }), { now: T2 }));
      expect(err).toBeInstanceOf(ConflictError);
      expect(err).toBeInstanceOf(ApplyConflictError);
      const status = (err as ApplyConflictError).toStatus();
      expect(status).toMatchObject({ code: 409, reason: "Conflict", message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas' });
      expect(status.details?.causes).toEqual([{ reason: "FieldManagerConflict", message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: ".spec.replicas" }]);
    });

    it("ssa: several conflicts are listed per manager", () => {
      const config = webConfig({ replicas: 5, containers: [{ name: "web", image: "nginx:1.28", ports: [{ containerPort: 80 }] }] });
      const err = thrown(() => apply(clientSideApplied(), config, { now: T2 })) as ApplyConflictError;
      expect(err.message).toBe(
        'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="web"].image',
      );
      expect(err.details?.causes?.map((c) => c.field)).toEqual([".spec.replicas", '.spec.template.spec.containers[name="web"].image']);
    });

    it("ssa: force takes the field over", () => {
      const result = serverSideApply({ live: clientSideApplied(), applied: webConfig({ replicas: 5 }), manager: "kubectl", force: true, kind: DEPLOYMENT, now: T2 });
      expect(spec(result.object).replicas).toBe(5);
      expect(result.conflicts).toEqual([{ manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "apps/v1", field: ".spec.replicas" }]);
      expect(JSON.stringify(entry(result.object, "kubectl-client-side-apply", "Update")?.fieldsV1)).not.toContain("f:replicas");
      expect(entry(result.object, "kubectl")?.fieldsV1).toMatchObject({ "f:spec": { "f:replicas": {} } });
    });

    it("ssa: applying the value a field already has is no conflict and shares it", () => {
      const obj = apply(clientSideApplied(), webConfig({ replicas: 2 }), { now: T2 });
      expect(entry(obj, "kubectl")?.fieldsV1).toMatchObject({ "f:spec": { "f:replicas": {} } });
      expect(entry(obj, "kubectl-client-side-apply", "Update")?.fieldsV1).toMatchObject({ "f:spec": { "f:replicas": {} } });
    });

    it("ssa: fields of an object that was never tracked belong to before-first-apply", () => {
      const live = stored(webConfig({ replicas: 2 }) as KubeObject);
      const err = thrown(() => apply(live, webConfig({ replicas: 3 }))) as Error;
      expect(err.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
    });
  });

  it("ssa: re-applying the same configuration changes nothing, not even the time", () => {
    const live = stored(apply(undefined, webConfig({ replicas: 2 })));
    expect(apply(live, webConfig({ replicas: 2 }), { now: T2 })).toEqual(live);
    expect(entry(apply(live, webConfig({ replicas: 3 }), { now: T2 }), "kubectl")?.time).toBe(T2);
  });

  it("ssa: ignored fields (status on the main resource) are neither merged nor owned", () => {
    const body = { ...webConfig(), status: { replicas: 9 } };
    const obj = apply(undefined, body, { ignoreFields: [["status"]] });
    expect(obj.status).toBeUndefined();
    expect(JSON.stringify(obj.metadata.managedFields)).not.toContain("f:status");
  });

  it.each<[string, unknown, Partial<ServerSideApplyOptions>, new (...args: never[]) => Error, string]>([
    ["a missing fieldManager", webConfig(), { manager: "" }, BadRequestError, "fieldManager is required"],
    ["a body that is not an object", [webConfig()], {}, BadRequestError, "must be a single object"],
    ["managedFields in the body", { ...webConfig(), metadata: { name: "web", managedFields: [{ manager: "x" }] } }, {}, BadRequestError, "managedFields must be nil"],
    ["two containers with one name", webConfig({ containers: [{ name: "a" }, { name: "a" }] }), {}, InvalidError, 'duplicate entries for key [name="a"]'],
    ["a container without a name", webConfig({ containers: [{ image: "x" }] }), {}, InvalidError, "element 0 must be an object with key fields \"name\""],
  ])("ssa: %s is rejected", (_name, body, extra, type, message) => {
    const err = thrown(() => apply(undefined, body, extra));
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toContain(message);
  });

  it("ssa: a __proto__ key is data, never a way into Object.prototype", () => {
    const live = stored(apply(undefined, webConfig()));
    apply(live, { ...webConfig(), ...JSON.parse('{"__proto__":{"polluted":1},"spec":{"__proto__":{"polluted":2}}}') }, { manager: "other" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
