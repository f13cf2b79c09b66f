export { Scheduler } from "./scheduler.ts";
export type { SchedulerOptions } from "./scheduler.ts";
export { startScheduler } from "./run.ts";
