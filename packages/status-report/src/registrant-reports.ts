/**
 * The `uac_registrant` status/report group (docs/events.md §4, §5; docs/opensips-behaviour.md §6): one identifier
 * per record, named `aor=<AOR>;contact=<binding>;registrar=<registrar>`, whose status follows the record's state and
 * whose reports are its last `depth` entries, "created with state …" then "state changed to …".
 *
 * Kept compactly for a million records: an entry is a 32-bit time and a 16-bit code id (the packed from/to states,
 * kind and interned reason) in a per-record ring inside large shared typed arrays, never an object or a string. The
 * report texts, dates and history objects are made only when a command or the web page asks for them.
 */
import { formatKey, type RegistrantKey, STATE_NAMES, type StateName } from "@uacreg/core";
import { REASON_GONE_REF, ReasonTable } from "./reason-table.js";
import type { SrGroup } from "./sr-group.js";
import { registrantStatus, type SrReport, type SrStatus } from "./sr-status.js";

/** The group name OpenSIPS's uac_registrant registers. */
export const REGISTRANT_GROUP = "uac_registrant";

/** OpenSIPS keeps the last 20 reports of each registrant. */
export const DEFAULT_REPORT_DEPTH = 20;

/** One state change of a record's history, oldest first in {@link RegistrantReports.history}. */
export interface HistoryEntry {
  /** Unix seconds. */
  readonly at: number;
  readonly from: StateName;
  readonly to: StateName;
  /** Why, as the engine said it ("200 OK", "timeout", "MI disable", …), or "(reason no longer kept)". */
  readonly reason: string;
}

/** A state change as the engine emits it (`StateChangeEvent`, docs/contracts.md). */
export interface RegistrantStateChange {
  readonly key: RegistrantKey;
  readonly from: StateName;
  readonly to: StateName;
  readonly reason: string;
  /** Unix seconds. */
  readonly at: number;
}

/** What a state change did to the identifier's status (for `E_CORE_SR_STATUS_CHANGED`, docs/events.md §3). */
export interface StatusChange {
  readonly oldStatus: number;
  readonly status: number;
  readonly details: string;
}

export interface RegistrantReportsOptions {
  /** Reports kept per record, 1 to 255 (default 20, as OpenSIPS). */
  readonly depth?: number;
  /** Distinct reasons kept at once, 1 to 4096 (default 4096). */
  readonly reasons?: number;
  /**
   * Called before a listing (`sr_list_*`, `sr_get_status … all`): the daemon passes the engine's records to
   * {@link RegistrantReports.retain} so that records added without a state change, or removed, are listed right.
   */
  readonly prepare?: (reports: RegistrantReports) => void | Promise<void>;
}

/** Slots per chunk of the per-record arrays (2^10): growth allocates a chunk, never copies the others. */
const CHUNK_BITS = 10;
const CHUNK = 1 << CHUNK_BITS;
const IN_CHUNK = CHUNK - 1;
/** Entry blocks per chunk of a size class's pool (small, so that a chunk drains and is dropped). */
const BLOCK_CHUNK_BITS = 8;
const BLOCK_CHUNK = 1 << BLOCK_CHUNK_BITS;
const STATE_BITS = 4;
const STATE_MASK = (1 << STATE_BITS) - 1;
const KIND_CREATED = 1 << (2 * STATE_BITS);
const REASON_SHIFT = 2 * STATE_BITS + 1;
/** The bits of a code below the reason reference: to, from and the created flag. */
const STATES_AND_KIND = (1 << REASON_SHIFT) - 1;
const NO_SLOT = -1;
/**
 * Entries a record starts with room for: a first registration against a digest registrar makes 4 reports (created,
 * REGISTERING, AUTHENTICATING, REGISTERED); each refresh adds 2 (REGISTERED → REGISTERING → REGISTERED), so a block
 * moves to 8 entries, then to the full depth.
 */
const FIRST_CLASS = 4;

/** Per-record fields of 1,024 records. */
interface SlotChunk {
  /** The key's AOR and binding: the strings the engine's row holds (refreshed at each change), never a copy. */
  readonly aor: (string | undefined)[];
  readonly contact: (string | undefined)[];
  /** The registrar, interned: most records share a few. */
  readonly registrar: Uint32Array;
  /** The next slot whose key has the same hash ({@link NO_SLOT} for none); the next free slot when freed. */
  readonly chain: Int32Array;
  /** Its creation number, for listing the newest first. */
  readonly order: Uint32Array;
  /** The hash of its key, so that the index grows without hashing the key strings again. */
  readonly hashes: Int32Array;
  /** Its block of entries in the pool of its size class. */
  readonly block: Int32Array;
  /** Size class, index of the oldest entry in the block, number of entries (3 bytes per record). */
  readonly meta: Uint8Array;
}

/** Distinct entry codes held at once: an entry stores a 16-bit number for its code. */
const CODE_IDS = 1 << 16;

/**
 * The entries' 32-bit codes (to, from, created flag, reason reference), interned: at a million records the entries
 * use a few dozen distinct codes ("REGISTERING → REGISTERED, 200 OK"), so an entry holds a 16-bit id instead of the
 * code (6 bytes per entry with its time, not 8). Each id counts the entries using it and is reused when none does.
 * Bounded: when 65,536 codes are in use (a registrar sending a new reason phrase on every reply), a new code is
 * stored with the reason "(reason no longer kept)", its states kept; those 200 codes hold ids from the start.
 */
class EntryCodes {
  readonly #ids = new Map<number, number>();
  #codes = new Uint32Array(256);
  #uses = new Uint32Array(256);
  readonly #free: number[] = [];
  #next = 0;

  constructor() {
    // The fallback codes (every from/to state, created or not, reason gone), never freed.
    for (let kind = 0; kind <= KIND_CREATED; kind += KIND_CREATED) {
      for (let from = 0; from < STATE_NAMES.length; from++) {
        for (let to = 0; to < STATE_NAMES.length; to++) {
          const id = this.#add(codeOf(from, to, kind, REASON_GONE_REF));
          this.#uses[id] = 1;
        }
      }
    }
  }

  /** Distinct codes held (including the fallback ones). */
  get size(): number {
    return this.#ids.size;
  }

  get bytes(): number {
    return this.#codes.byteLength + this.#uses.byteLength;
  }

  /** The id of `code`, counted as used once more. */
  use(code: number): number {
    let id = this.#ids.get(code);
    if (id === undefined) {
      id =
        this.#free.length > 0 || this.#next < CODE_IDS
          ? this.#add(code)
          : (this.#ids.get(((code & STATES_AND_KIND) | (REASON_GONE_REF << REASON_SHIFT)) >>> 0) ?? 0);
    }
    this.#uses[id] = (this.#uses[id] ?? 0) + 1;
    return id;
  }

  /** One entry using `id` is gone. */
  drop(id: number): void {
    const uses = (this.#uses[id] ?? 1) - 1;
    this.#uses[id] = uses;
    if (uses > 0) return;
    this.#ids.delete(this.#codes[id] ?? 0);
    this.#free.push(id);
  }

  code(id: number): number {
    return this.#codes[id] ?? 0;
  }

  #add(code: number): number {
    const id = this.#free.pop() ?? this.#next++;
    if (id >= this.#codes.length) {
      const codes = new Uint32Array(this.#codes.length * 2);
      codes.set(this.#codes);
      this.#codes = codes;
      const uses = new Uint32Array(this.#uses.length * 2);
      uses.set(this.#uses);
      this.#uses = uses;
    }
    this.#codes[id] = code;
    this.#uses[id] = 0;
    this.#ids.set(code, id);
    return id;
  }
}

function codeOf(from: number, to: number, kind: number, reason: number): number {
  return (to | (from << STATE_BITS) | kind | (reason << REASON_SHIFT)) >>> 0;
}

/**
 * Entry blocks of one size: `size` entries of a 32-bit time (unix seconds) and a 16-bit code id ({@link EntryCodes}),
 * in chunks of {@link BLOCK_CHUNK} blocks. A freed block is chained
 * through its first time word within its chunk and reused before the pool grows; a chunk whose blocks are all free
 * is dropped (when every record has moved up to larger blocks, the smaller classes give their memory back).
 */
class BlockPool {
  readonly times: (Uint32Array | undefined)[] = [];
  readonly codes: (Uint16Array | undefined)[] = [];
  /** Per chunk: blocks in use, and its first free block ({@link NO_SLOT}: none). */
  readonly #used: number[] = [];
  readonly #free: number[] = [];
  /** Chunks that may have a free block (checked when taken), and whether a chunk is in that list. */
  readonly #open: number[] = [];
  readonly #listed: boolean[] = [];
  /** Chunk numbers whose arrays were dropped, for reuse. */
  readonly #vacant: number[] = [];
  #inUse = 0;
  #chunks = 0;

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.#inUse;
  }

  get bytes(): number {
    return this.#chunks * BLOCK_CHUNK * this.size * 6;
  }

  alloc(): number {
    this.#inUse++;
    for (;;) {
      const c = this.#open[this.#open.length - 1];
      if (c === undefined) break;
      const block = this.#free[c] ?? NO_SLOT;
      const times = this.times[c];
      if (block === NO_SLOT || times === undefined) {
        this.#open.pop();
        this.#listed[c] = false;
        continue;
      }
      this.#free[c] = (times[(block & (BLOCK_CHUNK - 1)) * this.size] ?? 0) | 0;
      this.#used[c] = (this.#used[c] ?? 0) + 1;
      return block;
    }
    const c = this.#vacant.pop() ?? this.times.length;
    const times = new Uint32Array(BLOCK_CHUNK * this.size);
    this.times[c] = times;
    this.codes[c] = new Uint16Array(BLOCK_CHUNK * this.size);
    this.#chunks++;
    // Chain every block of the new chunk, the first one taken now.
    const first = c << BLOCK_CHUNK_BITS;
    for (let i = 1; i < BLOCK_CHUNK; i++) times[i * this.size] = i + 1 < BLOCK_CHUNK ? first + i + 1 : NO_SLOT >>> 0;
    this.#free[c] = first + 1;
    this.#used[c] = 1;
    if (this.#listed[c] !== true) {
      this.#open.push(c);
      this.#listed[c] = true;
    }
    return first;
  }

  release(block: number): void {
    this.#inUse--;
    const c = block >>> BLOCK_CHUNK_BITS;
    const times = this.times[c];
    if (times === undefined) return;
    const used = (this.#used[c] ?? 1) - 1;
    this.#used[c] = used;
    if (used === 0) {
      this.times[c] = undefined;
      this.codes[c] = undefined;
      this.#free[c] = NO_SLOT;
      this.#chunks--;
      this.#vacant.push(c);
      return;
    }
    times[(block & (BLOCK_CHUNK - 1)) * this.size] = (this.#free[c] ?? NO_SLOT) >>> 0;
    this.#free[c] = block;
    if (this.#listed[c] !== true) {
      this.#open.push(c);
      this.#listed[c] = true;
    }
  }
}

/** Entry capacities of the size classes for a depth: 4, doubled while at most half the depth, then the depth (20: 4, 8, 20). */
function sizeClasses(depth: number): number[] {
  const sizes: number[] = [];
  for (let size = FIRST_CLASS; size < depth; size *= 2) if (size === FIRST_CLASS || size * 2 <= depth) sizes.push(size);
  sizes.push(depth);
  return sizes;
}

/** Buckets of the index at first (it doubles when it holds more slots than buckets). */
const INITIAL_BUCKETS = 1024;

const STATE_INDEX = new Map<string, number>(STATE_NAMES.map((n, i) => [n, i]));

function stateIndex(name: StateName): number {
  return STATE_INDEX.get(name) ?? 0;
}

function nameOf(index: number): StateName {
  return STATE_NAMES[index] ?? "NOT_REGISTERED_STATE";
}

/** FNV-1a over the three key fields, cut to 30 bits so that V8 keeps it a small integer. */
function hashKey(key: RegistrantKey): number {
  return fnv(fnv(fnv(0x811c9dc5, key.aor), key.contact), key.registrar) & 0x3fffffff;
}

/** FNV-1a of `s` continued from `h`, then a 0 separator (so "ab"+"c" and "a"+"bc" differ). */
function fnv(h: number, s: string): number {
  let x = h;
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 0x01000193);
  return Math.imul(x, 0x01000193);
}

/**
 * An identifier name back into the key it was made from (`aor=…;contact=…;registrar=…`, §6); undefined when it is
 * not of that form. A URI holding ";contact=" or ";registrar=" itself is found by the slower scan instead.
 */
function parseName(name: string): RegistrantKey | undefined {
  if (!name.startsWith("aor=")) return undefined;
  const c = name.indexOf(";contact=");
  const r = name.lastIndexOf(";registrar=");
  if (c < 0 || r < c) return undefined;
  return { aor: name.slice(4, c), contact: name.slice(c + 9, r), registrar: name.slice(r + 11) };
}

/** How much the store holds, for the benchmark and the tests (typed arrays only; the key strings are the engine's). */
export interface ReportStorage {
  /** Records with an identifier. */
  readonly records: number;
  /** Per-record slots allocated (in use or free for reuse). */
  readonly slots: number;
  /** Per size class: entries per block, blocks in use, bytes allocated for that class. */
  readonly classes: readonly { readonly size: number; readonly inUse: number; readonly bytes: number }[];
  /** Bytes of every typed array of the store (slots, index, entry blocks). */
  readonly bytes: number;
}

export class RegistrantReports implements SrGroup {
  readonly name = REGISTRANT_GROUP;
  readonly depth: number;
  readonly #reasons: ReasonTable;
  /**
   * Key hash & (buckets − 1) → first slot of its chain ({@link NO_SLOT} for none), chained through the slots'
   * `chain`: 4 to 8 bytes per record plus its stored hash, where a Map entry per record cost about 37 (issue 14).
   */
  #heads = new Int32Array(INITIAL_BUCKETS).fill(NO_SLOT);
  readonly #slots: SlotChunk[] = [];
  /** Entry blocks by size class ({@link sizeClasses}): a record's block moves up a class only when it is full. */
  readonly #pools: BlockPool[];
  /** The entries' codes, interned (an entry holds a 16-bit id). */
  readonly #codes = new EntryCodes();
  /** Interned registrars: id → string, string → id, and how many records use each id (0: free for reuse). */
  readonly #registrars: (string | undefined)[] = [];
  readonly #registrarIds = new Map<string, number>();
  #registrarUses = new Uint32Array(16);
  readonly #freeRegistrars: number[] = [];
  /** First freed slot, chained through `chain` ({@link NO_SLOT}: none). */
  #freeSlot = NO_SLOT;
  #allocated = 0;
  #size = 0;
  #created = 0;
  /** A freed slot has been reused, so slot order is no longer creation order. */
  #reused = false;
  readonly #prepare: ((reports: RegistrantReports) => void | Promise<void>) | undefined;
  /** What {@link changed} returns, reused. */
  readonly #change: { oldStatus: number; status: number; details: string } = { oldStatus: 0, status: 0, details: "" };

  constructor(options: RegistrantReportsOptions = {}) {
    const depth = options.depth ?? DEFAULT_REPORT_DEPTH;
    if (!Number.isInteger(depth) || depth < 1 || depth > 255) {
      throw new RangeError(`report depth must be an integer from 1 to 255, got ${depth}`);
    }
    this.depth = depth;
    this.#pools = sizeClasses(depth).map((size) => new BlockPool(size));
    this.#reasons = new ReasonTable(options.reasons);
    this.#prepare = options.prepare;
  }

  /** Records with an identifier. */
  get size(): number {
    return this.#size;
  }

  /** What the store holds now (typed-array bytes, blocks per size class). */
  storage(): ReportStorage {
    const classes = this.#pools.map((p) => ({ size: p.size, inUse: p.inUse, bytes: p.bytes }));
    // Per slot: registrar, chain, order, hash, block (4 bytes each) and meta (3).
    const slotBytes = this.#slots.length * CHUNK * 23;
    const bytes = classes.reduce((sum, c) => sum + c.bytes, slotBytes + this.#heads.byteLength);
    const tables = this.#registrarUses.byteLength + this.#codes.bytes;
    return { records: this.#size, slots: this.#allocated, classes, bytes: bytes + tables };
  }

  /**
   * A record appeared (loaded, upserted): its identifier with the report "created with state …". False when it
   * had one already (a reload keeps the reports of the records it keeps, as OpenSIPS does).
   */
  created(key: RegistrantKey, at: number, state: StateName = "NOT_REGISTERED_STATE"): boolean {
    const h = hashKey(key);
    if (this.#lookup(key, h) !== NO_SLOT) return false;
    const s = stateIndex(state);
    this.#push(this.#allocate(key, h), at, s, s, KIND_CREATED, 0);
    return true;
  }

  /**
   * A state change: the report "state changed to …" and the new status. A record without an identifier gets one
   * first ("created with state <from>"). Returns the status before and after, for the status-changed event: one
   * object reused by every call (two state changes per refresh allocate nothing here), so read or copy it before the
   * next change.
   */
  changed(e: RegistrantStateChange): StatusChange {
    const key = e.key;
    const h = hashKey(key);
    let slot = this.#lookup(key, h);
    const from = stateIndex(e.from);
    if (slot === NO_SLOT) {
      slot = this.#allocate(key, h);
      this.#push(slot, e.at, from, from, KIND_CREATED, 0);
    } else {
      // Hold the engine's current strings (equal, maybe not the same objects after a reload), so that the older
      // copies can be collected.
      const chunk = this.#slotChunk(slot);
      chunk.aor[slot & IN_CHUNK] = key.aor;
      chunk.contact[slot & IN_CHUNK] = key.contact;
    }
    const oldStatus = registrantStatus(nameOf(this.#last(slot) & STATE_MASK));
    this.#push(slot, e.at, from, stateIndex(e.to), 0, this.#reasons.intern(e.reason));
    // No identifier string here: it is made only when someone subscribed to the status-changed event.
    const change = this.#change;
    change.oldStatus = oldStatus;
    change.status = registrantStatus(e.to);
    change.details = e.to;
    return change;
  }

  /** The record left (deleted, or gone from the database at a reload): its identifier and reports go. */
  remove(key: RegistrantKey): boolean {
    const slot = this.#lookup(key);
    if (slot === NO_SLOT) return false;
    this.#release(slot);
    return true;
  }

  /**
   * Makes the identifiers those of `keys` (the engine's records at one moment): new ones are created at `at`, the
   * others removed; identifiers created while an asynchronous `keys` is read (a state change meanwhile) are kept.
   * An async iterable lets the caller yield to the event loop between chunks of a large table. Resolves with how
   * many were added and removed.
   */
  async retain(
    keys: Iterable<RegistrantKey> | AsyncIterable<RegistrantKey>,
    at: number,
  ): Promise<{ added: number; removed: number }> {
    const run = this.#retaining(at);
    // A synchronous iterable is read without an await per key (`for await` would take a microtask for each).
    if (Symbol.iterator in keys) run.take(keys);
    else for await (const key of keys) run.take([key]);
    return run.finish();
  }

  /**
   * {@link retain} with the keys handed over a page at a time (an array of keys per step): one await per page
   * instead of one per key, about a microsecond per key less at a million records (docs/performance-startup.md).
   * Identifiers created between two pages (a state change meanwhile) are kept, as with {@link retain}.
   */
  async retainPages(
    pages: Iterable<Iterable<RegistrantKey>> | AsyncIterable<Iterable<RegistrantKey>>,
    at: number,
  ): Promise<{ added: number; removed: number }> {
    const run = this.#retaining(at);
    for await (const page of pages) run.take(page);
    return run.finish();
  }

  /** The state of one {@link retain}: the slots its keys named, what it added, and the end that removes the rest. */
  #retaining(at: number): { take(keys: Iterable<RegistrantKey>): void; finish(): { added: number; removed: number } } {
    const startedAt = this.#created;
    let mark = new Uint8Array(this.#allocated + CHUNK);
    let added = 0;
    const take = (keys: Iterable<RegistrantKey>): void => {
      for (const key of keys) {
        const h = hashKey(key);
        let slot = this.#lookup(key, h);
        if (slot === NO_SLOT) {
          slot = this.#allocate(key, h);
          this.#push(slot, at, 0, 0, KIND_CREATED, 0);
          added++;
        }
        if (slot >= mark.length) {
          const grown = new Uint8Array(Math.max(slot + 1, mark.length * 2));
          grown.set(mark);
          mark = grown;
        }
        mark[slot] = 1;
      }
    };
    const finish = () => this.#removeUnmarked(mark, startedAt, added);
    return { take, finish };
  }

  /** The end of a retain: removes the identifiers older than it that no key named. */
  #removeUnmarked(mark: Uint8Array, startedAt: number, added: number): { added: number; removed: number } {
    let removed = 0;
    for (let slot = 0; slot < this.#allocated; slot++) {
      const chunk = this.#slotChunk(slot);
      const base = slot & IN_CHUNK;
      const before = (chunk.order[base] ?? 0) < startedAt;
      if (chunk.aor[base] !== undefined && mark[slot] !== 1 && before) {
        this.#release(slot);
        removed++;
      }
    }
    return { added, removed };
  }

  /**
   * The record's last state changes, oldest first (at most `depth`; the "created" report is not a change and is
   * left out). Empty for an unknown record. For the web page's detail view (docs/events.md §5).
   */
  history(key: RegistrantKey): readonly HistoryEntry[] {
    const slot = this.#lookup(key);
    if (slot === NO_SLOT) return [];
    const out: HistoryEntry[] = [];
    this.#each(slot, (at, code) => {
      if ((code & KIND_CREATED) !== 0) return;
      out.push({
        at,
        from: nameOf((code >>> STATE_BITS) & STATE_MASK),
        to: nameOf(code & STATE_MASK),
        reason: this.#reasons.text(code >>> REASON_SHIFT),
      });
    });
    return out;
  }

  /** Unix seconds of the record's last report: when it entered its current state (or was created); undefined if unknown. */
  since(key: RegistrantKey): number | undefined {
    const slot = this.#lookup(key);
    if (slot === NO_SLOT) return undefined;
    let last: number | undefined;
    this.#each(slot, (at) => {
      last = at;
    });
    return last;
  }

  // SrGroup

  async prepare(): Promise<void> {
    await this.#prepare?.(this);
  }

  identifiers(): readonly string[] {
    const slots: number[] = [];
    for (let slot = 0; slot < this.#allocated; slot++) if (this.#keyOf(slot) !== undefined) slots.push(slot);
    if (this.#reused) {
      const order = (slot: number): number => this.#slotChunk(slot).order[slot & IN_CHUNK] ?? 0;
      slots.sort((a, b) => order(b) - order(a));
    } else slots.reverse();
    return slots.map((slot) => formatKey(this.#keyOf(slot) as RegistrantKey));
  }

  find(identifier: string): string | undefined {
    const parsed = parseName(identifier);
    if (parsed !== undefined) {
      const slot = this.#lookup(parsed);
      if (slot !== NO_SLOT) return identifier;
    }
    const lower = identifier.toLowerCase();
    for (let slot = 0; slot < this.#allocated; slot++) {
      const key = this.#keyOf(slot);
      if (key === undefined) continue;
      const name = formatKey(key);
      if (name.toLowerCase() === lower) return name;
    }
    return undefined;
  }

  status(identifier: string): SrStatus | undefined {
    const slot = this.#slotOfName(identifier);
    if (slot === NO_SLOT) return undefined;
    const state = nameOf(this.#last(slot) & STATE_MASK);
    return { status: registrantStatus(state), details: state };
  }

  reports(identifier: string): readonly SrReport[] {
    const slot = this.#slotOfName(identifier);
    if (slot === NO_SLOT) return [];
    const out: SrReport[] = [];
    this.#each(slot, (at, code) => {
      const state = nameOf(code & STATE_MASK);
      out.push({
        at,
        log: (code & KIND_CREATED) !== 0 ? `created with state ${state}\n` : `state changed to ${state}\n`,
      });
    });
    return out;
  }

  // storage

  #slotOfName(identifier: string): number {
    const key = parseName(identifier);
    return key === undefined ? NO_SLOT : this.#lookup(key);
  }

  /** The slot's key as a new object (for listings), undefined for a free slot. */
  #keyOf(slot: number): RegistrantKey | undefined {
    const chunk = this.#slotChunk(slot);
    const base = slot & IN_CHUNK;
    const aor = chunk.aor[base];
    const contact = chunk.contact[base];
    if (aor === undefined || contact === undefined) return undefined;
    return { aor, contact, registrar: this.#registrars[chunk.registrar[base] ?? 0] ?? "" };
  }

  #lookup(key: RegistrantKey, h: number = hashKey(key)): number {
    let slot = this.#heads[h & (this.#heads.length - 1)] ?? NO_SLOT;
    while (slot !== NO_SLOT) {
      const chunk = this.#slotChunk(slot);
      const base = slot & IN_CHUNK;
      if (
        chunk.hashes[base] === h &&
        chunk.aor[base] === key.aor &&
        chunk.contact[base] === key.contact &&
        this.#registrars[chunk.registrar[base] ?? 0] === key.registrar
      ) {
        return slot;
      }
      slot = chunk.chain[base] ?? NO_SLOT;
    }
    return NO_SLOT;
  }

  /** Doubles the index's buckets and chains every slot again from its stored hash (no key is hashed). */
  #growIndex(): void {
    const heads = new Int32Array(this.#heads.length * 2).fill(NO_SLOT);
    const mask = heads.length - 1;
    for (let slot = 0; slot < this.#allocated; slot++) {
      const chunk = this.#slotChunk(slot);
      const base = slot & IN_CHUNK;
      if (chunk.aor[base] === undefined) continue;
      const b = (chunk.hashes[base] ?? 0) & mask;
      chunk.chain[base] = heads[b] ?? NO_SLOT;
      heads[b] = slot;
    }
    this.#heads = heads;
  }

  #internRegistrar(registrar: string): number {
    let id = this.#registrarIds.get(registrar);
    if (id === undefined) {
      id = this.#freeRegistrars.pop() ?? this.#registrars.length;
      this.#registrars[id] = registrar;
      this.#registrarIds.set(registrar, id);
      if (id >= this.#registrarUses.length) {
        const grown = new Uint32Array(this.#registrarUses.length * 2);
        grown.set(this.#registrarUses);
        this.#registrarUses = grown;
      }
    }
    this.#registrarUses[id] = (this.#registrarUses[id] ?? 0) + 1;
    return id;
  }

  #dropRegistrar(id: number): void {
    const uses = (this.#registrarUses[id] ?? 1) - 1;
    this.#registrarUses[id] = uses;
    if (uses > 0) return;
    const registrar = this.#registrars[id];
    if (registrar !== undefined) this.#registrarIds.delete(registrar);
    this.#registrars[id] = undefined;
    this.#freeRegistrars.push(id);
  }

  #allocate(key: RegistrantKey, h: number = hashKey(key)): number {
    let slot = this.#freeSlot;
    if (slot !== NO_SLOT) {
      this.#reused = true;
      this.#freeSlot = this.#slotChunk(slot).chain[slot & IN_CHUNK] ?? NO_SLOT;
    } else {
      slot = this.#allocated++;
      if (slot >= this.#slots.length * CHUNK) {
        this.#slots.push({
          aor: new Array<string | undefined>(CHUNK).fill(undefined),
          contact: new Array<string | undefined>(CHUNK).fill(undefined),
          registrar: new Uint32Array(CHUNK),
          chain: new Int32Array(CHUNK),
          order: new Uint32Array(CHUNK),
          hashes: new Int32Array(CHUNK),
          block: new Int32Array(CHUNK),
          meta: new Uint8Array(CHUNK * 3),
        });
      }
    }
    const chunk = this.#slotChunk(slot);
    const base = slot & IN_CHUNK;
    chunk.aor[base] = key.aor;
    chunk.contact[base] = key.contact;
    chunk.registrar[base] = this.#internRegistrar(key.registrar);
    chunk.block[base] = (this.#pools[0] as BlockPool).alloc();
    chunk.meta[base * 3] = 0;
    chunk.meta[base * 3 + 1] = 0;
    chunk.meta[base * 3 + 2] = 0;
    chunk.order[base] = this.#created++ >>> 0;
    const b = h & (this.#heads.length - 1);
    chunk.hashes[base] = h;
    chunk.chain[base] = this.#heads[b] ?? NO_SLOT;
    this.#heads[b] = slot;
    this.#size++;
    if (this.#size > this.#heads.length) this.#growIndex();
    return slot;
  }

  #release(slot: number): void {
    const chunk = this.#slotChunk(slot);
    const base = slot & IN_CHUNK;
    if (chunk.aor[base] === undefined) return;
    const b = (chunk.hashes[base] ?? 0) & (this.#heads.length - 1);
    const next = chunk.chain[base] ?? NO_SLOT;
    const head = this.#heads[b] ?? NO_SLOT;
    if (head === slot) this.#heads[b] = next;
    else {
      let prev = head;
      while (prev !== NO_SLOT) {
        const c = this.#slotChunk(prev);
        const pb = prev & IN_CHUNK;
        if (c.chain[pb] === slot) {
          c.chain[pb] = next;
          break;
        }
        prev = c.chain[pb] ?? NO_SLOT;
      }
    }
    const count = chunk.meta[base * 3 + 2] ?? 0;
    const { pool, codes, at } = this.#where(chunk, base);
    for (let i = 0; i < count; i++) this.#codes.drop(codes[at + i] ?? 0);
    pool.release(chunk.block[base] ?? 0);
    this.#dropRegistrar(chunk.registrar[base] ?? 0);
    chunk.aor[base] = undefined;
    chunk.contact[base] = undefined;
    chunk.chain[base] = this.#freeSlot;
    this.#freeSlot = slot;
    this.#size--;
  }

  #slotChunk(slot: number): SlotChunk {
    const chunk = this.#slots[slot >>> CHUNK_BITS];
    if (chunk === undefined) throw new RangeError(`status-report slot ${slot} not allocated`);
    return chunk;
  }

  /** Where the slot's block lies: its pool's arrays and the block's first index in them. */
  #where(chunk: SlotChunk, base: number): { pool: BlockPool; times: Uint32Array; codes: Uint16Array; at: number } {
    const pool = this.#pools[chunk.meta[base * 3] ?? 0];
    const block = chunk.block[base] ?? 0;
    const times = pool?.times[block >>> BLOCK_CHUNK_BITS];
    const codes = pool?.codes[block >>> BLOCK_CHUNK_BITS];
    if (pool === undefined || times === undefined || codes === undefined) {
      throw new RangeError(`status-report block ${block} not allocated`);
    }
    return { pool, times, codes, at: (block & (BLOCK_CHUNK - 1)) * pool.size };
  }

  #push(slot: number, at: number, from: number, to: number, kind: number, reason: number): void {
    const chunk = this.#slotChunk(slot);
    const base = slot & IN_CHUNK;
    const cls = chunk.meta[base * 3] ?? 0;
    let first = chunk.meta[base * 3 + 1] ?? 0;
    const count = chunk.meta[base * 3 + 2] ?? 0;
    let size = this.#pools[cls]?.size ?? this.depth;
    if (count === size && size < this.depth) {
      // Full and below the depth: move the entries, oldest first, to a block of the next class (most records never
      // get here: they keep the 4 entries of their first registration until refreshes add more).
      this.#grow(chunk, base, cls, first, count);
      first = 0;
      size = this.#pools[cls + 1]?.size ?? this.depth;
    }
    // The block's arrays read in place (no object per push: a state change allocates nothing that outlives it).
    const block = chunk.block[base] ?? 0;
    const pool = this.#pools[chunk.meta[base * 3] ?? 0];
    const times = pool?.times[block >>> BLOCK_CHUNK_BITS];
    const codes = pool?.codes[block >>> BLOCK_CHUNK_BITS];
    if (times === undefined || codes === undefined) throw new RangeError(`status-report block ${block} not allocated`);
    const offset = (block & (BLOCK_CHUNK - 1)) * size;
    let index: number;
    if (count < size) {
      index = (first + count) % size;
      chunk.meta[base * 3 + 2] = count + 1;
    } else {
      index = first;
      chunk.meta[base * 3 + 1] = (first + 1) % size;
      this.#codes.drop(codes[offset + index] ?? 0);
    }
    times[offset + index] = Math.max(0, Math.min(0xffffffff, Math.trunc(at)));
    codes[offset + index] = this.#codes.use(codeOf(from, to, kind, reason));
  }

  #grow(chunk: SlotChunk, base: number, cls: number, first: number, count: number): void {
    const old = this.#where(chunk, base);
    const oldBlock = chunk.block[base] ?? 0;
    const next = this.#pools[cls + 1] as BlockPool;
    const block = next.alloc();
    chunk.block[base] = block;
    chunk.meta[base * 3] = cls + 1;
    chunk.meta[base * 3 + 1] = 0;
    const { times, codes, at } = this.#where(chunk, base);
    for (let i = 0; i < count; i++) {
      const from = old.at + ((first + i) % old.pool.size);
      times[at + i] = old.times[from] ?? 0;
      codes[at + i] = old.codes[from] ?? 0;
    }
    old.pool.release(oldBlock);
  }

  #last(slot: number): number {
    const chunk = this.#slotChunk(slot);
    const base = slot & IN_CHUNK;
    const count = chunk.meta[base * 3 + 2] ?? 0;
    if (count === 0) return 0;
    const block = chunk.block[base] ?? 0;
    const pool = this.#pools[chunk.meta[base * 3] ?? 0];
    const codes = pool?.codes[block >>> BLOCK_CHUNK_BITS];
    if (pool === undefined || codes === undefined) return 0;
    const index = (block & (BLOCK_CHUNK - 1)) * pool.size + (((chunk.meta[base * 3 + 1] ?? 0) + count - 1) % pool.size);
    return this.#codes.code(codes[index] ?? 0);
  }

  #each(slot: number, visit: (at: number, code: number) => void): void {
    const chunk = this.#slotChunk(slot);
    const base = slot & IN_CHUNK;
    const first = chunk.meta[base * 3 + 1] ?? 0;
    const count = chunk.meta[base * 3 + 2] ?? 0;
    const { pool, times, codes, at } = this.#where(chunk, base);
    for (let i = 0; i < count; i++) {
      const index = at + ((first + i) % pool.size);
      visit(times[index] ?? 0, this.#codes.code(codes[index] ?? 0));
    }
  }
}
