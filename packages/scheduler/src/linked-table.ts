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

/** Slots of the key index at first (doubled while the table grows). */
const INITIAL_SLOTS = 1024;
/**
 * The most records {@link LinkedRegistrantTable.reserve} makes room for at once (2^24: a 2^25-slot index, 400 MB): a
 * count beyond it is left to the index's doubling.
 */
const MAX_RESERVED = 1 << 24;
/** A used slot of the key index has this bit set in its hash word (a key hash has 30 bits): 0 is an empty slot. */
const USED = 0x40000000;
const HASH_BITS = 0x3fffffff;
/** 2^30: a key hash over this is a fraction of the index's length. */
const HASH_RANGE = 0x40000000;

/**
 * The home slot of a hash word in an index of `length` slots: the hash scaled to the length (`h × length / 2^30`), so
 * the length need not be a power of two and {@link LinkedRegistrantTable.reserve} sizes the index for its count
 * exactly. Always below `length` (the product's rounding stays under it), the same for the same word and length.
 */
function homeOf(word: number, length: number): number {
  return Math.floor(((word & HASH_BITS) * length) / HASH_RANGE);
}

/**
 * The links a record carries itself in a {@link LinkedRegistrantTable}: its bucket list neighbours. Extend this class;
 * never touch the fields. Two fields, no more (issue 14: a million records): "in no table" is `tablePrev` pointing at
 * the entry itself, and the bucket is computed again from the key on removal instead of being stored.
 */
export abstract class TableEntry {
  /** @internal The previous entry of its bucket list (null: the first); the entry itself while in no table. */
  tablePrev: TableEntry | null = this;
  /** @internal */
  tableNext: TableEntry | null = null;
}

/** True while `entry` is in a table. */
function linked(entry: TableEntry): boolean {
  return entry.tablePrev !== entry;
}

/**
 * The registrant hash table with intrusive links (docs/opensips-behaviour.md §2.3): H = 2^hash_size buckets, a record
 * in bucket `core_hash(AOR) & (H−1)`, each bucket a list in insertion (DB row) order, identity = the full
 * (aor, contact, registrar) key read from the record with `keyOf`. Per record: the record's own two link fields and
 * 1⅓ to 2⅔ slots (1.35 after a {@link LinkedRegistrantTable.reserve}) of an open-addressing key index (a reference
 * and the key's 30-bit hash; no key string is built): a probe compares hashes, the key strings only on an equal hash.
 * O(1) insert, lookup and removal.
 */
export class LinkedRegistrantTable<R extends TableEntry> {
  /** H, the number of buckets. */
  readonly bucketCount: number;
  readonly #keyOf: (record: R) => RecordKey;
  /**
   * The key index, open addressing with linear probing from the key's home slot (`homeOf`: any length): the records,
   * and beside them each slot's hash word (`keyHash | USED`, 0 when empty), so a probe reads a typed array and growing
   * hashes no key again. Kept at most ¾ full, doubled beyond: 12 bytes a slot, 16–32 per record (16 once reserved),
   * where a Map entry cost about 37 plus an 8-byte chain field in the record (issue 14: memory per record at a
   * million records).
   */
  #slots: Array<R | null> = new Array<R | null>(INITIAL_SLOTS).fill(null);
  #hashes = new Int32Array(INITIAL_SLOTS);
  #size = 0;
  readonly #head: Array<R | null>;
  readonly #tail: Array<R | null>;
  /**
   * The key strings last hashed, and their hash: a load asks {@link get} (not found) then {@link insert} with a key
   * of the same three strings (core builds a new key object at each read of `config.key`), which is hashed once.
   * Compared by value (`===` on strings: the same string objects compare at once).
   */
  #hashedAor: string | undefined = undefined;
  #hashedContact = "";
  #hashedRegistrar = "";
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
    const tail = this.#tail[b] ?? null;
    if (tail === null) this.#head[b] = record;
    else {
      tail.tableNext = record;
      record.tablePrev = tail;
    }
    this.#tail[b] = record;
    this.#place(record, h | USED);
    this.#size++;
    if (this.#size * 4 > this.#slots.length * 3) this.#grow();
    return b;
  }

  /** Removes the record with this key. @returns it, or undefined if there was none */
  remove(key: RecordKey): R | undefined {
    const at = this.#slotOf(key, this.#hash(key));
    if (at < 0) return undefined;
    const record = this.#slots[at] as R;
    this.#vacate(at);
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

  /**
   * Makes room in the key index for `records` records in all (a load that knows its row count,
   * docs/performance-startup.md): the index is sized once instead of doubled again and again while the rows come in (each doubling
   * places every entry again and leaves the old arrays to the garbage collector). Never shrinks the index; a count
   * beyond what is inserted later only leaves slots empty (12 bytes each).
   */
  reserve(records: number): void {
    if (!Number.isFinite(records) || records <= 0) return;
    // ¾ full at `records` (any length: see homeOf), plus 1/64 for the rows added after the load (the next doubling
    // waits for them); at 1,000,000 records 1,348,959 slots, where the next power of two was 2,097,152 (−9 B a record).
    const wanted = Math.min(records, MAX_RESERVED);
    const length = Math.ceil((wanted * 4) / 3 + wanted / 64);
    if (length > this.#slots.length) this.#resize(length);
  }

  /** Removes every record. */
  clear(): void {
    for (const r of this.#slots) if (r !== null) r.tablePrev = r;
    this.#slots = new Array<R | null>(INITIAL_SLOTS).fill(null);
    this.#hashes = new Int32Array(INITIAL_SLOTS);
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
    if (key.aor !== this.#hashedAor || key.contact !== this.#hashedContact || key.registrar !== this.#hashedRegistrar) {
      this.#hashed = keyHash(key);
      this.#hashedAor = key.aor;
      this.#hashedContact = key.contact;
      this.#hashedRegistrar = key.registrar;
    }
    return this.#hashed;
  }

  #find(key: RecordKey, h: number): R | null {
    const at = this.#slotOf(key, h);
    return at < 0 ? null : (this.#slots[at] as R);
  }

  /** The index slot of `key` (hash `h`), or −1. */
  #slotOf(key: RecordKey, h: number): number {
    const hashes = this.#hashes;
    const length = hashes.length;
    const word = h | USED;
    for (let i = homeOf(word, length); ; i = i + 1 === length ? 0 : i + 1) {
      const w = hashes[i] ?? 0;
      if (w === 0) return -1;
      if (w === word && sameKey(this.#keyOf(this.#slots[i] as R), key)) return i;
    }
  }

  /** Puts `record` (hash word `word`) in the first free slot from its home slot on. */
  #place(record: R, word: number): void {
    const hashes = this.#hashes;
    const length = hashes.length;
    let i = homeOf(word, length);
    while (hashes[i] !== 0) i = i + 1 === length ? 0 : i + 1;
    hashes[i] = word;
    this.#slots[i] = record;
  }

  /**
   * Empties slot `at` and shifts back the entries after it that probing would no longer reach (backward-shift
   * deletion: no tombstones, so lookups stay short after many removals).
   */
  #vacate(at: number): void {
    const hashes = this.#hashes;
    const slots = this.#slots;
    const length = hashes.length;
    let hole = at;
    for (let j = at + 1 === length ? 0 : at + 1; ; j = j + 1 === length ? 0 : j + 1) {
      const w = hashes[j] ?? 0;
      if (w === 0) break;
      const home = homeOf(w, length);
      // The entry at j stays when its home lies cyclically in (hole, j]; otherwise it moves into the hole.
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      hashes[hole] = w;
      slots[hole] = slots[j] ?? null;
      hole = j;
    }
    hashes[hole] = 0;
    slots[hole] = null;
  }

  /** Doubles the index. */
  #grow(): void {
    this.#resize(this.#slots.length * 2);
  }

  /** Moves the index to `length` slots; every entry is placed again from its stored hash word. */
  #resize(length: number): void {
    const oldSlots = this.#slots;
    const oldHashes = this.#hashes;
    this.#slots = new Array<R | null>(length).fill(null);
    this.#hashes = new Int32Array(length);
    for (let i = 0; i < oldSlots.length; i++) {
      const r = oldSlots[i] ?? null;
      if (r !== null) this.#place(r, oldHashes[i] ?? 0);
    }
  }
}

function sameKey(a: RecordKey, b: RecordKey): boolean {
  return a.aor === b.aor && a.contact === b.contact && a.registrar === b.registrar;
}

/**
 * A 30-bit hash of the key (a V8 small integer; the index sets bit 30 to mark a used slot). Equal hashes are told
 * apart by comparing the strings. FNV-style over two UTF-16 code units per multiplication (half the dependent
 * multiplications of one per character: every record loaded is hashed here, a million at start-up), then
 * MurmurHash3's 32-bit finaliser, so that every character reaches the high bits the index's range reduction reads.
 */
export function keyHash(key: RecordKey): number {
  let h = mix(0x811c9dc5, key.aor);
  h = mix(Math.imul(h ^ 0x2f, 0x01000193), key.contact);
  h = mix(Math.imul(h ^ 0x2f, 0x01000193), key.registrar);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x3fffffff;
}

/** `seed` folded with `text`, two code units (one 32-bit word) per step, an odd last one alone. */
function mix(seed: number, text: string): number {
  let h = seed;
  const n = text.length;
  let i = 0;
  for (; i + 1 < n; i += 2) h = Math.imul(h ^ ((text.charCodeAt(i) << 16) | text.charCodeAt(i + 1)), 0x01000193);
  if (i < n) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}
