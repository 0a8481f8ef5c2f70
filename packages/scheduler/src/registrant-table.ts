import { LinkedRegistrantTable, type RecordKey, TableEntry } from "./linked-table.js";

/** One record's place: its links, the record, and references to the caller's key strings (no copies). */
class Slot<R> extends TableEntry implements RecordKey {
  constructor(
    public value: R,
    readonly aor: string,
    readonly contact: string,
    readonly registrar: string,
  ) {
    super();
  }
}

const slotKey = <R>(slot: Slot<R>): RecordKey => slot;

/**
 * The registrant hash table (docs/opensips-behaviour.md §2.3): H = 2^hash_size buckets, a record in bucket
 * `core_hash(AOR) & (H−1)`, each bucket a list in insertion (DB row) order.
 *
 * Unlike OpenSIPS, which matches on (contact, registrar) inside the AOR's bucket (§13.1), records are identified by the
 * full (aor, contact, registrar) key (docs/decisions.md), with O(1) insert, lookup and removal. Generic over the record
 * type: the table never looks inside a record; the key is given with it. Per record it holds one Map entry and one
 * slot object ({@link LinkedRegistrantTable} avoids the slot when the record can carry the links itself).
 */
export class RegistrantTable<R> {
  readonly #table: LinkedRegistrantTable<Slot<R>>;

  /** @throws SchedulerConfigError when hash_size is outside 1..20 */
  constructor(hashSize: number) {
    this.#table = new LinkedRegistrantTable<Slot<R>>(hashSize, slotKey);
  }

  /** H, the number of buckets. */
  get bucketCount(): number {
    return this.#table.bucketCount;
  }

  /** Number of records. */
  get size(): number {
    return this.#table.size;
  }

  /** The bucket an AOR lands in: `core_hash(AOR) & (H−1)`. */
  bucketOf(aor: string): number {
    return this.#table.bucketOf(aor);
  }

  has(key: RecordKey): boolean {
    return this.#table.has(key);
  }

  get(key: RecordKey): R | undefined {
    return this.#table.get(key)?.value;
  }

  /**
   * Appends a record at the end of its bucket's list.
   * @returns the bucket index
   * @throws DuplicateRecordError if a record with the same key is already in the table
   */
  insert(key: RecordKey, value: R): number {
    return this.#table.insert(new Slot(value, key.aor, key.contact, key.registrar));
  }

  /**
   * Inserts or replaces: a record with the same key is replaced in place (it keeps its position in the bucket list,
   * as a per-record reload does in OpenSIPS, §8); otherwise the record is appended.
   * @returns the replaced record, if any
   */
  set(key: RecordKey, value: R): R | undefined {
    const slot = this.#table.get(key);
    if (slot === undefined) {
      this.insert(key, value);
      return undefined;
    }
    const old = slot.value;
    slot.value = value;
    return old;
  }

  /** Removes a record. @returns the removed record, or undefined if there was none */
  remove(key: RecordKey): R | undefined {
    return this.#table.remove(key)?.value;
  }

  /** Removes every record. */
  clear(): void {
    this.#table.clear();
  }

  /**
   * The records of one bucket in insertion order. Safe against changes while iterating: a removed record is not
   * yielded once removed; a record appended during the iteration may or may not be yielded.
   */
  *bucket(index: number): IterableIterator<R> {
    for (const slot of this.#table.bucket(index)) yield slot.value;
  }

  /** Every record in bucket order 0..H−1, list order inside a bucket (the `reg_list` order, §9). */
  *values(): IterableIterator<R> {
    for (const slot of this.#table.values()) yield slot.value;
  }

  /** Number of records in one bucket (O(bucket length)). */
  bucketSize(index: number): number {
    return this.#table.bucketSize(index);
  }
}

export type { RecordKey };
