/**
 * A container's environment, resolved the way the kubelet does it: `envFrom` first
 * (ConfigMaps and Secrets, with an optional prefix), then `env` entries in order, which
 * win; `valueFrom` reads ConfigMap and Secret keys and the pod's own fields, and
 * `$(VAR)` references earlier variables. A missing, non-optional source is a
 * CreateContainerConfigError: the container waits and the kubelet retries.
 */
import { parseQuantity } from "@flotilla/api/quantity";
import type { ContainerObject, PodObject } from "@flotilla/api";

/** Reads ConfigMaps and Secrets (from the apiserver). undefined when absent. */
export interface EnvSources {
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** Secret values already base64-decoded. */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** The variables that point in-cluster clients at the apiserver ({} when unknown); see kubernetesServiceEnv. */
  serviceEnv(): Promise<Record<string, string>>;
}

/** The parts of an Endpoints object kubernetesServiceEnv reads. */
export interface EndpointsLike {
  subsets?: { addresses?: { ip?: string }[]; ports?: { port?: number }[] }[];
}

/**
 * KUBERNETES_SERVICE_HOST/PORT/PORT_HTTPS from the first address and port of the
 * `default/kubernetes` Endpoints (the apiserver keeps its advertise address and HTTPS
 * port there). Kubernetes gives the Service's ClusterIP instead; this stands in until
 * kube-proxy gives that ClusterIP a route on every node. No usable endpoint: no variables.
 */
export function kubernetesServiceEnv(endpoints: EndpointsLike | undefined): Record<string, string> {
  for (const subset of endpoints?.subsets ?? []) {
    const ip = subset.addresses?.find((a) => a.ip)?.ip;
    const port = subset.ports?.find((p) => p.port)?.port;
    if (!ip || !port) continue;
    // An IPv6 address stays unbracketed, as Kubernetes sets it: client-go brackets it itself.
    return { KUBERNETES_SERVICE_HOST: ip, KUBERNETES_SERVICE_PORT: String(port), KUBERNETES_SERVICE_PORT_HTTPS: String(port) };
  }
  return {};
}

export class ContainerConfigError extends Error {
  override name = "ContainerConfigError";
}

/** The pod fields a fieldRef may name, as Kubernetes supports them for env. */
function podField(pod: PodObject, path: string, podIp: string, hostIp: string): string | undefined {
  const m = pod.metadata ?? {};
  const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
  if (label) return m.labels?.[label[1]!] ?? "";
  const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(path);
  if (annotation) return m.annotations?.[annotation[1]!] ?? "";
  switch (path) {
    case "metadata.name":
      return m.name;
    case "metadata.namespace":
      return m.namespace;
    case "metadata.uid":
      return m.uid;
    case "spec.nodeName":
      return pod.spec?.nodeName;
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName;
    case "status.podIP":
    case "status.podIPs":
      return podIp;
    case "status.hostIP":
    case "status.hostIPs":
      return hostIp;
    default:
      return undefined;
  }
}

/** `$(VAR)` → the value of an earlier variable; `$$(VAR)` → a literal `$(VAR)`; unknown references stay. */
export function expandReferences(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === "$$") return "$";
    return name !== undefined && Object.hasOwn(env, name) ? env[name]! : m;
  });
}

type Source = { kind: "ConfigMap" | "Secret"; name: string; optional: boolean };

async function readSource(sources: EnvSources, ns: string, s: Source): Promise<Record<string, string> | undefined> {
  const data = s.kind === "ConfigMap" ? await sources.configMap(ns, s.name) : await sources.secret(ns, s.name);
  if (!data && !s.optional) throw new ContainerConfigError(`${s.kind.toLowerCase()} "${s.name}" not found`);
  return data;
}

/**
 * The container's environment. `base` (the apiserver's service variables) comes first:
 * the container's own `env` and `envFrom` override it and may refer to it with `$(VAR)`,
 * as with Kubernetes' service variables.
 */
export async function resolveEnv(container: ContainerObject, pod: PodObject, sources: EnvSources, ips: { podIp: string; hostIp: string }, base: Readonly<Record<string, string>> = {}): Promise<Record<string, string>> {
  const ns = pod.metadata?.namespace ?? "default";
  const env: Record<string, string> = { ...base };
  for (const from of container.envFrom ?? []) {
    const src: Source | undefined = from.configMapRef
      ? { kind: "ConfigMap", name: from.configMapRef.name ?? "", optional: from.configMapRef.optional === true }
      : from.secretRef
        ? { kind: "Secret", name: from.secretRef.name ?? "", optional: from.secretRef.optional === true }
        : undefined;
    if (!src) continue;
    const data = await readSource(sources, ns, src);
    for (const [k, v] of Object.entries(data ?? {})) env[`${from.prefix ?? ""}${k}`] = v;
  }
  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      env[e.name] = expandReferences(e.value ?? "", env);
      continue;
    }
    if (vf.fieldRef) {
      const v = podField(pod, vf.fieldRef.fieldPath, ips.podIp, ips.hostIp);
      if (v === undefined) throw new ContainerConfigError(`env ${e.name}: unsupported fieldRef ${vf.fieldRef.fieldPath}`);
      env[e.name] = v;
      continue;
    }
    const keyRef = vf.configMapKeyRef ?? vf.secretKeyRef;
    if (keyRef) {
      const kind = vf.configMapKeyRef ? "ConfigMap" : "Secret";
      const optional = keyRef.optional === true;
      const data = await readSource(sources, ns, { kind, name: keyRef.name ?? "", optional });
      const v = data?.[keyRef.key];
      if (v === undefined && !optional && data) throw new ContainerConfigError(`couldn't find key ${keyRef.key} in ${kind} ${ns}/${keyRef.name ?? ""}`);
      if (v !== undefined) env[e.name] = v;
      continue;
    }
    if (vf.resourceFieldRef) env[e.name] = resourceField(container, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor);
  }
  return env;
}

/** limits.cpu / requests.memory etc. in whole divisors, rounded up as Kubernetes does. */
export function resourceField(container: ContainerObject, resource: string, divisor?: string | number): string {
  const [kind, name] = resource.split(".") as ["limits" | "requests", string];
  const raw = container.resources?.[kind]?.[name];
  if (raw === undefined) return "0";
  const v = parseQuantity(raw) ?? 0;
  const d = (divisor === undefined ? 1 : parseQuantity(divisor)) || 1;
  return String(Math.ceil(v / d));
}
