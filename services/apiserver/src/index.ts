export { startApiServer, DEFAULT_NAMESPACES } from "./run.ts";
export type { ApiServerDeps, ApiServerHandle } from "./run.ts";
export { withDefaults } from "./config.ts";
export type { ApiServerOptions, ApiServerConfig } from "./config.ts";
export { KUBERNETES_VERSION, KUBERNETES_API_VERSION } from "./http/discovery.ts";
