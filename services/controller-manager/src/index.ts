export { NodeController } from "./node/controller.ts";
export type { NodeControllerOptions } from "./node/controller.ts";
export { startControllerManager } from "./run.ts";
export type { ControllerManager, ControllerManagerOptions } from "./run.ts";
export type { ServiceAccountTokenGenerator } from "./serviceaccount/tokens.ts";
