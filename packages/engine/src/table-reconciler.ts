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

/** What to do with one row: insert a record for it, hand its existing record the reloaded row, or refuse it. */
export type RowDecision<E> =
  | { readonly kind: "insert"; readonly config: RegistrantConfig }
  | { readonly kind: "reload"; readonly entry: E; readonly config: RegistrantConfig }
  | { readonly kind: "rejected"; readonly rejection: Rejection };

const DUPLICATE = "duplicate of an earlier row with the same (aor, binding_URI, registrar)";

/**
 * The table reconciler (docs/decisions.md "reload"): rows in, insert / reload / remove / rejected out. Pure: it reads
 * the table through `lookup`, validates with core, and changes nothing; the caller applies each decision as the rows
 * stream in (nothing is held per row: a million-row load stays lean) and hands back the entry it inserted
 * ({@link adopt}).
 *
 * - a row that does not validate is rejected (its key, field and reason); on a reload its record is kept as it is
 *   (a row that no longer validates is not "gone from the database");
 * - a second row with the key of an earlier one is rejected as a duplicate;
 * - a row of a key in the table is a reload (core leaves the record untouched when the row is unchanged), any other
 *   an insert;
 * - on a full reload, entries whose key no row named are removed ({@link gone}).
 *
 * `fresh`: the table was empty when the load began (the daemon's first load). Every entry a row finds was then
 * inserted by an earlier row of this load, so the row is a duplicate and nothing is tracked per row (no set of a
 * million entries to fill; docs/performance-startup.md); {@link gone} is empty.
 */
export class TableReconciler<E> {
  readonly #lookup: (key: RegistrantKey) => E | undefined;
  readonly #validation: ValidationContext;
  readonly #rejected: Rejection[] = [];
  /** Entries of the table a row named (valid or not), the inserted ones included. */
  readonly #named = new Set<E>();
  readonly #fresh: boolean;
  #loaded = 0;

  constructor(
    lookup: (key: RegistrantKey) => E | undefined,
    validation: ValidationContext,
    options: { fresh?: boolean } = {},
  ) {
    this.#lookup = lookup;
    this.#validation = validation;
    this.#fresh = options.fresh ?? false;
  }

  /** Rows taken so far (inserts and reloads). */
  get loaded(): number {
    return this.#loaded;
  }

  /** Rows refused so far, in row order. */
  get rejected(): readonly Rejection[] {
    return this.#rejected;
  }

  /** Decides what the next row (in database order) does. */
  offer(row: RegistrantRow): RowDecision<E> {
    let config: RegistrantConfig;
    try {
      config = parseRegistrantRow(row, this.#validation);
    } catch (error) {
      if (!this.#fresh) {
        const entry = this.#lookup(rowKeyOf(row));
        if (entry !== undefined) this.#named.add(entry);
      }
      return this.#reject(rejectionOf(row, error));
    }
    const entry = this.#lookup(config.key);
    if (entry === undefined) {
      this.#loaded++;
      return { kind: "insert", config };
    }
    if (this.#fresh || this.#named.has(entry))
      return this.#reject({ key: formatKey(config.key), field: "key", message: DUPLICATE });
    this.#named.add(entry);
    this.#loaded++;
    return { kind: "reload", entry, config };
  }

  /** The entry the caller inserted for an "insert": a later row of its key is a duplicate, and a reload keeps it. */
  adopt(entry: E): void {
    if (!this.#fresh) this.#named.add(entry);
  }

  /** After the last row of a full reload: the entries of `current` that no row named, to remove. */
  gone(current: Iterable<E>): E[] {
    const out: E[] = [];
    if (this.#fresh) return out;
    for (const entry of current) if (!this.#named.has(entry)) out.push(entry);
    return out;
  }

  #reject(rejection: Rejection): RowDecision<E> {
    this.#rejected.push(rejection);
    return { kind: "rejected", rejection };
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
