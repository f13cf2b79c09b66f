/** core/v1 Volume and its sources. */
import { Type } from "@sinclair/typebox";
import { Pkg, Quantity, bool, int32, int64, list, mapOf, ref, reqStr, str, struct } from "./build.ts";
import { ObjectFieldSelector, ResourceFieldSelector } from "./core-container.ts";

const C = Pkg.core;

export const LocalObjectReference = struct(`${C}.LocalObjectReference`, "Names an object in the same namespace.", {
  name: str("Name of the object."),
});

const KeyToPath = struct(`${C}.KeyToPath`, "Projects one key to a file.", {
  key: reqStr("Key to project."),
  path: reqStr("Relative file path to write the value to; may not contain '..' or start with '/'."),
  mode: int32("Permission bits of the file (0-0777); defaults to the volume's defaultMode."),
});

const EmptyDirVolumeSource = struct(`${C}.EmptyDirVolumeSource`, "A scratch directory that starts empty and lives as long as the pod.", {
  medium: str("Storage backing the directory: empty for the node's disk, Memory for a tmpfs."),
  sizeLimit: ref(Quantity, "Most the directory may hold; the pod is evicted beyond it."),
});

const ConfigMapVolumeSource = struct(`${C}.ConfigMapVolumeSource`, "Exposes a ConfigMap's keys as files.", {
  name: str("Name of the ConfigMap."),
  items: list(KeyToPath, "Keys to project and where; by default every key becomes a file named after it."),
  defaultMode: int32("Permission bits for the files (0-0777). Defaults to 0644."),
  optional: bool("When true, a missing ConfigMap or key is not an error."),
});

const SecretVolumeSource = struct(`${C}.SecretVolumeSource`, "Exposes a Secret's keys as files.", {
  secretName: str("Name of the Secret."),
  items: list(KeyToPath, "Keys to project and where; by default every key becomes a file named after it."),
  defaultMode: int32("Permission bits for the files (0-0777). Defaults to 0644."),
  optional: bool("When true, a missing Secret or key is not an error."),
});

const HostPathVolumeSource = struct(`${C}.HostPathVolumeSource`, "A file or directory of the node mounted into the pod. Gives access to the host: use with care.", {
  path: reqStr("Path on the node."),
  type: str("What must exist at the path: empty (no check), DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice or BlockDevice."),
});

const PersistentVolumeClaimVolumeSource = struct(`${C}.PersistentVolumeClaimVolumeSource`, "Mounts the volume bound to a PersistentVolumeClaim.", {
  claimName: reqStr("Name of the claim in the pod's namespace."),
  readOnly: bool("Mount read-only."),
});

const DownwardAPIVolumeFile = struct(`${C}.DownwardAPIVolumeFile`, "A file holding a field of the pod or a container resource.", {
  path: reqStr("Relative file path; may not contain '..' or start with '/'."),
  fieldRef: ref(ObjectFieldSelector, "Pod field to write: metadata.name, metadata.namespace, metadata.uid, metadata.labels or metadata.annotations."),
  resourceFieldRef: ref(ResourceFieldSelector, "Container resource request or limit to write."),
  mode: int32("Permission bits of the file (0-0777)."),
});

const DownwardAPIVolumeSource = struct(`${C}.DownwardAPIVolumeSource`, "Exposes facts about the pod as files.", {
  items: list(DownwardAPIVolumeFile, "Files to create."),
  defaultMode: int32("Permission bits for the files (0-0777). Defaults to 0644."),
});

const ConfigMapProjection = struct(`${C}.ConfigMapProjection`, "ConfigMap keys placed into a projected volume.", {
  name: str("Name of the ConfigMap."),
  items: list(KeyToPath, "Keys to project and where."),
  optional: bool("When true, a missing ConfigMap is not an error."),
});

const SecretProjection = struct(`${C}.SecretProjection`, "Secret keys placed into a projected volume.", {
  name: str("Name of the Secret."),
  items: list(KeyToPath, "Keys to project and where."),
  optional: bool("When true, a missing Secret is not an error."),
});

const DownwardAPIProjection = struct(`${C}.DownwardAPIProjection`, "Pod facts placed into a projected volume.", {
  items: list(DownwardAPIVolumeFile, "Files to create."),
});

const ServiceAccountTokenProjection = struct(`${C}.ServiceAccountTokenProjection`, "A token of the pod's service account, refreshed before it expires.", {
  audience: str("Intended audience of the token; defaults to the API server."),
  expirationSeconds: int64("Requested lifetime in seconds; at least 600. Defaults to one hour."),
  path: reqStr("Relative file path of the token."),
});

const VolumeProjection = struct(`${C}.VolumeProjection`, "One source of a projected volume; exactly one field is set.", {
  configMap: ref(ConfigMapProjection, "Keys of a ConfigMap."),
  secret: ref(SecretProjection, "Keys of a Secret."),
  downwardAPI: ref(DownwardAPIProjection, "Facts about the pod."),
  serviceAccountToken: ref(ServiceAccountTokenProjection, "A service account token."),
});

const ProjectedVolumeSource = struct(`${C}.ProjectedVolumeSource`, "Several ConfigMaps, Secrets, pod facts and tokens merged into one directory.", {
  sources: list(VolumeProjection, "The sources to merge."),
  defaultMode: int32("Permission bits for the files (0-0777). Defaults to 0644."),
});

const NFSVolumeSource = struct(`${C}.NFSVolumeSource`, "An NFS export mounted into the pod.", {
  server: reqStr("Host name or IP address of the NFS server."),
  path: reqStr("Path exported by the server."),
  readOnly: bool("Mount read-only."),
});

const CSIVolumeSource = struct(`${C}.CSIVolumeSource`, "An ephemeral volume provided by a CSI driver.", {
  driver: reqStr("Name of the CSI driver."),
  readOnly: bool("Mount read-only."),
  fsType: str("Filesystem type, e.g. ext4."),
  volumeAttributes: mapOf(Type.String(), "Driver-specific settings."),
  nodePublishSecretRef: ref(LocalObjectReference, "Secret passed to the driver when mounting."),
});

const ImageVolumeSource = struct(`${C}.ImageVolumeSource`, "An OCI image or artifact mounted read-only.", {
  reference: str("Image reference to mount."),
  pullPolicy: str("Always, Never or IfNotPresent."),
});

/** Field names of Volume that each name one kind of source (exactly one may be set). */
export const VOLUME_SOURCES = ["emptyDir", "configMap", "secret", "hostPath", "persistentVolumeClaim", "projected", "downwardAPI", "nfs", "csi", "image"] as const;

export const Volume = struct(`${C}.Volume`, "A named volume that containers of the pod can mount; exactly one source is set (emptyDir when none is).", {
  name: reqStr("Name of the volume, unique within the pod; a DNS label. Volume mounts refer to it."),
  emptyDir: ref(EmptyDirVolumeSource, "Scratch space that lives as long as the pod."),
  configMap: ref(ConfigMapVolumeSource, "Files from a ConfigMap."),
  secret: ref(SecretVolumeSource, "Files from a Secret."),
  hostPath: ref(HostPathVolumeSource, "A path on the node."),
  persistentVolumeClaim: ref(PersistentVolumeClaimVolumeSource, "Storage bound to a claim."),
  projected: ref(ProjectedVolumeSource, "Several sources in one directory."),
  downwardAPI: ref(DownwardAPIVolumeSource, "Facts about the pod as files."),
  nfs: ref(NFSVolumeSource, "An NFS export."),
  csi: ref(CSIVolumeSource, "An ephemeral CSI volume."),
  image: ref(ImageVolumeSource, "An OCI image's contents."),
});
