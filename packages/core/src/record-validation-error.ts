import { formatKey, type RegistrantKey } from "./registrant-row.js";

/**
 * A row that cannot become a record (docs/opensips-behaviour.md §2.2). It names the record's key and the offending column so the
 * loader can skip the row with one clear line. Never carries the password.
 */
export class RecordValidationError extends Error {
  override readonly name = "RecordValidationError";
  constructor(
    /** The row's key as given (fields may be empty when the row lacks them). */
    readonly key: RegistrantKey,
    /** The column name (`registrar`, `expiry`, `forced_socket` …). */
    readonly field: string,
    /** What is wrong, without the key. */
    readonly reason: string,
  ) {
    super(`registrant ${formatKey(key)}: ${field}: ${reason}`);
  }
}
