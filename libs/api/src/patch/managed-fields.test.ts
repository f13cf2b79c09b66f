import { describe, expect, it } from "vitest";
import { BadRequestError } from "../errors.ts";
import type { KubeObject } from "../meta.ts";
import { ANCIENT_CHANGES_MANAGER, MAX_UPDATE_MANAGERS, recordUpdate, type RecordUpdateOptions } from "./managed-fields.ts";
import type { GroupKind } from "./patch-meta.ts";
import { serverSideApply } from "./server-side-apply.ts";

const POD: GroupKind = { group: "", kind: "Pod" };
const T1 = "2025-01-01T00:00:00Z";

function pod(image = "nginx:1.27", labels: Record<string, string> = { app: "web" }): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", labels },
    spec: { containers: [{ name: "web", image }] },
  };
}

function update(old: KubeObject | undefined, next: KubeObject, extra: Partial<RecordUpdateOptions> = {}): KubeObject {
  return recordUpdate({ old, next, manager: "kubectl-edit", kind: POD, now: T1, ...extra });
}

/** `next` as a client sends it: the old object, managedFields included, with an edit. */
function edit(old: KubeObject, change: (o: KubeObject) => void): KubeObject {
  const next = structuredClone(old);
  change(next);
  return next;
}

function owners(obj: KubeObject): string[] {
  return (obj.metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}`);
}

describe("recordUpdate", () => {
  it("managed-fields: a create gives the creator every field it set", () => {
    const obj = update(undefined, pod(), { manager: "kubectl-create" });
    expect(obj.metadata.managedFields).toEqual([
      {
        manager: "kubectl-create",
        operation: "Update",
        apiVersion: "v1",
        time: T1,
        fieldsType: "FieldsV1",
        fieldsV1: { "f:metadata": { "f:labels": { "f:app": {} } }, "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } } } },
      },
    ]);
  });

  it("managed-fields: an update moves the fields it changed to its manager", () => {
    const applied = serverSideApply({ live: undefined, applied: pod(), manager: "kubectl", force: false, kind: POD, now: T1 }).object;
    const next = update(applied, edit(applied, (o) => ((o.spec as { containers: { image: string }[] }).containers[0]!.image = "nginx:1.28")));
    expect(owners(next)).toEqual(["kubectl/Apply", "kubectl-edit/Update"]);
    const fields = Object.fromEntries((next.metadata.managedFields ?? []).map((e) => [e.manager, JSON.stringify(e.fieldsV1)]));
    expect(fields["kubectl-edit"]).toBe(JSON.stringify({ "f:spec": { "f:containers": { 'k:{"name":"web"}': { "f:image": {} } } } }));
    expect(fields.kubectl).not.toContain("f:image");
  });

  it("managed-fields: a removed field leaves every entry", () => {
    const created = update(undefined, pod("nginx", { app: "web", tier: "front" }), { manager: "creator" });
    const next = update(created, edit(created, (o) => delete o.metadata.labels!.tier));
    expect(JSON.stringify(next.metadata.managedFields)).not.toContain("f:tier");
    expect(owners(next)).toEqual(["creator/Update"]);
  });

  it("managed-fields: a write that changes nothing records nothing", () => {
    const created = update(undefined, pod(), { manager: "creator" });
    expect(update(created, edit(created, () => {}))).toEqual(created);
  });

  it("managed-fields: writes to a subresource get their own entry", () => {
    const created = update(undefined, pod(), { manager: "creator" });
    const next = update(created, edit(created, (o) => (o.status = { phase: "Running" })), { manager: "kubelet", subresource: "status" });
    expect(next.metadata.managedFields?.find((e) => e.manager === "kubelet")).toMatchObject({ operation: "Update", subresource: "status", fieldsV1: { "f:status": { "f:phase": {} } } });
  });

  it("managed-fields: ignored fields are never recorded", () => {
    const created = update(undefined, { ...pod(), status: { phase: "Pending" } }, { manager: "creator", ignoreFields: [["status"]] });
    expect(JSON.stringify(created.metadata.managedFields)).not.toContain("f:status");
  });

  it("managed-fields: many writers cannot grow managedFields without bound", () => {
    let obj = update(undefined, pod(), { manager: "creator" });
    for (let i = 0; i < 3 * MAX_UPDATE_MANAGERS; i++) {
      const now = new Date(Date.UTC(2025, 0, 2, 0, 0, i)).toISOString();
      obj = update(obj, edit(obj, (o) => (o.metadata.labels![`l${i}`] = "x")), { manager: `writer-${i}`, now });
    }
    const entries = obj.metadata.managedFields ?? [];
    expect(entries.filter((e) => e.operation === "Update")).toHaveLength(MAX_UPDATE_MANAGERS);
    const ancient = entries.find((e) => e.manager === ANCIENT_CHANGES_MANAGER);
    expect(JSON.stringify(ancient?.fieldsV1)).toContain('"f:l0"');
    expect(JSON.stringify(ancient?.fieldsV1)).toContain('"f:app"');
    expect(entries.some((e) => e.manager === `writer-${3 * MAX_UPDATE_MANAGERS - 1}`)).toBe(true);
  });

  it("managed-fields: sending [{}] clears managedFields", () => {
    const created = update(undefined, pod(), { manager: "creator" });
    const next = update(created, edit(created, (o) => (o.metadata.managedFields = [{}])));
    expect(next.metadata.managedFields).toBeUndefined();
  });

  it("managed-fields: sending an empty list keeps them; sending other entries replaces them", () => {
    const created = update(undefined, pod(), { manager: "creator" });
    expect(update(created, edit(created, (o) => (o.metadata.managedFields = [])))).toEqual(created);
    const replaced = update(created, edit(created, (o) => (o.metadata.managedFields = [{ manager: "someone", operation: "Update", fieldsType: "FieldsV1", fieldsV1: { "f:metadata": { "f:labels": { "f:app": {} } } } }])));
    expect(owners(replaced)).toEqual(["someone/Update"]);
  });

  it("managed-fields: an update needs a manager", () => {
    expect(() => update(undefined, pod(), { manager: "" })).toThrow(BadRequestError);
  });
});

describe("recordUpdate: entries the write leaves alone", () => {
  // The main resource does not record status; the status subresource records only status.
  const created = () => update(undefined, { ...pod(), status: { phase: "Pending" } }, { manager: "creator", ignoreFields: [["status"]] });
  const statusWrite = (old: KubeObject) => update(old, { ...old, status: { phase: "Running" } }, { manager: "kubelet", subresource: "status" });

  it("managed-fields: an entry the write did not touch keeps its fieldsV1 as it was, byte for byte", () => {
    const old = created();
    const next = statusWrite(old);
    const before = old.metadata.managedFields!.find((e) => e.manager === "creator")!;
    const after = next.metadata.managedFields!.find((e) => e.manager === "creator")!;
    expect(JSON.stringify(after.fieldsV1)).toBe(JSON.stringify(before.fieldsV1));
    expect(after.fieldsV1).toBe(before.fieldsV1);
  });

  it("managed-fields: an entry not in the form the server writes is written in that form, as before", () => {
    const old = created();
    const [entry] = old.metadata.managedFields!;
    // Elements out of order, and a leaf marked as a member with ".".
    const odd = { "f:spec": entry!.fieldsV1!["f:spec"], "f:metadata": { "f:labels": { "f:app": { ".": {} } } } };
    const next = statusWrite({ ...old, metadata: { ...old.metadata, managedFields: [{ ...entry!, fieldsV1: odd }] } });
    const after = next.metadata.managedFields!.find((e) => e.manager === "creator")!;
    expect(JSON.stringify(after.fieldsV1)).toBe(JSON.stringify(entry!.fieldsV1));
  });

  it("managed-fields: an untouched entry owning a field that is gone loses that field", () => {
    const old = created();
    const next = update(old, { ...old, metadata: { ...old.metadata, labels: {} } }, { manager: "kubectl-label", ignoreFields: [["status"]] });
    expect(next.metadata.managedFields!.find((e) => e.manager === "creator")!.fieldsV1).toEqual({ "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } } } });
  });

  it("managed-fields: recording an update changes neither the old object nor the new one", () => {
    const old = deepFreeze(created());
    const next = deepFreeze(edit(old, (o) => ((o.spec as { containers: { image: string }[] }).containers[0]!.image = "nginx:1.28")));
    const recorded = update(old, next);
    expect(owners(recorded)).toEqual(["creator/Update", "kubectl-edit/Update"]);
    expect(() => statusWrite(deepFreeze(recorded))).not.toThrow();
  });
});

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

describe("recordUpdate: adopting a new object", () => {
  it("records exactly what the copying path records, without copying", () => {
    const make = () => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", labels: { app: "web" } },
      spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "a", image: "x", ports: [{ containerPort: 80 }] }, { name: "b", image: "y" }] } } },
      status: { replicas: 0 },
    });
    const base = { old: undefined, manager: "kubectl-create", kind: { group: "apps", kind: "Deployment" }, now: "2026-11-21T00:00:00Z", ignoreFields: [["status"]] };
    const copied = recordUpdate({ ...base, next: make() });
    const next = make();
    const adopted = recordUpdate({ ...base, next, adopt: true });
    expect(adopted).toBe(next);
    expect(adopted.metadata.managedFields).toEqual(copied.metadata.managedFields);
    expect(adopted).toEqual(copied);
  });
});
