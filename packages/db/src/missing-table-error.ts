/**
 * The `registrant` table itself is absent (as opposed to present in another version, {@link SchemaVersionError}):
 * the one case an operator fixes with `uacreg db create` (docs/opensips-behaviour.md §11).
 */
import { SchemaError } from "./db-errors.js";

/** The configured registrant table does not exist in the database. */
export class MissingTableError extends SchemaError {
  /** The configured table name. */
  readonly table: string;
  /** The `db_url` with its password masked. */
  readonly maskedUrl: string;
  constructor(table: string, maskedUrl: string) {
    super(`table "${table}" does not exist in ${maskedUrl} (run uacreg db create)`);
    this.table = table;
    this.maskedUrl = maskedUrl;
  }
}
