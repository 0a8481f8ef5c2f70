/**
 * The engine's `RecordOwnership` (docs/cluster.md §5, §6) backed by a `LeaseMember` of the `db` backend: a record's
 * unit is its sharing tag or its hash bucket (`unitOfRecord`), the epoch and the send guard are the member's, and the
 * units that exist are every bucket plus the tags the loaded records name.
 */
import { type LeaseMember, type UnitOptions, unitOfBucket, unitOfRecord } from "@uacreg/cluster";
import type { RegistrantConfig } from "@uacreg/core";
import type { RecordOwnership } from "@uacreg/engine";

/** Every bucket unit (`untagged: shard`), none with `untagged: all` (docs/cluster.md §5). */
export function bucketUnits(options: UnitOptions): string[] {
  if (options.untagged === "all") return [];
  return Array.from({ length: options.buckets }, (_, n) => unitOfBucket(n));
}

export class LeaseOwnership implements RecordOwnership {
  /**
   * @param member the lease member, once there is one (the database may not be open yet: nothing is owned then)
   * @param units the configured `cluster.buckets` and `cluster.untagged`
   */
  constructor(
    private readonly member: () => LeaseMember | undefined,
    private readonly units: UnitOptions,
  ) {}

  unitOf(config: RegistrantConfig): string | undefined {
    const { aor, contact, registrar } = config.key;
    return unitOfRecord({ aor, contact, registrar, tag: config.shtag }, this.units);
  }

  epochOf(unit: string): number | undefined {
    return this.member()?.epochOf(unit);
  }

  mayWrite(unit: string, epoch: number): boolean {
    return this.member()?.mayWrite(unit, epoch) ?? false;
  }

  /** The lease rows: every bucket and every unit a loaded record uses (tags seen in records). */
  unitsChanged(units: ReadonlySet<string>): void {
    this.member()?.setUnits([...bucketUnits(this.units), ...units]);
  }

  /**
   * docs/cluster.md §3.8: `unregister_on_shutdown` unregisters only when no other live member exists, so a stop never
   * removes a binding another node is taking over. Unknown membership (no snapshot yet) counts as "others exist".
   */
  shouldUnregisterOnStop(): boolean {
    const member = this.member();
    if (member === undefined) return true;
    const status = member.status();
    if (status.members.length === 0) return false;
    return !status.members.some((m) => m.live && m.name !== status.name);
  }
}
