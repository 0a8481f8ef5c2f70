/**
 * The `uac_registrant` status/report group (docs/events.md §4, §5; docs/opensips-behaviour.md §6): one identifier
 * per record, named `aor=<AOR>;contact=<binding>;registrar=<registrar>`, whose status follows the record's state and
 * whose reports are its last `depth` entries, "created with state …" then "state changed to …".
 *
 * Kept compactly for a million records: an entry is two 32-bit numbers (unix seconds; the packed from/to states,
 * kind and interned reason) in a per-record ring inside large shared typed arrays, never an object or a string. The
 * report texts, dates and history objects are made only when a command or the web page asks for them.
 */
import { formatKey, type RegistrantKey, STATE_NAMES, type StateName } from "@uacreg/core";
import { ReasonTable } from "./reason-table.js";
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

/** Slots per chunk of the typed arrays (2^10): growth allocates a chunk, never copies the others. */
const CHUNK_BITS = 10;
const CHUNK = 1 << CHUNK_BITS;
const IN_CHUNK = CHUNK - 1;
const STATE_BITS = 4;
const STATE_MASK = (1 << STATE_BITS) - 1;
const KIND_CREATED = 1 << (2 * STATE_BITS);
const REASON_SHIFT = 2 * STATE_BITS + 1;
const NO_SLOT = -1;

interface Chunk {
  /** Unix seconds of each entry, `depth` per slot. */
  readonly times: Uint32Array;
  /** Packed entries: to (4 bits), from (4 bits), created flag, reason reference (23 bits). */
  readonly codes: Uint32Array;
  /** Per slot: index of the oldest entry, then the number of entries. */
  readonly meta: Uint8Array;
  /** Per slot: the next slot whose key has the same hash, or {@link NO_SLOT}. */
  readonly chain: Int32Array;
  /** Per slot: its creation number, for listing the newest first. */
  readonly order: Uint32Array;
  /** Per slot: the hash of its key, so that the index grows without hashing the key strings again. */
  readonly hashes: Int32Array;
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

/** FNV-1a over the three key fields, cut to 30 bits so that V8 keeps it a small integer in a Map. */
function hashKey(key: RegistrantKey): number {
  return fnv(fnv(fnv(0x811c9dc5, key.aor), key.contact), key.registrar) & 0x3fffffff;
}

/** FNV-1a of `s` continued from `h`, then a 0 separator (so "ab"+"c" and "a"+"bc" differ). */
function fnv(h: number, s: string): number {
  let x = h;
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 0x01000193);
  return Math.imul(x, 0x01000193);
}

function sameKey(a: RegistrantKey, b: RegistrantKey): boolean {
  return a.aor === b.aor && a.contact === b.contact && a.registrar === b.registrar;
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

export class RegistrantReports implements SrGroup {
  readonly name = REGISTRANT_GROUP;
  readonly depth: number;
  readonly #reasons: ReasonTable;
  /**
   * Key hash & (buckets − 1) → first slot of its chain ({@link NO_SLOT} for none), chained through the chunks'
   * `chain`: 4 to 8 bytes per record plus its stored hash, where a Map entry per record cost about 37 (issue 14).
   */
  #heads = new Int32Array(INITIAL_BUCKETS).fill(NO_SLOT);
  /** Slot → the record's key: the engine's own object, so a slot costs a reference, not a copy of the name. */
  readonly #keys: (RegistrantKey | undefined)[] = [];
  readonly #chunks: Chunk[] = [];
  readonly #free: number[] = [];
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
    this.#reasons = new ReasonTable(options.reasons);
    this.#prepare = options.prepare;
  }

  /** Records with an identifier. */
  get size(): number {
    return this.#size;
  }

  /**
   * A record appeared (loaded, upserted): its identifier with the report "created with state …". False when it
   * had one already (a reload keeps the reports of the records it keeps, as OpenSIPS does).
   */
  created(key: RegistrantKey, at: number, state: StateName = "NOT_REGISTERED_STATE"): boolean {
    if (this.#lookup(key) !== NO_SLOT) return false;
    const s = stateIndex(state);
    this.#push(this.#allocate(key), at, s, s, KIND_CREATED, 0);
    return true;
  }

  /**
   * A state change: the report "state changed to …" and the new status. A record without an identifier gets one
   * first ("created with state <from>"). Returns the status before and after, for the status-changed event: one
   * object reused by every call (two state changes per refresh allocate nothing here), so read or copy it before the
   * next change.
   */
  changed(e: RegistrantStateChange): StatusChange {
    let slot = this.#lookup(e.key);
    const from = stateIndex(e.from);
    if (slot === NO_SLOT) {
      slot = this.#allocate(e.key);
      this.#push(slot, e.at, from, from, KIND_CREATED, 0);
    } else {
      // Hold the engine's newest key object, so that an older one it replaced can be collected.
      this.#keys[slot] = e.key;
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
    const startedAt = this.#created;
    let mark = new Uint8Array(this.#allocated + CHUNK);
    let added = 0;
    for await (const key of keys) {
      let slot = this.#lookup(key);
      if (slot === NO_SLOT) {
        slot = this.#allocate(key);
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
    let removed = 0;
    for (let slot = 0; slot < this.#allocated; slot++) {
      const before = (this.#chunk(slot).order[slot & IN_CHUNK] ?? 0) < startedAt;
      if (this.#keys[slot] !== undefined && mark[slot] !== 1 && before) {
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
    for (let slot = 0; slot < this.#allocated; slot++) if (this.#keys[slot] !== undefined) slots.push(slot);
    if (this.#reused) {
      const order = (slot: number): number => this.#chunk(slot).order[slot & IN_CHUNK] ?? 0;
      slots.sort((a, b) => order(b) - order(a));
    } else slots.reverse();
    return slots.map((slot) => formatKey(this.#keys[slot] as RegistrantKey));
  }

  find(identifier: string): string | undefined {
    const parsed = parseName(identifier);
    if (parsed !== undefined) {
      const slot = this.#lookup(parsed);
      if (slot !== NO_SLOT) return identifier;
    }
    const lower = identifier.toLowerCase();
    for (const key of this.#keys) {
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

  #lookup(key: RegistrantKey): number {
    const h = hashKey(key);
    let slot = this.#heads[h & (this.#heads.length - 1)] ?? NO_SLOT;
    while (slot !== NO_SLOT) {
      const chunk = this.#chunk(slot);
      const base = slot & IN_CHUNK;
      if (chunk.hashes[base] === h) {
        const k = this.#keys[slot];
        if (k !== undefined && sameKey(k, key)) return slot;
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
      if (this.#keys[slot] === undefined) continue;
      const chunk = this.#chunk(slot);
      const base = slot & IN_CHUNK;
      const b = (chunk.hashes[base] ?? 0) & mask;
      chunk.chain[base] = heads[b] ?? NO_SLOT;
      heads[b] = slot;
    }
    this.#heads = heads;
  }

  #allocate(key: RegistrantKey): number {
    let slot = this.#free.pop();
    if (slot !== undefined) this.#reused = true;
    else {
      slot = this.#allocated++;
      if (slot >= this.#chunks.length * CHUNK) {
        this.#chunks.push({
          times: new Uint32Array(CHUNK * this.depth),
          codes: new Uint32Array(CHUNK * this.depth),
          meta: new Uint8Array(CHUNK * 2),
          chain: new Int32Array(CHUNK),
          order: new Uint32Array(CHUNK),
          hashes: new Int32Array(CHUNK),
        });
      }
    }
    const chunk = this.#chunk(slot);
    const base = slot & IN_CHUNK;
    chunk.meta[base * 2] = 0;
    chunk.meta[base * 2 + 1] = 0;
    chunk.order[base] = this.#created++ >>> 0;
    const h = hashKey(key);
    const b = h & (this.#heads.length - 1);
    chunk.hashes[base] = h;
    chunk.chain[base] = this.#heads[b] ?? NO_SLOT;
    this.#heads[b] = slot;
    this.#keys[slot] = key;
    this.#size++;
    if (this.#size > this.#heads.length) this.#growIndex();
    return slot;
  }

  #release(slot: number): void {
    const key = this.#keys[slot];
    if (key === undefined) return;
    const b = (this.#chunk(slot).hashes[slot & IN_CHUNK] ?? 0) & (this.#heads.length - 1);
    const next = this.#chunk(slot).chain[slot & IN_CHUNK] ?? NO_SLOT;
    const head = this.#heads[b] ?? NO_SLOT;
    if (head === slot) this.#heads[b] = next;
    else {
      let prev = head;
      while (prev !== NO_SLOT) {
        const chunk = this.#chunk(prev);
        const base = prev & IN_CHUNK;
        if (chunk.chain[base] === slot) {
          chunk.chain[base] = next;
          break;
        }
        prev = chunk.chain[base] ?? NO_SLOT;
      }
    }
    this.#keys[slot] = undefined;
    this.#free.push(slot);
    this.#size--;
  }

  #chunk(slot: number): Chunk {
    const chunk = this.#chunks[slot >>> CHUNK_BITS];
    if (chunk === undefined) throw new RangeError(`status-report slot ${slot} not allocated`);
    return chunk;
  }

  #push(slot: number, at: number, from: number, to: number, kind: number, reason: number): void {
    const chunk = this.#chunk(slot);
    const base = slot & IN_CHUNK;
    const first = chunk.meta[base * 2] ?? 0;
    const count = chunk.meta[base * 2 + 1] ?? 0;
    let index: number;
    if (count < this.depth) {
      index = (first + count) % this.depth;
      chunk.meta[base * 2 + 1] = count + 1;
    } else {
      index = first;
      chunk.meta[base * 2] = (first + 1) % this.depth;
    }
    const at32 = Math.max(0, Math.min(0xffffffff, Math.trunc(at)));
    chunk.times[base * this.depth + index] = at32;
    chunk.codes[base * this.depth + index] = (to | (from << STATE_BITS) | kind | (reason << REASON_SHIFT)) >>> 0;
  }

  #last(slot: number): number {
    const chunk = this.#chunk(slot);
    const base = slot & IN_CHUNK;
    const first = chunk.meta[base * 2] ?? 0;
    const count = chunk.meta[base * 2 + 1] ?? 0;
    if (count === 0) return 0;
    return chunk.codes[base * this.depth + ((first + count - 1) % this.depth)] ?? 0;
  }

  #each(slot: number, visit: (at: number, code: number) => void): void {
    const chunk = this.#chunk(slot);
    const base = slot & IN_CHUNK;
    const first = chunk.meta[base * 2] ?? 0;
    const count = chunk.meta[base * 2 + 1] ?? 0;
    for (let i = 0; i < count; i++) {
      const index = base * this.depth + ((first + i) % this.depth);
      visit(chunk.times[index] ?? 0, chunk.codes[index] ?? 0);
    }
  }
}
