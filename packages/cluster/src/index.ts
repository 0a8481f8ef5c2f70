/**
 * @uacreg/cluster: which node registers which records (docs/cluster.md, docs/opensips-behaviour.md §7). Pure: no I/O,
 * no Math.random, time through the injected Clock. Sharing-tag ownership (static), the lease protocol over a shared
 * database (`LeaseMember` over a `LeaseStore`), and the units of ownership (tags, hash buckets).
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
export {
  bucketOf,
  hash32,
  type RecordUnitInput,
  rendezvousOwner,
  rendezvousWeight,
  type UnitOptions,
  unitOfRecord,
} from "./bucket-hash.js";
export {
  DEFAULT_LEASE_TIMING,
  FAST_LEASE_TIMING,
  failoverBoundMs,
  LeaseParameterError,
  type LeaseTiming,
  validateLeaseTiming,
} from "./lease-timing.js";
export { NodeNameInUseError } from "./lease-member-errors.js";
export {
  type LeaseCounters,
  type LeaseListener,
  LeaseMember,
  type LeaseMemberOptions,
  type LeaseMemberStatus,
  type LossReason,
  type MemberState,
} from "./lease-member.js";
