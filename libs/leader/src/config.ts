/**
 * Leader election timings and names: options with documented defaults, validated once
 * into a frozen config. The defaults aim at failover within ~2–2.5 s of a leader's
 * death (bench/leader-election.bench.ts measures it) where Kubernetes' 15/10/2 s give
 * ~15 s; the bench also shows renewals staying far inside the deadline under load.
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";

/** Where and how long: the part of the options that is plain data. */
export interface LeaderElectionTimingOptions {
  /** Name of the Lease, usually the component ("kube-scheduler"). Required. */
  component: string;
  /** Namespace of the Lease. @default "kube-system" */
  namespace?: string;
  /** This candidate's identity, written as holderIdentity. @default `${hostname()}_${randomUUID()}` */
  identity?: string;
  /**
   * How long a follower waits, on its own monotonic clock, after it last saw the lease
   * change before it may take over. Written to the Lease in ms (annotation) and as
   * whole seconds rounded up (leaseDurationSeconds). @default 2000
   */
  leaseDurationMs?: number;
  /**
   * How long after the start of its last successful renewal the leader may keep
   * acting. Past it, the leader's signal aborts. Must be below leaseDurationMs: the
   * difference is the margin for timer lateness and clock-rate differences. @default 1500
   */
  renewDeadlineMs?: number;
  /** How often the leader renews and a follower polls the lease. Must be below renewDeadlineMs. @default 250 */
  retryPeriodMs?: number;
  /**
   * A follower's poll interval is retryPeriodMs × (1 ± retryJitter), uniformly, so
   * followers do not poll in lock step. In [0, 1). @default 0.2
   */
  retryJitter?: number;
}

/** The validated, defaulted timings. */
export interface LeaderElectionConfig {
  readonly component: string;
  readonly namespace: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly retryJitter: number;
}

export const DEFAULT_NAMESPACE = "kube-system";
export const DEFAULT_LEASE_DURATION_MS = 2000;
export const DEFAULT_RENEW_DEADLINE_MS = 1500;
export const DEFAULT_RETRY_PERIOD_MS = 250;
export const DEFAULT_RETRY_JITTER = 0.2;

/** Options that make no sense together or apart; the message names the option. */
export class InvalidLeaderElectionConfigError extends Error {
  override name = "InvalidLeaderElectionConfigError";
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid leader election options: ${problems.join("; ")}`);
    this.problems = problems;
  }
}

// A Lease's name is a DNS subdomain; its namespace a DNS label (Kubernetes' rules).
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

/** Every problem with the config, empty when it is usable. */
export function configProblems(c: LeaderElectionConfig): string[] {
  const problems: string[] = [];
  if (c.component.length === 0 || c.component.length > 253 || !DNS_SUBDOMAIN.test(c.component)) problems.push(`component must be a DNS subdomain name (the Lease's name), got ${JSON.stringify(c.component)}`);
  if (c.namespace.length > 63 || !DNS_LABEL.test(c.namespace)) problems.push(`namespace must be a DNS label, got ${JSON.stringify(c.namespace)}`);
  if (c.identity.length === 0) problems.push("identity must not be empty");
  for (const key of ["leaseDurationMs", "renewDeadlineMs", "retryPeriodMs"] as const) {
    const v = c[key];
    if (!Number.isSafeInteger(v) || v <= 0) problems.push(`${key} must be a positive whole number of ms, got ${v}`);
  }
  if (c.renewDeadlineMs >= c.leaseDurationMs) problems.push(`renewDeadlineMs (${c.renewDeadlineMs}) must be less than leaseDurationMs (${c.leaseDurationMs}), or a leader could still act after a follower took over`);
  if (c.retryPeriodMs >= c.renewDeadlineMs) problems.push(`retryPeriodMs (${c.retryPeriodMs}) must be less than renewDeadlineMs (${c.renewDeadlineMs}), or the leader gets no second try before its deadline`);
  if (!(c.retryJitter >= 0 && c.retryJitter < 1)) problems.push(`retryJitter must be in [0, 1), got ${c.retryJitter}`);
  return problems;
}

/** Defaults applied and validated; throws InvalidLeaderElectionConfigError. */
export function withDefaults(o: LeaderElectionTimingOptions): LeaderElectionConfig {
  const c: LeaderElectionConfig = {
    component: o.component,
    namespace: o.namespace ?? DEFAULT_NAMESPACE,
    identity: o.identity ?? defaultIdentity(),
    leaseDurationMs: o.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS,
    renewDeadlineMs: o.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS,
    retryPeriodMs: o.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS,
    retryJitter: o.retryJitter ?? DEFAULT_RETRY_JITTER,
  };
  const problems = configProblems(c);
  if (problems.length > 0) throw new InvalidLeaderElectionConfigError(problems);
  return Object.freeze(c);
}
