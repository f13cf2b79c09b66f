export { Kubelet } from "./kubelet.ts";
export type { KubeletDeps } from "./kubelet.ts";
export { withDefaults } from "./config.ts";
export type { KubeletConfig, KubeletOptions } from "./config.ts";
export { detectNodeIp, machineInfo } from "./machine.ts";
export type { MachineInfo } from "./node-object.ts";
export { HollowRuntime } from "./runtime/hollow.ts";
export type { Runtime, RuntimeName } from "./runtime/types.ts";
export { ProcessRuntime } from "./runtime/process.ts";
