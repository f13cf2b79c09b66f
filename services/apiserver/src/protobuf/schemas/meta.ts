/**
 * metav1 (k8s.io/apimachinery/pkg/apis/meta/v1): object metadata and label selectors.
 * Field tables in the notation described in ../schema.ts.
 */
import type { MessageSource } from "../schema.ts";

/** Field tables, keyed by message name. */
export const META_MESSAGES: MessageSource = {
  ObjectMeta: `
    1 name string o
    2 generateName string o
    3 namespace string o
    4 selfLink string o
    5 uid string o
    6 resourceVersion string o
    7 generation int64 o
    8 creationTimestamp Time o
    9 deletionTimestamp *Time o
    10 deletionGracePeriodSeconds *int64 o
    11 labels map[string]string o
    12 annotations map[string]string o
    13 ownerReferences []OwnerReference o
    14 finalizers []string o
    17 managedFields []ManagedFieldsEntry o
  `,
  OwnerReference: `
    5 apiVersion string
    1 kind string
    3 name string
    4 uid string
    6 controller *bool o
    7 blockOwnerDeletion *bool o
  `,
  ManagedFieldsEntry: `
    1 manager string o
    2 operation string o
    3 apiVersion string o
    4 time *Time o
    6 fieldsType string o
    7 fieldsV1 *FieldsV1 o
    8 subresource string o
  `,
  LabelSelector: `
    1 matchLabels map[string]string o
    2 matchExpressions []LabelSelectorRequirement o
  `,
  LabelSelectorRequirement: `
    1 key string
    2 operator string
    3 values []string o
  `,
  Condition: `
    1 type string
    2 status string
    3 observedGeneration int64 o
    4 lastTransitionTime Time
    5 reason string
    6 message string
  `,
};
