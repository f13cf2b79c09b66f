/** `flotilla version`: what runs, including the nats-server binary it would start. */
import { Command } from "commander";
import { findNatsServer, natsServerVersion } from "../nats-server.ts";
import { FLOTILLA_VERSION } from "../version.ts";

export function versionCommand(): Command {
  return new Command("version").description("print the versions of Flotilla, its Kubernetes API, Node.js and nats-server").action(async () => {
    const { KUBERNETES_API_VERSION } = await import("@flotilla/apiserver");
    let nats: string;
    const bin = findNatsServer();
    try {
      nats = `${natsServerVersion(bin)} (${bin})`;
    } catch (err) {
      nats = `unavailable: ${(err as Error).message}`;
    }
    console.log(`flotilla     ${FLOTILLA_VERSION}\nkubernetes   ${KUBERNETES_API_VERSION}\nnode         ${process.version}\nnats-server  ${nats}`);
  });
}
