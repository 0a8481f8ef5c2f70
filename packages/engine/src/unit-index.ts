import { type LiveRecord, newClusterSlot } from "./live-record.js";
import type { RecordOwnership } from "./record-ownership.js";

const NONE: ReadonlySet<LiveRecord> = new Set();

/**
 * The records of each unit of ownership (docs/cluster.md §5), so a unit's gain or loss touches only its records.
 * Keeps each record's {@link LiveRecord.cluster} slot: created when the record gets a unit, reset when its unit
 * changes (a reloaded `cluster_shtag`), dropped when it leaves. {@link flush} tells the ownership when the set of
 * units in use changed (its lease rows).
 */
export class UnitIndex {
  readonly #ownership: RecordOwnership;
  readonly #byUnit = new Map<string, Set<LiveRecord>>();
  #changed = false;

  constructor(ownership: RecordOwnership) {
    this.#ownership = ownership;
  }

  /** (Re)computes the unit of `live` from its current row. */
  place(live: LiveRecord): void {
    const unit = this.#ownership.unitOf(live.record.config);
    const slot = live.cluster;
    if (slot?.unit === unit) return;
    if (slot !== undefined) this.drop(live);
    if (unit === undefined) return;
    live.cluster = newClusterSlot(unit);
    let set = this.#byUnit.get(unit);
    if (set === undefined) {
      set = new Set();
      this.#byUnit.set(unit, set);
      this.#changed = true;
    }
    set.add(live);
  }

  /**
   * `live` leaves its unit's records (removed from the table, or its unit changed). `keepSlot`: a removed record
   * keeps its slot, so its last unREGISTER still goes through the gate and carries the send guard.
   */
  drop(live: LiveRecord, keepSlot = false): void {
    const slot = live.cluster;
    if (slot === undefined) return;
    if (!keepSlot) live.cluster = undefined;
    const set = this.#byUnit.get(slot.unit);
    if (set === undefined) return;
    set.delete(live);
    if (set.size === 0) {
      this.#byUnit.delete(slot.unit);
      this.#changed = true;
    }
  }

  /** The records of `unit` now. */
  records(unit: string): ReadonlySet<LiveRecord> {
    return this.#byUnit.get(unit) ?? NONE;
  }

  /** The units in use, with how many records each. */
  counts(): Map<string, number> {
    return new Map(Array.from(this.#byUnit, ([unit, set]) => [unit, set.size]));
  }

  /** Calls the ownership's `unitsChanged` if the set of units in use changed since the last flush. */
  flush(): void {
    if (!this.#changed) return;
    this.#changed = false;
    this.#ownership.unitsChanged?.(new Set(this.#byUnit.keys()));
  }
}
