/** In-process apiserver replicas against a real nats-server, for integration tests. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import { connectBus } from "@flotilla/bus";
import { startApiServer, withDefaults, type ApiServerHandle, type ApiServerOptions } from "@flotilla/apiserver";
import { createLogger } from "@flotilla/log";

export interface Replica {
  api: ApiServerHandle;
  nc: NatsConnection;
  stop(): Promise<void>;
}

export async function startReplica(natsUrl: string, name = "apiserver", options: Partial<ApiServerOptions> = {}): Promise<Replica> {
  const dataDir = mkdtempSync(join(tmpdir(), "flotilla-it-"));
  const nc = await connectBus({ servers: natsUrl, name });
  const api = await startApiServer(withDefaults({ dataDir, port: 0, bindAddress: "127.0.0.1", ...options }), { nc, log: createLogger(name, { level: process.env["FLOTILLA_LOG_LEVEL"] ?? "warn" }) });
  let stopped = false;
  return {
    api,
    nc,
    async stop() {
      if (stopped) return;
      stopped = true;
      await api.stop();
      await nc.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
