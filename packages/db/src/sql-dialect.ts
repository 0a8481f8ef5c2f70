/**
 * What an engine adapter supplies: everything that differs between SQLite, PostgreSQL, MySQL/MariaDB and MS SQL.
 * The engine-independent repository ({@link SqlRegistrantRepository}) drives TypeORM with it.
 */
import type { DataSourceOptions } from "typeorm";
import type { ClusterSqlDialect } from "./cluster-dialect.js";
import { type DbErrorKind, DbUrlError } from "./db-errors.js";
import type { DbEngine, ParsedDbUrl } from "./db-url.js";
import type { RegistrantColumn } from "./table-config.js";

/** Table and column names as they are (or will be) stored in the database. */
export interface StoredTable {
  tableName: string;
  columns: Record<RegistrantColumn, string>;
}

/** A driver failure as the adapter classifies it. */
export interface ClassifiedError {
  kind: DbErrorKind;
  /** The driver's error code, when it has one. */
  code?: string;
  /** The driver's message (the repository masks it before it goes anywhere). */
  message: string;
}

/** Parameterized statements that read the database catalog. `?` marks are replaced by {@link SqlDialect.param}. */
export interface SqlDialect {
  readonly engine: DbEngine;
  /** URL query options this adapter understands (anything else is a DbUrlError). */
  readonly urlOptions: readonly string[];
  /** TypeORM DataSource options (driver, connection, pool, TLS) without entities. */
  dataSourceOptions(url: ParsedDbUrl): DataSourceOptions;
  /** Quotes an identifier already checked to be plain (letters, digits, `_`). */
  quote(identifier: string): string;
  /** The n-th (0-based) bind parameter in raw SQL: `?`, `$1`, `@0`. */
  param(index: number): string;
  /**
   * The name a configured identifier gets when this package creates the table. PostgreSQL lower-cases it, exactly
   * as OpenSIPS's unquoted DDL does (so `binding_URI` is stored as `binding_uri`).
   */
  storedName(name: string): string;
  /** DDL creating the registrant table with the §11 types and the unique index, one statement per entry. */
  createRegistrantTable(table: StoredTable): string[];
  /** DDL creating the OpenSIPS `version` table. */
  createVersionTable(): string[];
  /**
   * SQL listing the columns of a table of the current database/schema: one bind parameter (the table name), rows
   * with `table_name` and `column_name`. May return several spellings of the name (matched case-insensitively).
   */
  listColumnsSql(): string;
  /**
   * SQL that is true when `column` holds exactly the text bound at `param`, byte for byte: key columns must never
   * match a value that differs only in letter case or accents (RFC 3261 §19.1.4: the user part of a SIP URI is
   * case-sensitive), whatever collation the table was created with. MySQL/MariaDB and MS SQL compare
   * case-insensitively by default; engines whose default is already binary still pin it, in case an operator's
   * table declares another collation. `column` and `param` are ready SQL (quoted identifier, bind marker).
   */
  exactMatch(column: string, param: string): string;
  /** Maximum bind parameters in one statement (multi-row INSERT chunking). */
  readonly maxParams: number;
  /** Maximum rows in one multi-row INSERT. */
  readonly maxInsertRows: number;
  /**
   * The bulk write of changed rows by primary key for `db import` (registrant-bulk-upsert.ts): one statement for
   * `rows` rows, each bound as `id` then the 12 columns in `REGISTRANT_COLUMNS` order, that updates the row with that
   * id. Without it, the import sends one `UPDATE … WHERE id = ?` per changed row.
   */
  upsertByIdSql?(table: StoredTable, rows: number): string;
  /** The SQL of the cluster tables (docs/cluster.md §2, §3). */
  readonly cluster: ClusterSqlDialect;
  /** Classifies a driver error (TypeORM's QueryFailedError is unwrapped before). */
  classify(error: unknown): ClassifiedError;
}

/**
 * Refuses a `db_url` option the engine's adapter does not pass to its driver (the one rule, used when a repository
 * opens and by `--check-config` offline).
 * @throws DbUrlError naming the option and the known ones, the URL masked
 */
export function checkUrlOptions(dialect: Pick<SqlDialect, "engine" | "urlOptions">, url: ParsedDbUrl): void {
  for (const key of Object.keys(url.options)) {
    if (!dialect.urlOptions.includes(key)) {
      throw new DbUrlError(
        `db_url ${url.masked}: unknown option "${key}" for ${dialect.engine} ` +
          `(known: ${dialect.urlOptions.join(", ") || "none"})`,
      );
    }
  }
}
