import { describe, expect, it } from "vitest";
import { natsConfig, parseStoreSync } from "./nats-server.ts";

describe("--store-sync", () => {
  it("fsyncs before every acknowledgement unless told otherwise", () => {
    expect(natsConfig({ dataDir: "/d", storeDir: "/d/js" })).toContain("sync_interval: always }");
    expect(natsConfig({ dataDir: "/d", storeDir: "/d/js", storeSync: "always" })).toContain("sync_interval: always }");
  });

  it("an interval is written as a duration nats-server reads", () => {
    expect(natsConfig({ dataDir: "/d", storeDir: "/d/js", storeSync: "1s" })).toContain('sync_interval: "1s" }');
    expect(parseStoreSync("500ms")).toBe("500ms");
    expect(parseStoreSync("2m")).toBe("2m");
  });

  it.each(["", "never", "0s", "1.5s", "-1s", "1 s", "1d", "1s; jetstream: false"])("refuses %j with the flag named", (v) => {
    expect(() => parseStoreSync(v)).toThrow(/--store-sync must be "always" or a positive interval/);
  });
});
