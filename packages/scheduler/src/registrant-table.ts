import { bucketCount } from "./bucket-count.js";
import { bucketOf } from "./core-hash.js";
import { DuplicateRecordError } from "./scheduler-config-error.js";

/** The logical identity of a registrant record (reference §2.3): the DB's unique key. `contact` = binding_URI. */
export interface RecordKey {
  readonly aor: string;
  readonly contact: string;
  readonly registrar: string;
}

/**
 * One record's place: the list link of its bucket plus the link to the next slot with the same key hash. The key
 * strings are the caller's own (shared references, not copies). `bucket` is −1 once the record has been removed.
 */
class Slot<R> {
  prev: Slot<R> | null = null;
  next: Slot<R> | null = null;
  twin: Slot<R> | null = null;
  constructor(
    public value: R,
    public bucket: number,
    readonly aor: string,
    readonly contact: string,
    readonly registrar: string,
  ) {}

  is(key: RecordKey): boolean {
    return this.aor === key.aor && this.contact === key.contact && this.registrar === key.registrar;
  }
}

/**
 * The registrant hash table (module doc §1.1, reference §2.3): H = 2^hash_size buckets, a record in bucket
 * `core_hash(AOR) & (H−1)`, each bucket a list in insertion (DB row) order.
 *
 * Unlike OpenSIPS, which matches on (contact, registrar) inside the AOR's bucket (§13.1), records are identified by the
 * full (aor, contact, registrar) key (decisions.md), with O(1) insert, lookup and removal. Per record the table holds
 * one Map entry (keyed by a 30-bit hash of the key, a small integer, so no key string is built) and one list link
 that references the caller's key strings; nothing else.
 *
 * Generic over the record type: the table never looks inside a record.
 */
export class RegistrantTable<R> {
  /** H, the number of buckets. */
  readonly bucketCount: number;
  readonly #index = new Map<number, Slot<R>>();
  #size = 0;
  readonly #head: Array<Slot<R> | null>;
  readonly #tail: Array<Slot<R> | null>;

  /** @throws SchedulerConfigError when hash_size is outside 1..20 */
  constructor(hashSize: number) {
    this.bucketCount = bucketCount(hashSize);
    this.#head = new Array<Slot<R> | null>(this.bucketCount).fill(null);
    this.#tail = new Array<Slot<R> | null>(this.bucketCount).fill(null);
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
    return this.#find(key, keyHash(key)) !== null;
  }

  get(key: RecordKey): R | undefined {
    return this.#find(key, keyHash(key))?.value;
  }

  /**
   * Appends a record at the end of its bucket's list.
   * @returns the bucket index
   * @throws DuplicateRecordError if a record with the same key is already in the table
   */
  insert(key: RecordKey, value: R): number {
    const h = keyHash(key);
    if (this.#find(key, h) !== null) throw new DuplicateRecordError(key);
    return this.#append(h, key, value);
  }

  /**
   * Inserts or replaces: a record with the same key is replaced in place (it keeps its position in the bucket list,
   * as a per-record reload does in OpenSIPS, §8); otherwise the record is appended.
   * @returns the replaced record, if any
   */
  set(key: RecordKey, value: R): R | undefined {
    const h = keyHash(key);
    const slot = this.#find(key, h);
    if (slot === null) {
      this.#append(h, key, value);
      return undefined;
    }
    const old = slot.value;
    slot.value = value;
    return old;
  }

  /** Removes a record. @returns the removed record, or undefined if there was none */
  remove(key: RecordKey): R | undefined {
    const h = keyHash(key);
    const first = this.#index.get(h);
    let before: Slot<R> | null = null;
    let slot = first ?? null;
    while (slot !== null && !slot.is(key)) {
      before = slot;
      slot = slot.twin;
    }
    if (slot === null) return undefined;
    if (before !== null) before.twin = slot.twin;
    else if (slot.twin !== null) this.#index.set(h, slot.twin);
    else this.#index.delete(h);
    slot.twin = null;
    this.#size--;
    const b = slot.bucket;
    if (slot.prev === null) this.#head[b] = slot.next;
    else slot.prev.next = slot.next;
    if (slot.next === null) this.#tail[b] = slot.prev;
    else slot.next.prev = slot.prev;
    // `next` is kept so that an iteration standing on this slot can still move on.
    slot.prev = null;
    slot.bucket = -1;
    return slot.value;
  }

  /** Removes every record. */
  clear(): void {
    for (const first of this.#index.values()) {
      for (let slot: Slot<R> | null = first; slot !== null; slot = slot.twin) slot.bucket = -1;
    }
    this.#index.clear();
    this.#size = 0;
    this.#head.fill(null);
    this.#tail.fill(null);
  }

  /**
   * The records of one bucket in insertion order. Safe against changes while iterating: a removed record is not
   * yielded once removed; a record appended during the iteration may or may not be yielded.
   */
  *bucket(index: number): IterableIterator<R> {
    let slot = this.#head[index] ?? null;
    while (slot !== null) {
      if (slot.bucket >= 0) yield slot.value;
      slot = slot.next;
    }
  }

  /** Every record in bucket order 0..H−1, list order inside a bucket (the `reg_list` order, §9). */
  *values(): IterableIterator<R> {
    for (let b = 0; b < this.bucketCount; b++) yield* this.bucket(b);
  }

  /** Number of records in one bucket (O(bucket length)). */
  bucketSize(index: number): number {
    let n = 0;
    for (let s = this.#head[index] ?? null; s !== null; s = s.next) n++;
    return n;
  }

  #find(key: RecordKey, h: number): Slot<R> | null {
    let slot = this.#index.get(h) ?? null;
    while (slot !== null && !slot.is(key)) slot = slot.twin;
    return slot;
  }

  #append(h: number, key: RecordKey, value: R): number {
    const b = this.bucketOf(key.aor);
    const slot = new Slot(value, b, key.aor, key.contact, key.registrar);
    const tail = this.#tail[b] ?? null;
    if (tail === null) this.#head[b] = slot;
    else {
      tail.next = slot;
      slot.prev = tail;
    }
    this.#tail[b] = slot;
    const first = this.#index.get(h);
    if (first === undefined) this.#index.set(h, slot);
    else {
      let last = first;
      while (last.twin !== null) last = last.twin;
      last.twin = slot;
    }
    this.#size++;
    return b;
  }
}

/**
 * A 30-bit FNV-1a hash of the key (fits a V8 small integer, so the Map stores no heap number). Collisions are chained
 * through {@link Slot.twin} and resolved by comparing the strings.
 */
function keyHash(key: RecordKey): number {
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
