/**
 * A result array too large to build and print in one go (`reg_list` at 100,000 records is 31.6 MB of JSON): its
 * items are made one at a time, when the reply is written, so that the servers can write it in slices with
 * backpressure and yield to the event loop between slices (docs/mi-protocol.md §3: the bytes are those of the same
 * array printed whole).
 */
export class MiSlicedArray<T = unknown> {
  constructor(
    /** How many items. */
    readonly length: number,
    /** Makes item `index` (0 ≤ index < length). Called once per item per reply, in order. */
    readonly item: (index: number) => T,
  ) {}

  /** The whole array, for `JSON.stringify` and in-process callers (`MiRegistry.call`). */
  toJSON(): T[] {
    return Array.from({ length: this.length }, (_, i) => this.item(i));
  }
}
