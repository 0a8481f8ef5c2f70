import type { RegistrantConfig, RegistrantKey } from "@uacreg/core";
import { SharingTagOwnership, type SharingTagOwnershipOptions, sharingTagName, unitOfTag } from "@uacreg/cluster";

/**
 * Which records this node may register, as units of ownership (docs/cluster.md §5, §6). The engine owns this
 * interface; the daemon passes the implementation: {@link StaticTagOwnership} (backends `none` and `static`) or an
 * adapter over @uacreg/cluster's `LeaseMember` (backend `db`, whose `epochOf` / `mayWrite` / `setUnits` fit as is).
 * Every method is synchronous and cheap: `epochOf` is asked at each visit of a clustered record and `mayWrite` right
 * before every write of its requests.
 */
export interface RecordOwnership {
  /** The unit a record belongs to; undefined: it registers on every node (no ownership), as without clustering. */
  unitOf(config: RegistrantConfig): string | undefined;
  /** The epoch at which `unit` is held here, or undefined when it is not held here. */
  epochOf(unit: string): number | undefined;
  /**
   * The send guard (docs/cluster.md §6): may a request admitted while `unit` was held at `epoch` be written now?
   * False once the unit is lost or re-acquired at another epoch, or once the node's trust deadline has passed.
   */
  mayWrite(unit: string, epoch: number): boolean;
  /** Optional: the units the loaded records use (lease rows to create), called whenever that set changes. */
  unitsChanged?(units: ReadonlySet<string>): void;
  /**
   * Optional (docs/cluster.md §3.8): whether `stop()` may unregister, i.e. no other live node will take the records
   * over. Absent: the engine's own `unregisterOnShutdown` decides alone.
   */
  shouldUnregisterOnStop?(): boolean;
}

/** A record's registration identity kept across owners (docs/cluster.md §4); @uacreg/cluster's `DialogMark`. */
export interface DialogMark {
  readonly key: RegistrantKey;
  readonly callId: string;
  readonly fromTag: string;
  /** A CSeq no owner has used yet: the next owner starts above it. */
  readonly cseqMark: number;
}

/**
 * The dialog marks in the shared database (docs/cluster.md §2, §4): @uacreg/cluster's `LeaseStore.reserveUnit` and
 * `saveDialog` with this node's identity bound. Both are fenced on (unit, epoch): they change nothing unless this node
 * still owns the unit at that epoch.
 */
export interface DialogMarkStore {
  /** Every mark of `unit` gets `cseqMark += block`; the marks after the change, or undefined when the fence refused. */
  reserveUnit(unit: string, epoch: number, block: number): Promise<readonly DialogMark[] | undefined>;
  /** Upserts one record's mark; false when the fence refused (the caller must not send). */
  saveDialog(unit: string, epoch: number, mark: DialogMark): Promise<boolean>;
}

/** The epoch of every unit of a {@link StaticTagOwnership}: static ownership has no generations. */
export const STATIC_EPOCH = 0;

/**
 * Backends `none` and `static` (docs/cluster.md §7): a sharing tag with cluster id > 0 is the unit `tag:name/id`
 * (docs/cluster.md §5), held at epoch 0 while the tag is active here (docs/opensips-behaviour.md §7); untagged
 * records, and every record while clustering is off, belong to no unit. {@link setState} (the engine's
 * `setTagState`, MI `clusterer_shtag_set_active`, SIGHUP) changes it.
 */
export class StaticTagOwnership implements RecordOwnership {
  readonly tags: SharingTagOwnership;
  readonly #held = new Set<string>();

  /** @throws SharingTagError when an active tag is not `name/cluster_id` */
  constructor(options: SharingTagOwnershipOptions) {
    this.tags = new SharingTagOwnership(options);
    if (this.tags.clustering) for (const tag of this.tags.activeTags()) this.#held.add(unitOfTag(tag));
  }

  /**
   * A tag changed state on this node: its unit, or undefined when clustering is off (the change is ignored).
   * @throws SharingTagError when the tag is not `name/cluster_id`
   */
  setState(tag: string, state: "active" | "backup"): string | undefined {
    const name = this.tags.setState(tag, state);
    if (name === undefined) return undefined;
    const unit = unitOfTag(name);
    if (state === "active") this.#held.add(unit);
    else this.#held.delete(unit);
    return unit;
  }

  unitOf(config: RegistrantConfig): string | undefined {
    const tag = config.shtag;
    if (!this.tags.clustering || tag === undefined || tag.clusterId <= 0) return undefined;
    return unitOfTag(sharingTagName(tag));
  }

  epochOf(unit: string): number | undefined {
    return this.#held.has(unit) ? STATIC_EPOCH : undefined;
  }

  mayWrite(unit: string, epoch: number): boolean {
    return epoch === STATIC_EPOCH && this.#held.has(unit);
  }
}
