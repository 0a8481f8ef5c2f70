import { keyIdentity, type RegistrantKey } from "@uacreg/core";
import type { DialogMark, DialogMarkStore, RecordOwnership } from "../record-ownership.js";
import type { RegistrantConfig } from "@uacreg/core";

/**
 * A cluster driver's ownership in memory, for the engine's tests: every record of the table belongs to one unit
 * (`unit:<user>` from a `cluster_shtag` of `<user>/1`, else `unit:all`) and the test says which units are held at
 * which epoch. The dialog marks live in {@link MemoryDialogMarks}, fenced on the same epochs.
 */
export class MemoryOwnership implements RecordOwnership {
  readonly held = new Map<string, number>();
  /** What `shouldUnregisterOnStop` answers (undefined: the method is absent). */
  othersTakeOver = false;
  unitsSeen: ReadonlySet<string> = new Set();

  unitOf(config: RegistrantConfig): string | undefined {
    return config.shtag === undefined ? "unit:all" : `unit:${config.shtag.name}`;
  }

  epochOf(unit: string): number | undefined {
    return this.held.get(unit);
  }

  mayWrite(unit: string, epoch: number): boolean {
    return this.held.get(unit) === epoch;
  }

  unitsChanged(units: ReadonlySet<string>): void {
    this.unitsSeen = units;
  }

  shouldUnregisterOnStop(): boolean {
    return !this.othersTakeOver;
  }
}

/** `uacreg_dialog` in memory (docs/cluster.md §2, §4), every write fenced on {@link MemoryOwnership}'s epochs. */
export class MemoryDialogMarks implements DialogMarkStore {
  readonly rows = new Map<string, DialogMark & { unit: string }>();
  /** Calls in order, for the tests to see the reservation come first. */
  readonly calls: string[] = [];
  /** When true, every reservation is refused as if the unit had moved on. */
  refuse = false;
  /** When true, every mark write is refused as if the unit had moved on. */
  refuseSaves = false;
  /** When set, a reservation waits for this promise before it runs (a slow database). */
  hold: Promise<void> | undefined;

  constructor(private readonly ownership: MemoryOwnership) {}

  /** A row another owner left behind. */
  put(unit: string, mark: DialogMark): void {
    this.rows.set(keyIdentity(mark.key), { ...mark, unit });
  }

  get(key: RegistrantKey): DialogMark | undefined {
    return this.rows.get(keyIdentity(key));
  }

  async reserveUnit(unit: string, epoch: number, block: number): Promise<readonly DialogMark[] | undefined> {
    this.calls.push(`reserve ${unit}@${epoch}`);
    await this.hold;
    if (this.refuse || !this.ownership.mayWrite(unit, epoch)) return undefined;
    const out: DialogMark[] = [];
    for (const [k, row] of this.rows) {
      if (row.unit !== unit) continue;
      const next = { ...row, cseqMark: row.cseqMark + block };
      this.rows.set(k, next);
      out.push(next);
    }
    return out;
  }

  async saveDialog(unit: string, epoch: number, mark: DialogMark): Promise<boolean> {
    this.calls.push(`save ${mark.key.aor} ${mark.callId} ${mark.cseqMark}`);
    if (this.refuseSaves || !this.ownership.mayWrite(unit, epoch)) return false;
    this.rows.set(keyIdentity(mark.key), { ...mark, unit });
    return true;
  }
}
