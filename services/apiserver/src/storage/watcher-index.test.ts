import { describe, expect, it } from "vitest";
import type { KubeObject } from "@flotilla/api";
import { parseFieldSelector, type ObjectFilter } from "./selectors.ts";
import { WatcherSet } from "./watcher-index.ts";

const w = (name: string, fieldSelector?: string) => ({ name, opts: { filter: { labels: [], fields: parseFieldSelector(fieldSelector, "pods") } as unknown as ObjectFilter } });
const pod = (node?: string): KubeObject => ({ metadata: { name: "p" }, spec: node ? { nodeName: node } : {} });

describe("watcher index", () => {
  it("apiserver: a pod change is offered to its node's watchers and every unindexed watcher only", () => {
    const set = new WatcherSet<ReturnType<typeof w>>("spec.nodeName");
    const all = w("all");
    const n1 = w("n1", "spec.nodeName=node-1");
    const n2 = w("n2", "spec.nodeName=node-2");
    const not1 = w("not1", "spec.nodeName!=node-1");
    for (const x of [all, n1, n2, not1]) set.add(x);
    expect([...set.candidates(pod("node-1"), undefined)].map((x) => x.name).sort()).toEqual(["all", "n1", "not1"]);
    // A pod bound from no node to node-2: node-2's watcher hears it, and "" has none.
    expect([...set.candidates(pod("node-2"), pod())].map((x) => x.name).sort()).toEqual(["all", "n2", "not1"]);
    // Moving between nodes reaches both (one sees it leave, the other arrive).
    expect([...set.candidates(pod("node-2"), pod("node-1"))].map((x) => x.name).sort()).toEqual(["all", "n1", "n2", "not1"]);
    set.delete(n1);
    expect([...set.candidates(pod("node-1"), undefined)].map((x) => x.name).sort()).toEqual(["all", "not1"]);
    expect(set.size).toBe(3);
  });
});
