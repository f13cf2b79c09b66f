/**
 * core/v1 volumes. The deprecated in-tree cloud and SAN volume sources are left out:
 * a body using one decodes with that field reported as unknown.
 * Field tables in the notation described in ../schema.ts.
 */
import type { MessageSource } from "../schema.ts";

/** Field tables, keyed by message name. */
export const VOLUME_MESSAGES: MessageSource = {
  Volume: `
    1 name string
    2 - VolumeSource
  `,
  VolumeSource: `
    1 hostPath *HostPathVolumeSource o
    2 emptyDir *EmptyDirVolumeSource o
    6 secret *SecretVolumeSource o
    7 nfs *NFSVolumeSource o
    10 persistentVolumeClaim *PersistentVolumeClaimVolumeSource o
    16 downwardAPI *DownwardAPIVolumeSource o
    19 configMap *ConfigMapVolumeSource o
    26 projected *ProjectedVolumeSource o
    28 csi *CSIVolumeSource o
    29 ephemeral *EphemeralVolumeSource o
    30 image *ImageVolumeSource o
  `,
  HostPathVolumeSource: `
    1 path string
    2 type *string o
  `,
  EmptyDirVolumeSource: `
    1 medium string o
    2 sizeLimit *Quantity o
  `,
  SecretVolumeSource: `
    1 secretName string o
    2 items []KeyToPath o
    3 defaultMode *int32 o
    4 optional *bool o
  `,
  KeyToPath: `
    1 key string
    2 path string
    3 mode *int32 o
  `,
  NFSVolumeSource: `
    1 server string
    2 path string
    3 readOnly bool o
  `,
  PersistentVolumeClaimVolumeSource: `
    1 claimName string
    2 readOnly bool o
  `,
  DownwardAPIVolumeSource: `
    1 items []DownwardAPIVolumeFile o
    2 defaultMode *int32 o
  `,
  DownwardAPIVolumeFile: `
    1 path string
    2 fieldRef *ObjectFieldSelector o
    3 resourceFieldRef *ResourceFieldSelector o
    4 mode *int32 o
  `,
  ConfigMapVolumeSource: `
    1 - LocalObjectReference
    2 items []KeyToPath o
    3 defaultMode *int32 o
    4 optional *bool o
  `,
  ProjectedVolumeSource: `
    1 sources []VolumeProjection
    2 defaultMode *int32 o
  `,
  VolumeProjection: `
    1 secret *SecretProjection o
    2 downwardAPI *DownwardAPIProjection o
    3 configMap *ConfigMapProjection o
    4 serviceAccountToken *ServiceAccountTokenProjection o
    5 clusterTrustBundle *ClusterTrustBundleProjection o
  `,
  SecretProjection: `
    1 - LocalObjectReference
    2 items []KeyToPath o
    4 optional *bool o
  `,
  DownwardAPIProjection: `
    1 items []DownwardAPIVolumeFile o
  `,
  ConfigMapProjection: `
    1 - LocalObjectReference
    2 items []KeyToPath o
    4 optional *bool o
  `,
  ServiceAccountTokenProjection: `
    1 audience string o
    2 expirationSeconds *int64 o
    3 path string
  `,
  ClusterTrustBundleProjection: `
    1 name *string o
    2 signerName *string o
    3 labelSelector *LabelSelector o
    5 optional *bool o
    4 path string
  `,
  CSIVolumeSource: `
    1 driver string
    2 readOnly *bool o
    3 fsType *string o
    4 volumeAttributes map[string]string o
    5 nodePublishSecretRef *LocalObjectReference o
  `,
  EphemeralVolumeSource: `
    1 volumeClaimTemplate *PersistentVolumeClaimTemplate o
  `,
  PersistentVolumeClaimTemplate: `
    1 metadata ObjectMeta o
    2 spec PersistentVolumeClaimSpec
  `,
  PersistentVolumeClaimSpec: `
    1 accessModes []string o
    4 selector *LabelSelector o
    2 resources VolumeResourceRequirements o
    3 volumeName string o
    5 storageClassName *string o
    6 volumeMode *string o
    7 dataSource *TypedLocalObjectReference o
    8 dataSourceRef *TypedObjectReference o
    9 volumeAttributesClassName *string o
  `,
  VolumeResourceRequirements: `
    1 limits map[string]Quantity o
    2 requests map[string]Quantity o
  `,
  TypedLocalObjectReference: `
    1 apiGroup *string
    2 kind string
    3 name string
  `,
  TypedObjectReference: `
    1 apiGroup *string
    2 kind string
    3 name string
    4 namespace *string o
  `,
  ImageVolumeSource: `
    1 reference string o
    2 pullPolicy string o
  `,
};
