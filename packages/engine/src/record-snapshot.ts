/**
 * `reg_list` of a large table (docs/opensips-behaviour.md §9, issue 10 item 10): the records present when the
 * command ran, in bucket order, each made into a {@link RecordView} only when the reply reaches it. Building all
 * 100,000 views up front took ~100 ms of one event-loop turn per call (ten readers arriving together: ~1 s) and
 * held ~30 MB of views per reply until its last byte was written; the snapshot holds one reference per record,
 * shared by the readers that arrive while no record is added or removed.
 */
import type { RecordView, RegistrantKey } from "@uacreg/core";
import type { LiveRecord } from "./live-record.js";

/**
 * The records of the table at one moment. Which records are listed is fixed when it is taken; each record's fields
 * are read when its view is made, so a long reply shows every record as it is when that part of the reply is
 * written. A record removed (`reg_delete`, a reload without its row) after the snapshot is still listed, as it was
 * when it left the table; one added after it is not.
 */
export interface RecordSnapshot {
  /** How many records. */
  readonly length: number;
  /** Makes the view of record `index` (0 ≤ index < length); a RangeError outside that. */
  view(index: number): RecordView;
  /**
   * The key of record `index` (no view made: what a reader that only needs keys asks for); a RangeError outside.
   * Optional, so that a service written before it (a RegistrantService of one's own) still type-checks: readers fall
   * back to the view's key.
   */
  key?(index: number): RegistrantKey;
}

/** A snapshot of `records`, an array nobody changes (no copy, no view made yet). */
export function snapshotOf(records: readonly LiveRecord[]): RecordSnapshot {
  return {
    length: records.length,
    view(index: number): RecordView {
      const live = records[index];
      if (live === undefined) throw new RangeError(`record ${index} of a snapshot of ${records.length}`);
      return live.view();
    },
    key(index: number): RegistrantKey {
      const live = records[index];
      if (live === undefined) throw new RangeError(`record ${index} of a snapshot of ${records.length}`);
      return live.key;
    },
  };
}
