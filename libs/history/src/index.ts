export { checkHistory } from "./check.ts";
export type { HistoryOp, ReadOp, WriteOp, Violation, CheckResult } from "./check.ts";
export { leaderOverlaps } from "./leaders.ts";
export type { LeaderInterval } from "./leaders.ts";
