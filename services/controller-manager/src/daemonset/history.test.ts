import { describe, expect, it } from "vitest";
import type { ControllerRevisionObject, DaemonSetObject, PodObject } from "@flotilla/api";
import { deepFreeze } from "../deployment/fixtures.ts";
import { daemonSetHash, DAEMONSET_HASH_LABEL } from "./daemon-pod.ts";
import { daemonPod, daemonSet, DS_UID } from "./fixtures.ts";
import { claimRevisions, holdsTemplateOf, newRevision, planHistory, podsToRelabel, revisionData, revisionHashOf, revisionsToPrune } from "./history.ts";

const V1 = daemonSet({ image: "agent:v1" });
const V2 = daemonSet({ image: "agent:v2" });
const V3 = daemonSet({ image: "agent:v3" });
const H1 = daemonSetHash(V1);

/** A stored revision of `from`'s template, numbered `n`, controlled by the DaemonSet unless told otherwise. */
function rev(from: DaemonSetObject, n: number, o: { name?: string; controller?: string | null; namespace?: string; labels?: Record<string, string> } = {}): ControllerRevisionObject {
  const r = newRevision(from, daemonSetHash(from), n) as ControllerRevisionObject & { metadata: NonNullable<ControllerRevisionObject["metadata"]> };
  if (o.name !== undefined) r.metadata.name = o.name;
  if (o.namespace !== undefined) r.metadata.namespace = o.namespace;
  if (o.labels !== undefined) r.metadata.labels = o.labels;
  r.metadata.uid = `uid-${r.metadata.name ?? ""}`;
  if (o.controller === null) delete r.metadata.ownerReferences;
  else if (o.controller !== undefined) r.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: o.controller, controller: true }];
  return deepFreeze(r);
}

const names = (revs: readonly ControllerRevisionObject[]) => revs.map((r) => `${r.metadata?.name ?? ""}@${r.revision ?? 0}`);
const label = (r: ControllerRevisionObject) => revisionHashOf(r);

describe("newRevision: what a DaemonSet's revision holds", () => {
  it("history: named <ds>-<hash>, labelled, controlled by the DaemonSet, the template under a replace directive", () => {
    const r = newRevision(V1, H1, 1);
    expect(r.metadata).toEqual({
      name: `agent-${H1}`,
      namespace: "default",
      labels: { app: "agent", [DAEMONSET_HASH_LABEL]: H1 },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: DS_UID, controller: true, blockOwnerDeletion: true }],
    });
    expect(r.revision).toBe(1);
    expect(r.data).toEqual({ spec: { template: { $patch: "replace", metadata: { creationTimestamp: null, labels: { app: "agent" } }, spec: V1.spec?.template.spec } } });
  });

  it("history: data is written as kubectl writes the same patch (sorted keys, a null creationTimestamp), so undo can tell it is current", () => {
    const ds = daemonSet({ spec: { nodeSelector: { zone: "b", arch: "arm64" }, hostNetwork: true } });
    expect(JSON.stringify(revisionData(ds))).toBe(
      '{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"agent"}},"spec":{"containers":[{"image":"agent:v1","name":"main"}],"hostNetwork":true,"nodeSelector":{"arch":"arm64","zone":"b"}}}}}',
    );
  });

  it("history: the DaemonSet's annotations are copied, kubectl's last-applied record is not", () => {
    const ds = deepFreeze({ ...V1, metadata: { ...V1.metadata, annotations: { "kubernetes.io/change-cause": "v1", "kubectl.kubernetes.io/last-applied-configuration": "{}" } } });
    expect(newRevision(ds, H1, 1).metadata.annotations).toEqual({ "kubernetes.io/change-cause": "v1" });
  });

  it("history: revisionData does not share the DaemonSet's template", () => {
    const data = revisionData(V1);
    expect(data.spec.template).not.toBe(V1.spec?.template);
    expect(Object.isFrozen(data.spec.template["spec"])).toBe(false);
  });
});

describe("holdsTemplateOf: templates compared as they mean", () => {
  const cases: { name: string; data: unknown; holds: boolean }[] = [
    { name: "the same template", data: revisionData(V1), holds: true },
    { name: "another image", data: revisionData(V2), holds: false },
    { name: "the template after kubectl's Go structs (nulls, empty maps, other key order)", data: { spec: { template: { $patch: "replace", spec: { containers: [{ resources: {}, image: "agent:v1", name: "main" }] }, metadata: { creationTimestamp: null, labels: { app: "agent" } } } } }, holds: true },
    { name: "no template at all", data: { spec: {} }, holds: false },
    { name: "a template that is not an object", data: { spec: { template: "x" } }, holds: false },
  ];
  it.each(cases)("history: $name → $holds", ({ data, holds }) => {
    expect(holdsTemplateOf({ metadata: { name: "r" }, data: data as ControllerRevisionObject["data"], revision: 1 }, V1)).toBe(holds);
  });
});

describe("planHistory: the current revision is found, made or renumbered", () => {
  interface Case {
    name: string;
    ds: DaemonSetObject;
    owned: ControllerRevisionObject[];
    create?: string;
    current?: string;
    renumber?: number;
    duplicates?: string[];
    old?: string[];
    hash?: string;
  }
  const r1 = rev(V1, 1);
  const r2 = rev(V2, 2);
  const cases: Case[] = [
    { name: "a new DaemonSet gets revision 1", ds: V1, owned: [], create: `agent-${H1}@1`, hash: H1 },
    { name: "the current template's revision is found and kept", ds: V1, owned: [r1], current: r1.metadata?.name ?? "", hash: H1 },
    { name: "a changed template gets the next number; the other is old", ds: V2, owned: [r1], create: `agent-${daemonSetHash(V2)}@2`, old: [`agent-${H1}@1`], hash: daemonSetHash(V2) },
    { name: "returning to the first template renumbers its revision, no duplicate", ds: V1, owned: [r1, r2], current: r1.metadata?.name ?? "", renumber: 3, old: [`agent-${daemonSetHash(V2)}@2`], hash: H1 },
    { name: "a current revision already numbered highest is left as it is", ds: V1, owned: [rev(V1, 3), r2], current: r1.metadata?.name ?? "", old: [`agent-${daemonSetHash(V2)}@2`], hash: H1 },
    { name: "a third template is numbered after the highest", ds: V3, owned: [rev(V1, 3), r2], create: `agent-${daemonSetHash(V3)}@4`, old: [`agent-${daemonSetHash(V2)}@2`, `agent-${H1}@3`], hash: daemonSetHash(V3) },
    {
      name: "of two revisions of the current template the highest is kept, the other is a duplicate",
      ds: V1,
      owned: [rev(V1, 4, { name: "agent-dup", labels: { app: "agent", [DAEMONSET_HASH_LABEL]: "dup" } }), rev(V1, 1), rev(V2, 3)],
      current: "agent-dup",
      duplicates: [`agent-${H1}@1`],
      old: [`agent-${daemonSetHash(V2)}@3`],
      hash: "dup",
    },
    { name: "a revision without the hash label stands for its name", ds: V1, owned: [rev(V1, 1, { name: "agent-legacy", labels: { app: "agent" } })], current: "agent-legacy", hash: "agent-legacy" },
  ];
  it.each(cases)("history: $name", (c) => {
    const plan = planHistory(c.ds, c.owned);
    expect(plan.create ? names([plan.create]) : []).toEqual(c.create ? [c.create] : []);
    expect(plan.current?.metadata?.name).toBe(c.current);
    expect(plan.renumber).toBe(c.renumber);
    expect(names(plan.duplicates)).toEqual(c.duplicates ?? []);
    expect(names(plan.old).sort()).toEqual([...(c.old ?? [])].sort());
    expect(plan.hash).toBe(c.hash);
  });
});

describe("claimRevisions: which revisions a DaemonSet controls, adopts or releases", () => {
  const other = { labels: { app: "other", [DAEMONSET_HASH_LABEL]: "x" } };
  const cases: { name: string; ds?: DaemonSetObject; revs: ControllerRevisionObject[]; owned?: string[]; adopt?: string[]; release?: string[] }[] = [
    { name: "its own selected revisions are owned", revs: [rev(V1, 1)], owned: [`agent-${H1}`] },
    { name: "a selected orphan is adopted", revs: [rev(V1, 1, { controller: null })], adopt: [`agent-${H1}`] },
    { name: "an orphan it does not select is left alone", revs: [rev(V1, 1, { controller: null, ...other })] },
    { name: "its own revision it no longer selects is released", revs: [rev(V1, 1, other)], release: [`agent-${H1}`] },
    { name: "another DaemonSet's revision is left alone", revs: [rev(V1, 1, { controller: "uid-other" })] },
    { name: "a revision in another namespace is left alone", revs: [rev(V1, 1, { controller: null, namespace: "kube-system" })] },
    { name: "a revision being deleted is left alone", revs: [deepFreeze({ ...rev(V1, 1), metadata: { ...rev(V1, 1).metadata, deletionTimestamp: "2026-11-22T01:00:00Z" } })] },
    {
      name: "a DaemonSet being deleted neither adopts nor releases",
      ds: deepFreeze({ ...V1, metadata: { ...V1.metadata, deletionTimestamp: "2026-11-22T01:00:00Z" } }),
      revs: [rev(V1, 1, { controller: null }), rev(V2, 2, other), rev(V1, 3, { name: "mine" })],
      owned: ["mine"],
    },
  ];
  it.each(cases)("history: $name", (c) => {
    const claims = claimRevisions(c.ds ?? V1, c.revs);
    const n = (rs: ControllerRevisionObject[]) => rs.map((r) => r.metadata?.name);
    expect(n(claims.owned)).toEqual(c.owned ?? []);
    expect(n(claims.adopt)).toEqual(c.adopt ?? []);
    expect(n(claims.release)).toEqual(c.release ?? []);
  });
});

describe("revisionsToPrune: old revisions past revisionHistoryLimit", () => {
  const olds = (count: number) => Array.from({ length: count }, (_, i) => rev(daemonSet({ image: `agent:old-${i + 1}` }), i + 1));
  const withLimit = (limit: number) => deepFreeze({ ...V1, spec: { ...V1.spec!, revisionHistoryLimit: limit } });
  const podOf = (r: ControllerRevisionObject): PodObject => deepFreeze({ ...daemonPod("p", "pi-1"), metadata: { name: "p", namespace: "default", labels: { app: "agent", [DAEMONSET_HASH_LABEL]: label(r) } } });
  const cases: { name: string; ds: DaemonSetObject; old: ControllerRevisionObject[]; pods?: PodObject[]; pruned: number[] }[] = [
    { name: "ten are kept by default", ds: V1, old: olds(10), pruned: [] },
    { name: "past ten by default, the lowest numbered go", ds: V1, old: olds(12), pruned: [1, 2] },
    { name: "a limit of 1 keeps the newest old one", ds: withLimit(1), old: olds(3), pruned: [1, 2] },
    { name: "a limit of 0 keeps none", ds: withLimit(0), old: olds(2), pruned: [1, 2] },
    { name: "a revision a pod still runs is kept, and newer old ones go in its place", ds: withLimit(1), old: olds(3), pods: [podOf(olds(3)[0]!)], pruned: [2, 3] },
  ];
  it.each(cases)("history: $name", ({ ds, old, pods, pruned }) => {
    expect(revisionsToPrune(ds, old, pods ?? []).map((r) => r.revision)).toEqual(pruned);
  });
});

describe("podsToRelabel: pods of duplicate revisions", () => {
  it("history: only pods carrying a duplicate's hash are relabelled; old-template pods stay old", () => {
    const dup = rev(V1, 1, { name: "agent-dup", labels: { app: "agent", [DAEMONSET_HASH_LABEL]: "dup" } });
    const withHash = (name: string, hash: string): PodObject => deepFreeze({ ...daemonPod(name, "pi-1"), metadata: { name, namespace: "default", labels: { app: "agent", [DAEMONSET_HASH_LABEL]: hash } } });
    const pods = [withHash("a", "dup"), withHash("b", H1), withHash("c", "older")];
    expect(podsToRelabel(pods, [dup], H1).map((p) => p.metadata?.name)).toEqual(["a"]);
  });
});
