/**
 * What every live namespace must hold (pure decisions; the controller reads and writes):
 * - a `default` ServiceAccount (Kubernetes' serviceaccount-controller), so pods that
 *   name no account have one;
 * - the `kube-root-ca.crt` ConfigMap with the cluster CA (Kubernetes'
 *   root-ca-cert-publisher), which the kubelet projects into pods as `ca.crt`.
 * A Terminating namespace gets nothing: it is being emptied.
 */
import type { KubeObject } from "@flotilla/api";

export const DEFAULT_ACCOUNT = "default";
export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
export const ROOT_CA_KEY = "ca.crt";
const DESCRIPTION = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

export type NamespaceAction =
  | { kind: "createAccount"; object: KubeObject }
  | { kind: "createConfigMap"; object: KubeObject }
  | { kind: "updateConfigMap"; object: KubeObject };

export interface NamespaceState {
  namespace: KubeObject | undefined;
  account: KubeObject | undefined;
  configMap: KubeObject | undefined;
  /** The CA to publish; undefined when this controller manager was given none. */
  caPem: string | undefined;
}

export function planNamespace(s: NamespaceState): NamespaceAction[] {
  const ns = s.namespace;
  if (!ns || ns.metadata.deletionTimestamp) return [];
  const name = ns.metadata.name ?? "";
  const out: NamespaceAction[] = [];
  if (!s.account || s.account.metadata.deletionTimestamp) {
    out.push({ kind: "createAccount", object: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: DEFAULT_ACCOUNT, namespace: name } } });
  }
  if (s.caPem !== undefined) {
    const data = { [ROOT_CA_KEY]: s.caPem };
    if (!s.configMap) {
      out.push({ kind: "createConfigMap", object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: ROOT_CA_CONFIGMAP, namespace: name, annotations: { "kubernetes.io/description": DESCRIPTION } }, data } as KubeObject });
    } else if ((s.configMap["data"] as Record<string, string> | undefined)?.[ROOT_CA_KEY] !== s.caPem || Object.keys((s.configMap["data"] as object | undefined) ?? {}).length !== 1) {
      // Someone changed it: put the CA back, keeping the object's identity and annotations.
      out.push({ kind: "updateConfigMap", object: { ...s.configMap, data } as KubeObject });
    }
  }
  return out;
}
