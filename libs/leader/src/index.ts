// Kubernetes-style leader election on Lease objects (coordination.k8s.io/v1), with a
// fence: a leader stops acting before any follower may take over.
export { LeaderElector } from "./elector.ts";
export type { LeaderElectorOptions } from "./elector.ts";
export { runWhileLeading } from "./run-while-leading.ts";
export type { Electable, RunWhileLeadingOptions, Stoppable } from "./run-while-leading.ts";
export { NotLeaderError } from "./term.ts";
export {
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_NAMESPACE,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_JITTER,
  DEFAULT_RETRY_PERIOD_MS,
  InvalidLeaderElectionConfigError,
  withDefaults,
} from "./config.ts";
export type { LeaderElectionConfig, LeaderElectionTimingOptions } from "./config.ts";
export { LEASE_DURATION_MS_ANNOTATION, recordFromLease } from "./lease-record.ts";
export { formatMicroTime } from "./micro-time.ts";
export type { LeaderCallbacks, LeaderFence, LeaseRecord, RenewalReport } from "./types.ts";
