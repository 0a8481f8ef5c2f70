/**
 * Typed database errors. The classification follows Effect's SQL packages: a connection problem is retryable, an
 * authentication problem is not, schema and data problems name what is wrong. No message ever carries the password of
 * the `db_url` (adapters mask driver messages before they get here).
 */

/** What kind of failure a driver error is, decided by each adapter from the driver's error code. */
export type DbErrorKind = "connection" | "authentication" | "schema" | "duplicate-key" | "data" | "unknown";

/** Base class of every error thrown by @uacreg/db and its adapters. */
export class DbError extends Error {
  /** True when the same operation may succeed after a reconnect (only {@link DbConnectionError}). */
  readonly retryable: boolean = false;
  /** The driver's own error code (e.g. `28P01`, `ER_DUP_ENTRY`, `SQLITE_CONSTRAINT_UNIQUE`), when there is one. */
  readonly driverCode: string | undefined;
  constructor(message: string, driverCode?: string) {
    super(message);
    this.name = new.target.name;
    this.driverCode = driverCode;
  }
}

/** A `db_url` that does not parse or names an engine no adapter handles. The message shows the URL masked. */
export class DbUrlError extends DbError {}

/** A `table_name` / `*_column` value that is not a plain SQL identifier. */
export class TableConfigError extends DbError {}

/** The server is unreachable or the connection was lost: retried with back-off by the repository. */
export class DbConnectionError extends DbError {
  override readonly retryable: boolean = true;
}

/** Wrong user or password, or the user may not use the database. Not retried. */
export class DbAuthenticationError extends DbError {}

/** The table or one of its columns is missing or unusable. */
export class SchemaError extends DbError {}

/**
 * The table exists but is not version 3 of the OpenSIPS `registrant` table (docs/opensips-behaviour.md §11). Never
 * altered.
 */
export class SchemaVersionError extends SchemaError {
  readonly table: string;
  /** The version found in the `version` table, or undefined when there is no row for the table. */
  readonly found: number | undefined;
  readonly expected: number;
  constructor(table: string, found: number | undefined, expected: number, detail?: string) {
    super(
      `table "${table}" is ${found === undefined ? "of no recorded version" : `version ${found}`}, ` +
        `expected version ${expected}${detail ? ` (${detail})` : ""}; it is left unchanged`,
    );
    this.table = table;
    this.found = found;
    this.expected = expected;
  }
}

/**
 * A table that lacks configured columns (`*_column`), named in the message on every engine. A version error: the table
 * is not the version 3 table its `version` row may claim, and no column is ever added (docs/opensips-behaviour.md §11),
 * so nothing may treat it as a table still to be created.
 */
export class MissingColumnsError extends SchemaVersionError {
  /** The missing columns as configured, `<logical>_column=<name>`. */
  readonly columns: readonly string[];
  constructor(table: string, found: number | undefined, expected: number, columns: readonly string[]) {
    super(table, found, expected);
    this.message = `table "${table}" lacks the configured columns: ${columns.join(", ")}; it is left unchanged`;
    this.columns = columns;
  }
}

/** A value the database refused (too long, out of range, NULL in a NOT NULL column). */
export class DataError extends DbError {}

/** An insert collided with the unique key (aor, binding_URI, registrar). */
export class DuplicateKeyError extends DataError {}

/** Builds the typed error for a classified driver failure; `message` must already be masked. */
export function dbErrorOf(kind: DbErrorKind, message: string, driverCode?: string): DbError {
  switch (kind) {
    case "connection":
      return new DbConnectionError(message, driverCode);
    case "authentication":
      return new DbAuthenticationError(message, driverCode);
    case "schema":
      return new SchemaError(message, driverCode);
    case "duplicate-key":
      return new DuplicateKeyError(message, driverCode);
    case "data":
      return new DataError(message, driverCode);
    default:
      return new DbError(message, driverCode);
  }
}
