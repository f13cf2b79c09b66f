/**
 * `flotilla server --store-sync`: the embedded nats-server accepts what natsConfig writes
 * for each setting, and the store works on it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "@flotilla/log";
import { connectBus } from "@flotilla/bus";
import { KvStore } from "@flotilla/store";
import { natsConfig, startEmbeddedNats } from "../../services/flotilla/src/nats-server.ts";
import { NATS_SERVER_BIN } from "../support/nats.ts";
import { freePort } from "../support/ports.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "flotilla-store-sync-"));
  dirs.push(d);
  return d;
}

describe("store sync setting", () => {
  it.each(["always", "1s", "250ms"])("nats-server accepts the configuration for %s", (storeSync) => {
    const dir = tempDir();
    const conf = join(dir, "nats.conf");
    writeFileSync(conf, natsConfig({ dataDir: dir, storeDir: join(dir, "js"), port: 0, storeSync }));
    const check = spawnSync(NATS_SERVER_BIN, ["-c", conf, "-t"], { encoding: "utf8" });
    expect(check.stderr + check.stdout).not.toMatch(/error/i);
    expect(check.status).toBe(0);
  });

  // What the README promises for an interval: acknowledged writes are in the kernel's
  // page cache before the acknowledgement, so only a power loss can take them.
  it("with an interval, acknowledged writes survive kill -9 of nats-server", async () => {
    const dir = tempDir();
    const opts = { dataDir: dir, port: await freePort(), storeSync: "2m" };
    const log = createLogger("test", { level: "silent" });
    let nats = await startEmbeddedNats(opts, log);
    try {
      expect(readFileSync(join(dir, "nats", "nats-server.conf"), "utf8")).toContain('sync_interval: "2m"');
      let nc = await connectBus({ servers: nats.url, name: "store-sync-test" });
      let store = await KvStore.create(nc);
      const revisions = await Promise.all(Array.from({ length: 200 }, (_, i) => store.create(`/registry/configmaps/default/cm-${i}`, { data: { i: String(i) } })));
      // The client goes first: nats.js closing a connection whose server just died can
      // throw "write after end" from its flush, outside any promise.
      await store.close();
      await nc.close();
      const exited = new Promise((r) => nats.child.once("exit", r));
      nats.child.kill("SIGKILL");
      await exited;
      nats = await startEmbeddedNats(opts, log);
      nc = await connectBus({ servers: nats.url, name: "store-sync-test" });
      store = await KvStore.create(nc);
      const back = await Promise.all(revisions.map((_, i) => store.get(`/registry/configmaps/default/cm-${i}`)));
      expect(back.map((e) => e?.revision)).toEqual(revisions);
      await store.close();
      await nc.close();
    } finally {
      await nats.stop();
    }
  });
});
