/**
 * The witness: a process pod started on one node before any chaos. Workloads must not
 * notice masters dying, so after each scenario it still runs the same process (same
 * PID, same container, no restart).
 */
import type { Member } from "./members.ts";
import { apiRequest, type Api } from "./probes.ts";

export const WITNESS_NODE = "n1";
const MARKER = `witness-${process.pid}`;

export interface WitnessState {
  pid: string;
  containerID: string;
  restarts: number;
}

/** The pod, pinned to WITNESS_NODE; its process carries a marker `ps` can find. */
export function witnessPod(): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "witness" },
    spec: { nodeName: WITNESS_NODE, runtimeClassName: "process", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "none", command: ["sh", "-c", `sleep 3600; echo ${MARKER}`] }] },
  };
}

/** Its pod's container ID and restart count through `api`, and the PID of its process in the node's container. */
export async function witnessState(api: Api, node: Member): Promise<WitnessState> {
  const r = await apiRequest(api, "GET", "/api/v1/namespaces/default/pods/witness", undefined, 3000);
  if (r.status !== 200) throw new Error(`GET pod witness: ${r.status} ${r.body.slice(0, 200)}`);
  const cs = (JSON.parse(r.body) as { status?: { containerStatuses?: { containerID?: string; restartCount?: number }[] } }).status?.containerStatuses?.[0];
  const ps = await node.exec(["ps", "-o", "pid,args"]);
  const line = ps.stdout.split("\n").find((l) => l.includes(MARKER));
  return { pid: line?.trim().split(/\s+/)[0] ?? "gone", containerID: cs?.containerID ?? "", restarts: cs?.restartCount ?? -1 };
}
