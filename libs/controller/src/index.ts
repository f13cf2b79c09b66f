// Controller machinery: the work queue between event handlers and workers, the
// expectations a controller keeps after its own writes, and the worker loop.
export { WorkQueue } from "./queue.ts";
export type { WorkQueueOptions } from "./queue.ts";
export { Expectations } from "./expectations.ts";
export type { ExpectationsOptions } from "./expectations.ts";
export { QUIET_RETRIES, runController } from "./runner.ts";
export type { ControllerSpec, ReconcileResult } from "./runner.ts";
