/** Why the chaos suite cannot run on this machine (undefined when it can): shared by its files. */
import { existsSync } from "node:fs";
import { dockerSkipReason } from "../../support/docker.ts";
import { NATS_SERVER } from "./image.ts";
import { KUBECTL } from "./kube.ts";

export function chaosSkipReason(): string | undefined {
  const docker = dockerSkipReason();
  if (docker) return docker;
  if (!existsSync(KUBECTL)) return `kubectl is missing at ${KUBECTL}`;
  if (!existsSync(NATS_SERVER)) return `nats-server is missing at ${NATS_SERVER} (make tools)`;
  return undefined;
}
