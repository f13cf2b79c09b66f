/**
 * rbac.authorization.k8s.io/v1 roles and bindings, authentication.k8s.io/v1 TokenRequest and
 * SelfSubjectReview, authorization.k8s.io/v1 SelfSubjectAccessReview.
 * Field tables in the notation described in ../schema.ts.
 */
import type { MessageSource } from "../schema.ts";

/** Field tables, keyed by message name. */
export const ACCESS_MESSAGES: MessageSource = {
  Role: `
    1 metadata ObjectMeta o
    2 rules []PolicyRule
  `,
  PolicyRule: `
    1 verbs []string
    2 apiGroups []string o
    3 resources []string o
    4 resourceNames []string o
    5 nonResourceURLs []string o
  `,
  ClusterRole: `
    1 metadata ObjectMeta o
    2 rules []PolicyRule
    3 aggregationRule *AggregationRule o
  `,
  AggregationRule: `
    1 clusterRoleSelectors []LabelSelector o
  `,
  RoleBinding: `
    1 metadata ObjectMeta o
    2 subjects []Subject o
    3 roleRef RoleRef
  `,
  Subject: `
    1 kind string
    2 apiGroup string o
    3 name string
    4 namespace string o
  `,
  RoleRef: `
    1 apiGroup string
    2 kind string
    3 name string
  `,
  ClusterRoleBinding: `
    1 metadata ObjectMeta o
    2 subjects []Subject o
    3 roleRef RoleRef
  `,
  TokenRequest: `
    1 metadata ObjectMeta o
    2 spec TokenRequestSpec
    3 status TokenRequestStatus o
  `,
  TokenRequestSpec: `
    1 audiences []string
    4 expirationSeconds *int64
    3 boundObjectRef *BoundObjectReference
  `,
  BoundObjectReference: `
    1 kind string o
    2 apiVersion string o
    3 name string o
    4 uid string o
  `,
  TokenRequestStatus: `
    1 token string
    2 expirationTimestamp Time
  `,
  SelfSubjectReview: `
    1 metadata ObjectMeta o
    2 status SelfSubjectReviewStatus o
  `,
  SelfSubjectReviewStatus: `
    1 userInfo UserInfo o
  `,
  UserInfo: `
    1 username string o
    2 uid string o
    3 groups []string o
    4 extra map[string]StringList o
  `,
  SelfSubjectAccessReview: `
    1 metadata ObjectMeta o
    2 spec SelfSubjectAccessReviewSpec
    3 status SubjectAccessReviewStatus o
  `,
  SelfSubjectAccessReviewSpec: `
    1 resourceAttributes *ResourceAttributes o
    2 nonResourceAttributes *NonResourceAttributes o
  `,
  ResourceAttributes: `
    1 namespace string o
    2 verb string o
    3 group string o
    4 version string o
    5 resource string o
    6 subresource string o
    7 name string o
    8 fieldSelector *FieldSelectorAttributes o
    9 labelSelector *LabelSelectorAttributes o
  `,
  NonResourceAttributes: `
    1 path string o
    2 verb string o
  `,
  FieldSelectorAttributes: `
    1 rawSelector string o
    2 requirements []FieldSelectorRequirement o
  `,
  LabelSelectorAttributes: `
    1 rawSelector string o
    2 requirements []LabelSelectorRequirement o
  `,
  FieldSelectorRequirement: `
    1 key string
    2 operator string
    3 values []string o
  `,
  SubjectAccessReviewStatus: `
    1 allowed bool
    4 denied bool o
    2 reason string o
    3 evaluationError string o
  `,
};
