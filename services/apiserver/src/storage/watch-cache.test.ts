import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "@flotilla/log";
import { objectKey, StoreUnavailableError, type ListResult, type Store, type StoreEntry, type StoreEvent, type StoreWatch, type WatchOptions } from "@flotilla/store";
import { WatchCache } from "./watch-cache.ts";
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts";

const log = createLogger("test", { level: "silent" });

/** A store watch the test ends with a failure, as a long NATS outage would. */
class FailingWatch implements StoreWatch {
  #fail: (err: Error) => void = () => undefined;
  readonly #failed = new Promise<never>((_, reject) => (this.#fail = reject));
  fail(): void {
    this.#fail(new StoreUnavailableError("store unavailable during watch: test", false));
  }
  stop(): void {
    this.fail();
  }
  [Symbol.asyncIterator](): AsyncIterator<StoreEvent> {
    return { next: () => this.#failed };
  }
}

/** Only what the watch cache calls: list, watch, currentRevision. */
class ScriptedStore implements Pick<Store, "list" | "watch" | "currentRevision" | "expiryMarkerTtlMs"> {
  items: StoreEntry[] = [];
  revision = 0;
  lists = 0;
  readonly watches: { from: number | undefined; watch: FailingWatch }[] = [];
  readonly expiryMarkerTtlMs: number | undefined;
  constructor(expiryMarkerTtlMs: number | undefined) {
    this.expiryMarkerTtlMs = expiryMarkerTtlMs;
  }
  list(): Promise<ListResult> {
    this.lists++;
    return Promise.resolve({ items: [...this.items], revision: this.revision });
  }
  watch(options: WatchOptions): Promise<StoreWatch> {
    const watch = new FailingWatch();
    this.watches.push({ from: options.fromRevision, watch });
    return Promise.resolve(watch);
  }
  currentRevision(): Promise<number> {
    return Promise.resolve(this.revision);
  }
}

const key = objectKey("events", "default", "web.1");
const caches: WatchCache[] = [];
afterEach(() => {
  for (const c of caches.splice(0)) c.stop();
});

async function outageWhileTheEventExpires(expiryMarkerTtlMs: number | undefined): Promise<{ store: ScriptedStore; cache: WatchCache }> {
  const store = new ScriptedStore(expiryMarkerTtlMs);
  store.items = [{ key, revision: 1, value: { apiVersion: "v1", kind: "Event", metadata: { name: "web.1", namespace: "default" } } }];
  store.revision = 1;
  const cache = await WatchCache.start(store as unknown as Store, log);
  caches.push(cache);
  // The watch is down; meanwhile the event expires (revision 2, its marker) and the
  // marker itself expires: nothing in the store tells of the delete any more.
  store.items = [];
  store.revision = 2;
  await new Promise((r) => setTimeout(r, 60));
  store.watches[0]!.watch.fail();
  // The cache retries after 100 ms.
  for (let i = 0; i < 50 && store.watches.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  expect(store.watches).toHaveLength(2);
  return { store, cache };
}

describe("watch cache", () => {
  it("watch cache: back after longer than expiry markers last, it relists instead of resuming, so an expired event is gone", async () => {
    const { store, cache } = await outageWhileTheEventExpires(50);
    expect(store.lists).toBe(2);
    expect(store.watches[1]!.from).toBe(2);
    expect(cache.get("events", key)).toBeUndefined();
    expect(cache.list("events", { labels: parseLabelSelector(undefined), fields: parseFieldSelector(undefined, "events") }).items).toEqual([]);
  });

  it("watch cache: without expiring keys it resumes from its revision", async () => {
    const { store, cache } = await outageWhileTheEventExpires(undefined);
    expect(store.lists).toBe(1);
    expect(store.watches[1]!.from).toBe(1);
    expect(cache.get("events", key)).toBeDefined();
  });
});
