import type { RegistrantKey } from "@uacreg/core";

/**
 * The shared-database side of clustering (docs/cluster.md §2, §3): node sessions, one lease row per unit of ownership,
 * and the per-record dialog marks. Declared here, implemented structurally by @uacreg/db over the SQL engines and by
 * the in-memory model under `@uacreg/cluster/testing`.
 *
 * Rules every implementation keeps (docs/cluster.md §3):
 * - every stored or compared time is computed by the database's clock **in the same statement** (`now()`,
 *   `UTC_TIMESTAMP(3)`, `SYSUTCDATETIME()`); a node's wall clock is never written or compared;
 * - every change of ownership is ONE conditional statement (compare-and-set on owner name + incarnation + epoch) whose
 *   affected-row count is the answer; nothing is read-then-written;
 * - times cross this interface as milliseconds of the database clock (`dbNow`, `expiresAt`), only for display and for
 *   the clock-offset figure of `cluster_status`: the protocol never compares them with a node clock.
 */
export interface LeaseStore {
  /**
   * Starts this process's session (docs/cluster.md §3.1): inserts the node row, or replaces a row of the same name
   * whose session has expired (database time). A live row of the same name with another incarnation is refused
   * (`name-in-use`): two live processes never share a name.
   */
  join(node: NodeIdentity, ttlMs: number, address: string): Promise<JoinResult>;
  /**
   * Extends this session to `dbNow + ttlMs` when the row with this name AND incarnation is still live; false when it
   * expired or belongs to another incarnation (the caller then fences everything: a lost session is never renewed
   * back, docs/cluster.md §3.4).
   */
  renew(node: NodeIdentity, ttlMs: number): Promise<boolean>;
  /** Members (live or not, with their expiry) and every lease row, with the database clock of the read. */
  snapshot(): Promise<ClusterSnapshot>;
  /** Creates a lease row (no owner, epoch 0) for every unit that has none; idempotent, never touches existing rows. */
  ensureUnits(units: readonly string[]): Promise<void>;
  /**
   * Compare-and-set claim (docs/cluster.md §3.4): `owner := node, epoch := expectedEpoch + 1` when the row's epoch is
   * `expectedEpoch` and the unit is free — no owner, or an owner whose session (name + incarnation) is not live in
   * database time, or this node's own name with an older incarnation. Returns the new epoch, or undefined.
   */
  claim(node: NodeIdentity, unit: string, expectedEpoch: number): Promise<number | undefined>;
  /**
   * Compare-and-set release (handoff, drain, graceful stop): `owner := none, epoch := epoch + 1` when this node
   * (name + incarnation) owns the unit at `epoch`. True when released.
   */
  release(node: NodeIdentity, unit: string, epoch: number): Promise<boolean>;
  /** Sets or clears the node a unit prefers (`clusterer_shtag_set_active`, manual mode, docs/cluster.md §5). */
  setPreferred(unit: string, preferred: string | undefined): Promise<void>;
  /**
   * Marks this live session as draining or not (`cluster_drain`, docs/cluster.md §3.5): a draining member stays a
   * member but every node leaves it out of the wanted owners, so its units move to the others. Matched by name AND
   * incarnation while live; false otherwise.
   */
  setDraining(node: NodeIdentity, draining: boolean): Promise<boolean>;
  /** Graceful stop: releases every lease of this session and deletes the session row (docs/cluster.md §3.8). */
  leave(node: NodeIdentity): Promise<void>;
  /** The dialog marks of the records of one unit (docs/cluster.md §4). */
  loadDialogs(unit: string): Promise<DialogMark[]>;
  /**
   * Epoch-fenced block reservation at takeover (docs/cluster.md §4): every dialog mark of `unit` gets
   * `cseqMark := cseqMark + block`, in one statement that changes nothing unless `node` owns `unit` at `epoch`.
   * Returns the marks after the change, or undefined when the fence refused.
   */
  reserveUnit(node: NodeIdentity, unit: string, epoch: number, block: number): Promise<DialogMark[] | undefined>;
  /**
   * Epoch-fenced upsert of one record's mark (a new record, a new Call-ID, the next CSeq block). False when the fence
   * refused (the unit is no longer this node's at `epoch`): the caller must not send.
   */
  saveDialog(node: NodeIdentity, unit: string, epoch: number, mark: DialogMark): Promise<boolean>;
}

/** One process of a cluster (docs/cluster.md §3.1). */
export interface NodeIdentity {
  /** The configured node name, unique among live nodes. */
  readonly name: string;
  /** Random per process start: a restarted node is a new incarnation and never inherits the old one's leases. */
  readonly incarnation: string;
}

/** The answer to {@link LeaseStore.join}. */
export type JoinResult =
  | { readonly kind: "joined"; readonly dbNow: number }
  | { readonly kind: "name-in-use"; readonly incarnation: string; readonly expiresAt: number; readonly dbNow: number };

/** A node-session row. */
export interface MemberRow {
  readonly name: string;
  readonly incarnation: string;
  /** Where the node's MI/SIP listens, for `cluster_status` (informative only). */
  readonly address: string;
  /** Database time, ms since the epoch. */
  readonly expiresAt: number;
  /** Set by {@link LeaseStore.setDraining}; false at join. A draining member is never a wanted owner. */
  readonly draining: boolean;
}

/** A lease row: one unit of ownership (docs/cluster.md §5). */
export interface LeaseRow {
  /** {@link unitOfTag} or {@link unitOfBucket}. */
  readonly unit: string;
  readonly owner?: NodeIdentity;
  /** Incremented on every change of owner (claim and release). */
  readonly epoch: number;
  readonly preferred?: string;
}

/** What {@link LeaseStore.snapshot} reads, in one round trip where the engine allows. */
export interface ClusterSnapshot {
  /** The database clock at the read, ms since the epoch. */
  readonly dbNow: number;
  readonly members: readonly MemberRow[];
  readonly leases: readonly LeaseRow[];
}

/** A record's registration identity kept across owners (docs/cluster.md §4). */
export interface DialogMark {
  readonly key: RegistrantKey;
  readonly callId: string;
  readonly fromTag: string;
  /** A CSeq no owner has used yet: the next owner starts above it. */
  readonly cseqMark: number;
}

/** The lease unit of a sharing tag `name/cluster_id` (canonical, docs/cluster.md §5). */
export function unitOfTag(canonicalTag: string): string {
  return `tag:${canonicalTag}`;
}

/** The lease unit of an untagged-record hash bucket (docs/cluster.md §5). */
export function unitOfBucket(bucket: number): string {
  return `bucket:${bucket}`;
}
