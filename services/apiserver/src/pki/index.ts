/**
 * TLS and credentials for the apiserver: a CA and serving certificate kept on disk,
 * the admin token, and kubeconfigs that pin the CA.
 */
export { ensurePki, PKI_FILES } from "./pki.ts";
export type { Pki, PkiOptions } from "./pki.ts";
export { ensureAdminToken, ADMIN_TOKEN_FILE } from "./token.ts";
export { writeKubeconfig, kubeconfigYaml } from "./kubeconfig.ts";
export type { KubeconfigOptions } from "./kubeconfig.ts";
