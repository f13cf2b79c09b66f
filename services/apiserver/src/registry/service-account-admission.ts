/**
 * Kubernetes' ServiceAccount admission for new pods: every pod runs as an account
 * (`default` unless it names one), and unless it or its account opts out, gets the
 * account's token, the cluster CA and its namespace mounted at the well-known path
 * through one projected volume. The kubelet fills that volume (a token bound to the pod,
 * refreshed before it expires; the CA from the `kube-root-ca.crt` ConfigMap).
 */
import { ApiError, StatusReason, type KubeObject } from "@flotilla/api";
import { generateNameSuffix } from "./strategy.ts";

export const SERVICE_ACCOUNT_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
/** Kubernetes asks for 3607 s, a value the kubelet recognises as "the default token". */
export const TOKEN_EXPIRATION_SECONDS = 3607;
export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
const VOLUME_PREFIX = "kube-api-access-";

type Mount = { name: string; mountPath: string; readOnly?: boolean };
type Container = { volumeMounts?: Mount[] };
type PodSpec = {
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  volumes?: { name: string }[];
  containers?: Container[];
  initContainers?: Container[];
};

/** The account a pod runs as once admitted. */
export function podServiceAccountName(pod: KubeObject): string {
  const spec = (pod["spec"] ?? {}) as PodSpec;
  return spec.serviceAccountName || spec.serviceAccount || "default";
}

/** The projected volume Kubernetes names kube-api-access-<suffix>. */
export function serviceAccountVolume(name: string): Record<string, unknown> {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: "token" } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
      ],
    },
  };
}

/**
 * Admit a new pod (in place). `account` is the pod's ServiceAccount, undefined when it
 * does not exist. A missing named account is refused, as in Kubernetes; a missing
 * `default` is let through, because the controller that creates it may be a moment
 * behind a new namespace, and the kubelet waits for the token anyway.
 */
export function admitServiceAccount(pod: KubeObject, account: KubeObject | undefined): void {
  const spec = pod["spec"] as PodSpec | undefined;
  if (!spec) return;
  const name = podServiceAccountName(pod);
  if (!account && name !== "default") {
    throw new ApiError(StatusReason.Forbidden, 403, `pods "${pod.metadata.name ?? pod.metadata.generateName ?? ""}" is forbidden: error looking up service account ${pod.metadata.namespace ?? ""}/${name}: serviceaccount "${name}" not found`, { kind: "pods", name: pod.metadata.name ?? "" });
  }
  spec.serviceAccountName = name;
  spec.serviceAccount = name;
  const automount = spec.automountServiceAccountToken ?? (account?.["automountServiceAccountToken"] as boolean | undefined) ?? true;
  if (!automount) return;
  const needing = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].filter((c) => !(c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH));
  if (needing.length === 0) return;
  const taken = new Set((spec.volumes ?? []).map((v) => v.name));
  let volume = VOLUME_PREFIX + generateNameSuffix();
  while (taken.has(volume)) volume = VOLUME_PREFIX + generateNameSuffix();
  spec.volumes = [...(spec.volumes ?? []), serviceAccountVolume(volume) as { name: string }];
  for (const c of needing) c.volumeMounts = [...(c.volumeMounts ?? []), { name: volume, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
}
