/**
 * A container's volumeMounts as bind mounts for the runtime: which host directory (or
 * file, with a subPath) appears at which path, and whether read-only. Pure; the subPath
 * itself is resolved on disk by volumes.ts (volume-fs.ts resolveSubPath).
 */
import type { ContainerObject } from "@flotilla/api";
import { expandReferences } from "./env.ts";
import { MountConfigError } from "./volume-fs.ts";
import type { VolumeObject } from "./volume-projection.ts";

/** Where the service-account admission mounts the pod's token, CA and namespace. */
export const SERVICE_ACCOUNT_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
const SERVICE_ACCOUNT_VOLUME_PREFIX = "kube-api-access-";

/** The projected volume the apiserver adds to every pod that automounts its token. */
export function isServiceAccountVolume(v: VolumeObject): boolean {
  return v.projected !== undefined && v.name.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX);
}

/** A pod volume as it exists on the host. */
export interface VolumeHost {
  hostPath: string;
  /**
   * configMap, secret, downwardAPI, projected: always mounted read-only (Kubernetes does
   * so since 1.10: the kubelet rewrites them, a container's changes would be lost), and
   * a missing subPath is an error rather than a new directory.
   */
  apiData: boolean;
}

/** One mount of one container, before its subPath is resolved. */
export interface MountPlan {
  volume: string;
  /** The volume's directory (or hostPath). */
  volumePath: string;
  /** Relative path inside the volume; subPathExpr already expanded. */
  subPath?: string;
  containerPath: string;
  readOnly: boolean;
  /** Create a missing subPath as a directory (writable volumes only). */
  createSubPath: boolean;
}

/**
 * The container's mounts. Mounts of volumes in `skipped` are left out (see
 * PodVolumes: a service-account volume a runtime cannot mount); a mount naming no
 * volume of the pod, or with a relative mountPath, is a MountConfigError.
 */
export function planMounts(container: ContainerObject, volumes: ReadonlyMap<string, VolumeHost>, env: Readonly<Record<string, string>>, skipped: ReadonlySet<string> = new Set()): MountPlan[] {
  const out: MountPlan[] = [];
  for (const m of container.volumeMounts ?? []) {
    if (skipped.has(m.name)) continue;
    const v = volumes.get(m.name);
    if (!v) throw new MountConfigError(`cannot find volume "${m.name}" to mount into container "${container.name}"`);
    if (!m.mountPath.startsWith("/")) throw new MountConfigError(`volumeMount "${m.name}": mountPath ${JSON.stringify(m.mountPath)} must be absolute`);
    const subPath = m.subPathExpr !== undefined && m.subPathExpr !== "" ? expandReferences(m.subPathExpr, env) : m.subPath;
    out.push({
      volume: m.name,
      volumePath: v.hostPath,
      ...(subPath ? { subPath } : {}),
      containerPath: m.mountPath,
      readOnly: m.readOnly === true || v.apiData,
      createSubPath: !v.apiData,
    });
  }
  return out;
}
