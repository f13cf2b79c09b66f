import { describe, expect, it } from "vitest";
import { natsConfig } from "../nats-server.ts";
import { BootstrapError, seal, unseal } from "./bootstrap.ts";
import { clusterOptions, routeUrl } from "./master.ts";

describe("master cluster settings", () => {
  it("a standalone master has no cluster block", () => {
    expect(clusterOptions({ clusterPort: "6222" }, "127.0.0.1")).toBeUndefined();
    expect(natsConfig({ dataDir: "/d", storeDir: "/d/js" })).not.toContain("cluster");
  });

  it("the first master routes to itself (clustered JetStream refuses to start without a route); joiners route to the seeds", () => {
    expect(clusterOptions({ clusterInit: true, clusterPort: "6222" }, "0.0.0.0")).toEqual({ host: "0.0.0.0", port: 6222, routes: ["nats-route://127.0.0.1:6222"], advertise: undefined });
    expect(clusterOptions({ join: ["10.0.0.1:7000,10.0.0.2"], clusterPort: "6222", clusterHost: "10.0.0.3" }, "127.0.0.1")?.routes).toEqual(["nats-route://10.0.0.1:7000", "nats-route://10.0.0.2:6222"]);
    const conf = natsConfig({ dataDir: "/d", storeDir: "/d/js", serverName: "m2", cluster: { host: "10.0.0.3", port: 6222, routes: ["nats-route://10.0.0.1:6222"] } });
    expect(conf).toContain('cluster { name: flotilla, listen: "10.0.0.3:6222", routes: ["nats-route://10.0.0.1:6222"] }');
    expect(conf).toContain('server_name: "m2"');
    expect(conf).toContain("sync_interval: always");
  });

  it("bad combinations and addresses are refused with the flag named", () => {
    expect(() => clusterOptions({ clusterInit: true, join: ["a:1"], clusterPort: "6222" }, "h")).toThrow(/--cluster-init and --join/);
    expect(() => clusterOptions({ join: ["a:1"], clusterPort: "x" }, "h")).toThrow(/--cluster-port/);
    expect(() => routeUrl("https://10.0.0.1:6443")).toThrow(/--join/);
  });

  it("the sealed bundle opens with the same token only", async () => {
    const bundle = { "ca.crt": "CERT", "ca.key": "KEY" };
    const sealed = await seal(bundle, "a-cluster-token-long-enough");
    expect(JSON.stringify(sealed)).not.toContain("KEY");
    expect(await unseal(sealed, "a-cluster-token-long-enough")).toEqual(bundle);
    await expect(unseal(sealed, "another-token-long-enough")).rejects.toBeInstanceOf(BootstrapError);
    await expect(seal(bundle, "short")).rejects.toThrow(/at least 16/);
  });
});
