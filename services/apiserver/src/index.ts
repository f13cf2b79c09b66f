export { startApiServer, DEFAULT_NAMESPACES } from "./run.ts";
export type { ApiServerDeps, ApiServerHandle } from "./run.ts";
export { withDefaults } from "./config.ts";
export type { ApiServerOptions, ApiServerConfig } from "./config.ts";
export { KUBERNETES_VERSION, KUBERNETES_API_VERSION } from "./http/discovery.ts";
// The secrets every master of a cluster shares (flotilla server --join copies them).
export { ensurePki, ensureAdminToken, PKI_FILES, ADMIN_TOKEN_FILE } from "./pki/index.ts";
export { ensureServiceAccountKeys, readServiceAccountPrivateKey, SA_KEY_FILE } from "./auth/sa-keys.ts";
// What a controller manager signs the tokens of token Secrets with (--service-account-private-key-file).
export { legacyTokenGenerator } from "./auth/legacy-tokens.ts";
export type { LegacyTokenGenerator } from "./auth/legacy-tokens.ts";
