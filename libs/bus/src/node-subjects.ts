/**
 * Per-node subjects: `flotilla.node.<node>.<what>`. Each node's traffic has its own
 * subject tree, so a NATS permission can confine a node's credentials to its own
 * subjects (`flotilla.node.pi-1.>`), and operators can watch one node or all of them:
 * `nats sub 'flotilla.node.*.heartbeat'`.
 *
 * Node names are DNS subdomains and may contain `.`, which NATS splits tokens on; it
 * becomes `_`, which a DNS name cannot contain, so the mapping is reversible.
 */
export const NodeChannel = {
  Heartbeat: "heartbeat",
  Logs: "logs",
  Exec: "exec",
} as const;
export type NodeChannel = (typeof NodeChannel)[keyof typeof NodeChannel];

export function nodeToken(nodeName: string): string {
  return nodeName.replaceAll(".", "_");
}

export function nodeFromToken(token: string): string {
  return token.replaceAll("_", ".");
}

export function nodeSubject(prefix: string, nodeName: string, channel: NodeChannel): string {
  return `${prefix}.node.${nodeToken(nodeName)}.${channel}`;
}

/** Every node's subject for one channel, for subscribers such as the node controller. */
export function allNodesSubject(prefix: string, channel: NodeChannel): string {
  return `${prefix}.node.*.${channel}`;
}

/** The node name in a per-node subject, or undefined if the subject is not one. */
export function nodeOfSubject(prefix: string, subject: string): string | undefined {
  const head = `${prefix}.node.`;
  if (!subject.startsWith(head)) return undefined;
  const token = subject.slice(head.length).split(".")[0];
  return token ? nodeFromToken(token) : undefined;
}

/** What a kubelet says every heartbeat (msgpack). No store write: the node controller keeps it in memory. */
export interface NodeHeartbeat {
  node: string;
  /** Increases by one per heartbeat of this kubelet process. */
  seq: number;
  /** The kubelet's clock, for display only: the controller judges silence by its own clock. */
  sentAtMs: number;
  /** The kubelet's own view: false when it cannot run pods (its runtime is down). */
  ready: boolean;
  /** Changes when the kubelet restarts. */
  bootId: string;
}
