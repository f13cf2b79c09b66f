/** A kubeconfig for kubectl: one cluster pinned to our CA, one token user, one context. */
import { stringify } from "yaml";
import { SECRET_MODE, writeFileAtomic } from "./files.ts";

/** Input of writeKubeconfig. */
export interface KubeconfigOptions {
  /** Name of the cluster entry, and of the context. */
  clusterName: string;
  /** The apiserver URL, e.g. "https://127.0.0.1:6443". */
  server: string;
  /** The CA that signed the serving certificate, PEM. */
  caCertPem: string;
  /** Bearer token for the user. */
  token: string;
  /** Name of the user entry. */
  user: string;
}

/** The kubeconfig document as YAML text. */
export function kubeconfigYaml(options: KubeconfigOptions): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: options.clusterName, cluster: { server: options.server, "certificate-authority-data": Buffer.from(options.caCertPem).toString("base64") } }],
    users: [{ name: options.user, user: { token: options.token } }],
    contexts: [{ name: options.clusterName, context: { cluster: options.clusterName, user: options.user } }],
    "current-context": options.clusterName,
    preferences: {},
  });
}

/** Write the kubeconfig to `path` (mode 0600, since it holds a token), replacing any file there. */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<void> {
  await writeFileAtomic(path, kubeconfigYaml(options), SECRET_MODE);
}
