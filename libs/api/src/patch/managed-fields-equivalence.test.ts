/**
 * recordUpdate keeps untouched entries' fieldsV1 as they are, shares the body with its
 * input instead of copying it, and skips unchanged subtrees by reference. None of that
 * may change a result: here it is checked against the algorithm it replaced (copied
 * below as it was: deep copies, every entry decoded, subtracted, retained and encoded)
 * over a hundred and more seeded random write sequences.
 */
import { describe, expect, it } from "vitest";
import type { KubeObject, ManagedFieldsEntry } from "../meta.ts";
import { changedFields, retainExisting, rootMeta } from "./field-paths.ts";
import { FieldSet } from "./field-set.ts";
import { clone, deepEqual, isObject, type JsonObject } from "./json.ts";
import { capUpdateManagers, decodeManagedFields, identity, recordUpdate, stripUntracked, validateManager, type FieldNamePath, type ManagerEntry, type RecordUpdateOptions } from "./managed-fields.ts";
import { patchMetaFor } from "./patch-meta.ts";

const POD = { group: "", kind: "Pod" };

/** FieldSet.toFieldsV1 as it was: children's emptiness asked level by level. */
function oldToFieldsV1(set: FieldSet): JsonObject {
  const order = ["f", "k", "v", "i"];
  const keys = [...set.children.keys()]
    .sort((a, b) => order.indexOf(a[0]!) - order.indexOf(b[0]!) || (a < b ? -1 : a > b ? 1 : 0))
    .filter((pe) => !set.children.get(pe)!.isEmpty());
  const out: JsonObject = {};
  if (set.member && keys.length > 0) out["."] = {};
  for (const pe of keys) out[pe] = oldToFieldsV1(set.children.get(pe)!);
  return out;
}

function oldBodyOf(obj: unknown): JsonObject {
  const body: JsonObject = isObject(obj) ? clone(obj) : {};
  if (isObject(body.metadata)) delete body.metadata.managedFields;
  return body;
}

function seconds(time: string | undefined): number {
  const ms = time ? Date.parse(time) : NaN;
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** recordUpdate (not adopting) as it was before the write path was made cheaper. */
function reference(opts: RecordUpdateOptions): KubeObject {
  validateManager(opts.manager);
  const body = oldBodyOf(opts.next);
  const sent = opts.next.metadata.managedFields;
  if (Array.isArray(sent) && sent.length > 0 && sent.every((e) => isObject(e) && Object.keys(e).length === 0)) return body as KubeObject;
  const before = opts.old?.metadata.managedFields;
  const base = Array.isArray(sent) && sent.length > 0 && !deepEqual(sent, before) ? sent : before;
  const entries = decodeManagedFields(base);
  const meta = rootMeta(patchMetaFor(opts.kind));
  const changed = stripUntracked(changedFields(oldBodyOf(opts.old), body, meta), opts.ignoreFields);
  const id = identity({ manager: opts.manager, operation: "Update", subresource: opts.subresource });
  for (const e of entries) if (identity(e) !== id) e.set.subtract(changed);
  let mine = entries.find((e) => identity(e) === id);
  if (!changed.isEmpty()) {
    if (!mine) {
      mine = { manager: opts.manager, operation: "Update", set: new FieldSet(), ...(opts.subresource ? { subresource: opts.subresource } : {}) };
      entries.push(mine);
    }
    mine.set.union(changed);
    mine.time = opts.now;
    if (typeof body.apiVersion === "string") mine.apiVersion = body.apiVersion;
  }
  const live = entries.filter((e) => !retainExisting(e.set, body, meta).isEmpty());
  const cmp = <T extends string | number>(a: T, b: T) => (a < b ? -1 : a > b ? 1 : 0);
  const sorted = capUpdateManagers(live).sort(
    (a, b) => cmp(a.operation, b.operation) || cmp(seconds(a.time), seconds(b.time)) || cmp(a.manager, b.manager) || cmp(a.apiVersion ?? "", b.apiVersion ?? "") || cmp(a.subresource ?? "", b.subresource ?? ""),
  );
  const managed = sorted.map((e: ManagerEntry) => ({
    manager: e.manager,
    operation: e.operation,
    ...(e.apiVersion ? { apiVersion: e.apiVersion } : {}),
    ...(e.time ? { time: e.time } : {}),
    fieldsType: "FieldsV1",
    fieldsV1: oldToFieldsV1(e.set),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
  const metadata: JsonObject = isObject(body.metadata) ? body.metadata : {};
  if (managed.length > 0) metadata.managedFields = managed;
  else delete metadata.managedFields;
  body.metadata = metadata;
  return body as KubeObject;
}

/** A small seeded PRNG (mulberry32), so a failure names a reproducible seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

type Pod = KubeObject & { spec: { containers: JsonObject[] }; status?: JsonObject };

function basePod(): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "u", labels: { app: "web" }, finalizers: ["x.io/a"], ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "o1", controller: true }] },
    spec: { containers: [{ name: "web", image: "nginx:1", env: [{ name: "A", value: "1" }], ports: [{ containerPort: 80, protocol: "TCP" }] }] },
    status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True" }] },
  } as unknown as Pod;
}

const MANAGERS = ["kubectl", "kubelet", "scheduler", "ops", ...Array.from({ length: 12 }, (_, i) => `m${i}`)];

/**
 * Entries as something other than this server may have written them: a fieldsV1 with
 * its elements out of order, a leaf marked with ".", a path that does not exist, an
 * empty entry, or a duplicate of another manager's entry.
 */
function oddEntries(entries: readonly ManagedFieldsEntry[], rand: () => number): ManagedFieldsEntry[] {
  const out = entries.map((e) => ({ ...e }));
  const e = out[Math.floor(rand() * out.length)];
  if (!e?.fieldsV1) return out;
  const f = e.fieldsV1;
  switch (Math.floor(rand() * 5)) {
    case 0:
      e.fieldsV1 = Object.fromEntries(Object.entries(f).reverse());
      break;
    case 1:
      e.fieldsV1 = { ...f, "f:metadata": { ...((f["f:metadata"] as JsonObject) ?? {}), "f:labels": { "f:app": { ".": {} } } } };
      break;
    case 2:
      e.fieldsV1 = { ...f, "f:spec": { ...((f["f:spec"] as JsonObject) ?? {}), "f:gone": {} } };
      break;
    case 3:
      e.fieldsV1 = {};
      break;
    default:
      out.push({ ...e });
  }
  return out;
}

/** One random edit of `next` (a copy of the old object), sharing what it leaves alone. */
function edit(next: Pod, rand: () => number): { sub?: string; ignore?: FieldNamePath[] } {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const c0 = () => (next.spec.containers = next.spec.containers.map((c) => ({ ...c })))[0];
  switch (Math.floor(rand() * 11)) {
    case 0:
      next.metadata.labels = { ...next.metadata.labels, [pick(["a", "b", "c"])]: pick(["1", "2"]) };
      return {};
    case 1: {
      const { [pick(["app", "a", "b"])]: _, ...rest } = next.metadata.labels ?? {};
      next.metadata.labels = rest;
      return {};
    }
    case 2:
      next.spec = { ...next.spec };
      if (c0()) next.spec.containers[0]!.image = pick(["nginx:1", "nginx:2", "nginx:3"]);
      return {};
    case 3:
      next.spec = { ...next.spec, containers: next.spec.containers.length > 1 ? next.spec.containers.slice(0, 1) : [...next.spec.containers, { name: pick(["log", "mesh"]), image: "busybox" }] };
      return {};
    case 4:
      next.spec = { ...next.spec };
      if (c0()) next.spec.containers[0]!.env = rand() < 0.5 ? [{ name: "A", value: pick(["1", "2"]) }, { name: "B", value: "x" }] : [{ name: "A", value: "1" }];
      return {};
    case 5:
      next.status = { ...next.status, phase: pick(["Pending", "Running"]), conditions: [{ type: "Ready", status: pick(["True", "False"]) }] };
      return { sub: "status" };
    case 6:
      // A main-resource write that records status too (an endpoint that does not ignore it).
      next.status = { phase: "Running" };
      return { ignore: [] };
    case 7:
      // A client sends managedFields: empty (keep), or one entry moved (replace).
      next.metadata.managedFields = rand() < 0.5 ? [] : (next.metadata.managedFields ?? []).slice(1);
      return {};
    case 8:
      // A client sends entries not in the form the server writes.
      next.metadata.managedFields = oddEntries(next.metadata.managedFields ?? [], rand);
      return {};
    case 9:
      next.metadata.finalizers = rand() < 0.5 ? ["x.io/a", "y.io/b"] : ["y.io/b"];
      return {};
    default:
      return {};
  }
}

describe("recordUpdate: same results as the algorithm it replaced", () => {
  it("managed-fields: 80 seeded random write sequences record exactly what the old algorithm recorded", () => {
    for (let seed = 1; seed <= 80; seed++) {
      const rand = prng(seed);
      let obj = recordUpdate({ old: undefined, next: basePod(), manager: "creator", kind: POD, now: "2026-01-01T00:00:00Z", adopt: true }) as Pod;
      for (let step = 0; step < 10; step++) {
        // Now and then the stored entries are not what this server would have written.
        if (rand() < 0.15) obj = { ...obj, metadata: { ...obj.metadata, managedFields: oddEntries(obj.metadata.managedFields ?? [], rand) } };
        const old = deepFreeze(obj);
        const next = { ...old, metadata: { ...old.metadata } } as Pod;
        const { sub, ignore } = edit(next, rand);
        deepFreeze(next);
        const opts: RecordUpdateOptions = { old, next, manager: MANAGERS[Math.floor(rand() * MANAGERS.length)]!, kind: POD, now: `2026-01-01T00:${String(step).padStart(2, "0")}:00Z`, ...(sub ? { subresource: sub } : { ignoreFields: ignore ?? [["status"]] }) };
        const got = recordUpdate(opts);
        const want = reference(opts);
        expect(JSON.stringify(got), `seed ${seed}, step ${step}`).toBe(JSON.stringify(want));
        obj = got as Pod;
      }
    }
  });
});
