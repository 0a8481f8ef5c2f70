import { bucketCount } from "./bucket-count.js";
import { bucketOf } from "./core-hash.js";
import { DuplicateRecordError } from "./scheduler-config-error.js";

/**
 * The logical identity of a registrant record (docs/opensips-behaviour.md §2.3): the DB's unique key. `contact` =
 * binding_URI.
 */
export interface RecordKey {
  readonly aor: string;
  readonly contact: string;
  readonly registrar: string;
}

/** Heads of the key index at first (doubled while the table grows). */
const INITIAL_HEADS = 1024;

/**
 * The links a record carries itself in a {@link LinkedRegistrantTable}: its bucket list neighbours and the next entry
 * of its key index chain. Extend this class; never touch the fields. Three fields, no more (issue 14: a million
 * records): "in no table" is `tablePrev` pointing at the entry itself, and the bucket is computed again from the key
 * on removal instead of being stored.
 */
export abstract class TableEntry {
  /** @internal The previous entry of its bucket list (null: the first); the entry itself while in no table. */
  tablePrev: TableEntry | null = this;
  /** @internal */
  tableNext: TableEntry | null = null;
  /** @internal */
  tableTwin: TableEntry | null = null;
}

/** True while `entry` is in a table. */
function linked(entry: TableEntry): boolean {
  return entry.tablePrev !== entry;
}

/**
 * The registrant hash table with intrusive links (docs/opensips-behaviour.md §2.3): H = 2^hash_size buckets, a record
 * in bucket `core_hash(AOR) & (H−1)`, each bucket a list in insertion (DB row) order, identity = the full
 * (aor, contact, registrar) key read from the record with `keyOf`. Per record: the record's own link fields and one or
 * two slots of an index of chain heads by a 30-bit hash of the key (no key string is built); collisions are chained
 * and resolved by comparing the strings. O(1) insert, lookup and removal.
 */
export class LinkedRegistrantTable<R extends TableEntry> {
  /** H, the number of buckets. */
  readonly bucketCount: number;
  readonly #keyOf: (record: R) => RecordKey;
  /**
   * The key index: chain heads by `keyHash & (length − 1)`, chained through `tableTwin`; doubled (keys hashed again)
   * when it holds more records than heads. One array slot per record or two (8–16 bytes), where a Map entry per record
   * cost about 37 (issue 14: memory per record at a million records).
   */
  #index: Array<R | null> = new Array<R | null>(INITIAL_HEADS).fill(null);
  #size = 0;
  readonly #head: Array<R | null>;
  readonly #tail: Array<R | null>;
  /**
   * The key object last hashed, and its hash: a load asks {@link get} (not found) then {@link insert} with the same
   * key object, which is hashed once (keys are immutable values; only the object's identity is compared).
   */
  #hashedKey: RecordKey | undefined = undefined;
  #hashed = 0;

  /** @throws SchedulerConfigError when hash_size is outside 1..20 */
  constructor(hashSize: number, keyOf: (record: R) => RecordKey) {
    this.bucketCount = bucketCount(hashSize);
    this.#keyOf = keyOf;
    this.#head = new Array<R | null>(this.bucketCount).fill(null);
    this.#tail = new Array<R | null>(this.bucketCount).fill(null);
  }

  /** Number of records. */
  get size(): number {
    return this.#size;
  }

  /** The bucket an AOR lands in: `core_hash(AOR) & (H−1)`. */
  bucketOf(aor: string): number {
    return bucketOf(aor, this.bucketCount);
  }

  has(key: RecordKey): boolean {
    return this.#find(key, this.#hash(key)) !== null;
  }

  get(key: RecordKey): R | undefined {
    return this.#find(key, this.#hash(key)) ?? undefined;
  }

  /**
   * Appends a record at the end of its bucket's list.
   * @returns the bucket index
   * @throws DuplicateRecordError if a record with the same key is already in the table
   * @throws Error if the record is already linked in a table
   */
  insert(record: R): number {
    if (linked(record)) throw new Error("the record is already in a table");
    const key = this.#keyOf(record);
    const h = this.#hash(key);
    if (this.#find(key, h) !== null) throw new DuplicateRecordError(key);
    const b = this.bucketOf(key.aor);
    record.tablePrev = null;
    record.tableNext = null;
    record.tableTwin = null;
    const tail = this.#tail[b] ?? null;
    if (tail === null) this.#head[b] = record;
    else {
      tail.tableNext = record;
      record.tablePrev = tail;
    }
    this.#tail[b] = record;
    const index = this.#index;
    const slot = h & (index.length - 1);
    record.tableTwin = index[slot] ?? null;
    index[slot] = record;
    this.#size++;
    if (this.#size > index.length) this.#growIndex();
    return b;
  }

  /** Removes the record with this key. @returns it, or undefined if there was none */
  remove(key: RecordKey): R | undefined {
    const h = keyHash(key);
    let before: R | null = null;
    const slot = h & (this.#index.length - 1);
    let record = this.#index[slot] ?? null;
    while (record !== null && !sameKey(this.#keyOf(record), key)) {
      before = record;
      record = record.tableTwin as R | null;
    }
    if (record === null) return undefined;
    if (before !== null) before.tableTwin = record.tableTwin;
    else this.#index[slot] = record.tableTwin as R | null;
    record.tableTwin = null;
    this.#size--;
    const b = this.bucketOf(key.aor);
    const prev = record.tablePrev as R | null;
    const next = record.tableNext as R | null;
    if (prev === null) this.#head[b] = next;
    else prev.tableNext = next;
    if (next === null) this.#tail[b] = prev;
    else next.tablePrev = prev;
    // `tableNext` is kept so that an iteration standing on this record can still move on.
    record.tablePrev = record;
    return record;
  }

  /** Removes every record. */
  clear(): void {
    for (const first of this.#index) {
      for (let r: TableEntry | null = first; r !== null; r = r.tableTwin) r.tablePrev = r;
    }
    this.#index = new Array<R | null>(INITIAL_HEADS).fill(null);
    this.#size = 0;
    this.#head.fill(null);
    this.#tail.fill(null);
  }

  /**
   * The records of one bucket in insertion order. Safe against changes while iterating: a removed record is not
   * yielded once removed; a record appended during the iteration may or may not be yielded.
   */
  *bucket(index: number): IterableIterator<R> {
    let r = (this.#head[index] ?? null) as TableEntry | null;
    while (r !== null) {
      if (linked(r)) yield r as R;
      r = r.tableNext;
    }
  }

  /**
   * Calls `visit` for each record of one bucket, in insertion order, with the same guarantees as {@link bucket}. The
   * walk's hot path: about 50 ns per record cheaper than the generator on a million records (each record is visited
   * every timer_interval, ~36 times per refresh at expiry 3600 s and T = 100 s). An exception from `visit` ends the
   * visit and is rethrown.
   */
  forEachInBucket(index: number, visit: (record: R) => void): void {
    let r = (this.#head[index] ?? null) as TableEntry | null;
    while (r !== null) {
      // Read the successor after the visit: the visit may remove this record (its tableNext is kept for that).
      if (linked(r)) visit(r as R);
      r = r.tableNext;
    }
  }

  /** Every record in bucket order 0..H−1, list order inside a bucket (the `reg_list` order, §9). */
  *values(): IterableIterator<R> {
    for (let b = 0; b < this.bucketCount; b++) yield* this.bucket(b);
  }

  /** Number of records in one bucket (O(bucket length)). */
  bucketSize(index: number): number {
    let n = 0;
    for (let r = (this.#head[index] ?? null) as TableEntry | null; r !== null; r = r.tableNext) n++;
    return n;
  }

  #hash(key: RecordKey): number {
    if (key !== this.#hashedKey) {
      this.#hashed = keyHash(key);
      this.#hashedKey = key;
    }
    return this.#hashed;
  }

  #find(key: RecordKey, h: number): R | null {
    let r = this.#index[h & (this.#index.length - 1)] ?? null;
    while (r !== null && !sameKey(this.#keyOf(r), key)) r = r.tableTwin as R | null;
    return r;
  }

  /** Doubles the index and chains every record again (its key hashed again: no hash is stored per record). */
  #growIndex(): void {
    const index = new Array<R | null>(this.#index.length * 2).fill(null);
    const mask = index.length - 1;
    for (const first of this.#index) {
      let r = first;
      while (r !== null) {
        const twin = r.tableTwin as R | null;
        const slot = keyHash(this.#keyOf(r)) & mask;
        r.tableTwin = index[slot] ?? null;
        index[slot] = r;
        r = twin;
      }
    }
    this.#index = index;
  }
}

function sameKey(a: RecordKey, b: RecordKey): boolean {
  return a.aor === b.aor && a.contact === b.contact && a.registrar === b.registrar;
}

/**
 * A 30-bit FNV-1a hash of the key (fits a V8 small integer, so the Map stores no heap number). Collisions are chained
 * through `tableTwin` and resolved by comparing the strings.
 */
export function keyHash(key: RecordKey): number {
  let h = fnv(0x811c9dc5, key.aor);
  h = fnv(Math.imul(h ^ 0, 0x01000193), key.contact);
  h = fnv(Math.imul(h ^ 0, 0x01000193), key.registrar);
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

function fnv(seed: number, text: string): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}
