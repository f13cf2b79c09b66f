import { describe, expect, it } from "vitest";
import { WriteTracker } from "./tracker.ts";

function clock() {
  let nowMs = 0;
  return { now: () => nowMs, advance: (ms: number) => (nowMs += ms) };
}

const cache = (versions: Record<string, string>) => (object: string) => versions[object];

describe("endpoints: tracking the controller's own writes", () => {
  it("endpoints: the cache is behind until it shows a created slice, then current", () => {
    const t = new WriteTracker();
    t.written("default/web", "slice/web-x", "10");
    expect(t.behind("default/web", cache({}))).toBe(true);
    expect(t.behind("default/web", cache({ "slice/web-x": "10" }))).toBe(false);
    expect(t.size).toBe(0);
  });

  it("endpoints: a later version counts as having seen the write; an earlier one does not", () => {
    const t = new WriteTracker();
    t.written("default/web", "endpoints", "10");
    expect(t.behind("default/web", cache({ endpoints: "9" }))).toBe(true);
    expect(t.behind("default/web", cache({ endpoints: "12" }))).toBe(false);
  });

  it("endpoints: a deleted slice still in the cache keeps the service waiting", () => {
    const t = new WriteTracker();
    t.deleted("default/web", "slice/web-x");
    expect(t.behind("default/web", cache({ "slice/web-x": "10" }))).toBe(true);
    expect(t.behind("default/web", cache({}))).toBe(false);
  });

  it.each([
    { name: "the echo of our own update is not news", event: "10" as string | undefined, want: true, reconcile: false },
    { name: "a version past ours is someone else's change", event: "11", want: true, reconcile: true },
    { name: "an event older than our write is superseded by it", event: "9", want: false, reconcile: false },
    { name: "a deletion of what we wrote is someone else's", event: undefined, want: true, reconcile: true },
  ])("endpoints: $name", ({ event, want, reconcile }) => {
    const t = new WriteTracker();
    t.written("default/web", "slice/web-x", "10");
    expect(t.observed("default/web", "slice/web-x", event)).toBe(reconcile);
    expect(t.size === 0).toBe(want);
  });

  it("endpoints: an object never written by us is always news", () => {
    expect(new WriteTracker().observed("default/web", "endpoints", "5")).toBe(true);
  });

  it("endpoints: a reconcile put off for lagging caches is brought back by the last echo", () => {
    const t = new WriteTracker();
    t.written("default/web", "endpoints", "10");
    t.written("default/web", "slice/web-x", "11");
    expect(t.behind("default/web", cache({}))).toBe(true);
    expect(t.observed("default/web", "endpoints", "10")).toBe(false); // one echo still missing
    expect(t.observed("default/web", "slice/web-x", "11")).toBe(true);
  });

  it("endpoints: a write never seen stops holding its service back after the TTL", () => {
    const c = clock();
    const t = new WriteTracker({ ttlMs: 1000, now: c.now });
    t.written("default/web", "slice/web-x", "10");
    expect(t.behind("default/web", cache({}))).toBe(true);
    c.advance(1001);
    expect(t.behind("default/web", cache({}))).toBe(false);
  });

  it("endpoints: expired writes of services never looked at again are swept", () => {
    const c = clock();
    const t = new WriteTracker({ ttlMs: 1000, now: c.now });
    t.written("default/gone", "endpoints", "1");
    c.advance(1001);
    t.written("default/web", "endpoints", "2");
    expect(t.size).toBe(1);
  });

  it("endpoints: forgetting a service drops what it waited for", () => {
    const t = new WriteTracker();
    t.written("default/web", "endpoints", "10");
    t.forget("default/web");
    expect(t.behind("default/web", cache({}))).toBe(false);
  });
});
