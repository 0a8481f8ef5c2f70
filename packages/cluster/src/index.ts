/**
 * @uacreg/cluster: sharing-tag ownership (docs/opensips-behaviour.md §7), the seed of clustering. Pure: which
 * `cluster_shtag` tags are active on this node, their canonical `name/cluster_id`, and the "ignored when clustering is
 * off" warning decision.
 */
export { SharingTagError } from "./sharing-tag-error.js";
export { normalizeSharingTag, sharingTagName } from "./sharing-tag-name.js";
export {
  SharingTagOwnership,
  type SharingTagOwnershipOptions,
  TAGS_IGNORED_WARNING,
} from "./sharing-tag-ownership.js";
export {
  type ClusterSnapshot,
  type DialogMark,
  type JoinResult,
  type LeaseRow,
  type LeaseStore,
  type MemberRow,
  type NodeIdentity,
  unitOfBucket,
  unitOfTag,
} from "./lease-store.js";
