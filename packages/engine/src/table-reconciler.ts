import {
  formatKey,
  parseRegistrantRow,
  RecordValidationError,
  type RegistrantConfig,
  type RegistrantKey,
  type RegistrantRow,
  type ValidationContext,
} from "@uacreg/core";

/** A refused row (docs/contracts.md LoadReport): its key, the column at fault (`row` or `key` otherwise), why. */
export interface Rejection {
  key: string;
  field: string;
  message: string;
}

/**
 * What a (re)load does to the table. `configs[i]` is the i-th valid row, in row order; `existing[i]` is the entry of
 * its key already in the table (reload it) or undefined (insert it). Two parallel arrays: nothing is allocated per
 * row on a million-row load.
 */
export interface ReconcilePlan<E> {
  readonly configs: readonly RegistrantConfig[];
  readonly existing: readonly (E | undefined)[];
  /** Entries whose row is gone (full reload only): unregister and drop. */
  readonly remove: readonly E[];
  readonly rejected: readonly Rejection[];
}

const DUPLICATE = "duplicate of an earlier row with the same (aor, binding_URI, registrar)";

/**
 * The table reconciler (docs/decisions.md "reload"): rows in, insert / reload / remove / rejected out. Pure: it reads
 * the table through `lookup` and validates with core, and changes nothing; the engine applies the plan.
 *
 * - a row that does not validate is rejected (its key, field and reason); on a reload its record is kept as it is
 *   (a row that no longer validates is not "gone from the database");
 * - a second row with the key of an earlier one is rejected as a duplicate;
 * - a row of a key in the table is a reload (core leaves the record untouched when the row is unchanged), any other
 *   an insert;
 * - on a full reload, entries whose key no row named are removed.
 */
export class TableReconciler<E> {
  readonly #lookup: (key: RegistrantKey) => E | undefined;
  readonly #validation: ValidationContext;
  readonly #configs: RegistrantConfig[] = [];
  readonly #existing: (E | undefined)[] = [];
  readonly #rejected: Rejection[] = [];
  /** Entries of the table a row named (valid or not). */
  readonly #named = new Set<E>();
  /** Rows to insert by key hash (index into #configs, or indices on a collision), to refuse a duplicate. */
  readonly #newKeys = new Map<number, number | number[]>();

  constructor(lookup: (key: RegistrantKey) => E | undefined, validation: ValidationContext) {
    this.#lookup = lookup;
    this.#validation = validation;
  }

  /** Takes the next row, in database order. */
  offer(row: RegistrantRow): void {
    let config: RegistrantConfig;
    try {
      config = parseRegistrantRow(row, this.#validation);
    } catch (error) {
      this.#rejected.push(rejectionOf(row, error));
      const entry = this.#lookup(rowKeyOf(row));
      if (entry !== undefined) this.#named.add(entry);
      return;
    }
    const entry = this.#lookup(config.key);
    if (entry === undefined ? !this.#firstNew(config.key) : this.#named.has(entry)) {
      this.#rejected.push({ key: formatKey(config.key), field: "key", message: DUPLICATE });
      return;
    }
    if (entry !== undefined) this.#named.add(entry);
    this.#configs.push(config);
    this.#existing.push(entry);
  }

  /**
   * True the first time a key not in the table is offered. New keys are indexed by a small-integer hash of the key
   * pointing into `#configs` (no key string is built per row: a million-row load stays lean).
   */
  #firstNew(key: RegistrantKey): boolean {
    const h = keyHash(key);
    const at = this.#newKeys.get(h);
    if (at === undefined) {
      this.#newKeys.set(h, this.#configs.length);
      return true;
    }
    const same = (i: number) => sameKey((this.#configs[i] as RegistrantConfig).key, key);
    if (typeof at === "number" ? same(at) : at.some(same)) return false;
    this.#newKeys.set(h, typeof at === "number" ? [at, this.#configs.length] : [...at, this.#configs.length]);
    return true;
  }

  /**
   * The plan once every row was offered. `current` is the table's entries, for a full reload (entries no row named
   * are removed); omit it for a first load.
   */
  plan(current?: Iterable<E>): ReconcilePlan<E> {
    const remove: E[] = [];
    if (current !== undefined) for (const entry of current) if (!this.#named.has(entry)) remove.push(entry);
    return { configs: this.#configs, existing: this.#existing, remove, rejected: this.#rejected };
  }
}

/** The rejection of a row that did not validate: the column named by core's RecordValidationError, else `row`. */
export function rejectionOf(row: RegistrantRow, error: unknown): Rejection {
  if (error instanceof RecordValidationError) {
    return { key: formatKey(error.key), field: error.field, message: error.reason };
  }
  return {
    key: formatKey(rowKeyOf(row)),
    field: "row",
    message: error instanceof Error ? error.message : String(error),
  };
}

/** The log line of a refused row (its key goes in the structured fields). */
export function rejectionLine(r: Rejection): string {
  const detail = r.field === "row" || r.field === "key" ? r.message : `${r.field}: ${r.message}`;
  return `registrant row refused: ${detail}`;
}

/** The key of a row that may not validate (a non-string column reads as ""). */
function rowKeyOf(row: RegistrantRow): RegistrantKey {
  return {
    aor: typeof row.aor === "string" ? row.aor : "",
    contact: typeof row.binding_URI === "string" ? row.binding_URI : "",
    registrar: typeof row.registrar === "string" ? row.registrar : "",
  };
}

function sameKey(a: RegistrantKey, b: RegistrantKey): boolean {
  return a.aor === b.aor && a.contact === b.contact && a.registrar === b.registrar;
}

/** FNV-1a over the three key strings, cut to 30 bits (a small integer: no heap number, no key string). */
function keyHash(key: RegistrantKey): number {
  return (fnv(fnv(fnv(0x811c9dc5, key.aor), key.contact), key.registrar) >>> 2) & 0x3fffffff;
}

function fnv(seed: number, text: string): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ 0xff, 0x01000193); // a separator: ("ab", "c") and ("a", "bc") differ
}
