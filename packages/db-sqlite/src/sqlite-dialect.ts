/**
 * SQLite (better-sqlite3): the embedded default. DDL as OpenSIPS's `scripts/sqlite/registrant-create.sql`
 * (docs/opensips-behaviour.md §11): CHAR(n) columns (TEXT affinity, no padding), INTEGER PRIMARY KEY AUTOINCREMENT,
 * unique index `registrant_registrant_idx`.
 */
import {
  type ClassifiedError,
  type ParsedDbUrl,
  REGISTRANT_COLUMNS,
  type SqlDialect,
  type StoredTable,
  valueTuples,
} from "@uacreg/db";
import type { DataSourceOptions } from "typeorm";
import { sqliteClusterDialect } from "./sqlite-cluster-dialect.js";
import { quoteIdentifier as quote } from "./sqlite-identifier.js";

/** The registrant table in SQLite, exactly the §11 column types. */
export function sqliteRegistrantDdl(t: StoredTable): string[] {
  const c = (k: keyof StoredTable["columns"]) => quote(t.columns[k]);
  return [
    `CREATE TABLE ${quote(t.tableName)} (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    ${c("registrar")} CHAR(255) DEFAULT '' NOT NULL,
    ${c("proxy")} CHAR(255) DEFAULT NULL,
    ${c("aor")} CHAR(255) DEFAULT '' NOT NULL,
    ${c("third_party_registrant")} CHAR(255) DEFAULT NULL,
    ${c("username")} CHAR(64) DEFAULT NULL,
    ${c("password")} CHAR(64) DEFAULT NULL,
    ${c("binding_URI")} CHAR(255) DEFAULT '' NOT NULL,
    ${c("binding_params")} CHAR(64) DEFAULT NULL,
    ${c("expiry")} INTEGER DEFAULT NULL,
    ${c("forced_socket")} CHAR(64) DEFAULT NULL,
    ${c("cluster_shtag")} CHAR(64) DEFAULT NULL,
    ${c("state")} INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT ${quote(`${t.tableName}_registrant_idx`)} UNIQUE (${c("aor")}, ${c("binding_URI")}, ${c("registrar")})
)`,
  ];
}

/**
 * `db import`'s bulk write of changed rows by primary key (@uacreg/db registrant-bulk-upsert.ts): each row bound as
 * id then the 12 columns; a row deleted meanwhile is inserted again under its id (the import's upsert).
 */
export function sqliteUpsertByIdSql(t: StoredTable, rows: number): string {
  const cols = REGISTRANT_COLUMNS.map((c) => quote(t.columns[c]));
  return (
    `INSERT INTO ${quote(t.tableName)} (id, ${cols.join(", ")}) VALUES ${valueTuples(sqliteDialect, rows, cols.length + 1)} ` +
    `ON CONFLICT (id) DO UPDATE SET ${cols.map((c) => `${c} = excluded.${c}`).join(", ")}`
  );
}

const DATA_CODES = new Set([
  "SQLITE_CONSTRAINT_NOTNULL",
  "SQLITE_CONSTRAINT_CHECK",
  "SQLITE_MISMATCH",
  "SQLITE_TOOBIG",
  "SQLITE_RANGE",
]);
const CONNECTION_CODES = new Set(["SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL"]);

function classify(error: unknown): ClassifiedError {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === "string" ? e.message : String(error);
  const code = typeof e?.code === "string" ? e.code : undefined;
  const base = code?.split("_").slice(0, 2).join("_");
  const withCode = (kind: ClassifiedError["kind"]): ClassifiedError =>
    code ? { kind, code, message } : { kind, message };
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") return withCode("duplicate-key");
  if (code && DATA_CODES.has(code)) return withCode("data");
  if (base && CONNECTION_CODES.has(base)) return withCode("connection");
  if (code === "SQLITE_AUTH" || code === "SQLITE_PERM" || code === "SQLITE_READONLY") return withCode("authentication");
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT" || /no such (table|column)|has no column/.test(message)) {
    return withCode("schema");
  }
  if (/directory does not exist|unable to open|not open/i.test(message)) return withCode("connection");
  return withCode("unknown");
}

/** better-sqlite3's options a `sqlite://` URL sets (`readonly`, `timeout` in ms, default 5000), for both connections. */
export function sqliteConnectionOptions(url: ParsedDbUrl): { readonly: boolean; timeout: number } {
  const timeout = url.options.timeout === undefined ? 5000 : Number(url.options.timeout);
  return { readonly: url.options.readonly === "true" || url.options.readonly === "1", timeout };
}

/** The SQLite dialect: `sqlite:///abs/path.db`, `sqlite://rel/path.db`, `sqlite://:memory:`. Option: `readonly`. */
export const sqliteDialect: SqlDialect = {
  engine: "sqlite",
  urlOptions: ["readonly", "timeout"],
  dataSourceOptions(url: ParsedDbUrl): DataSourceOptions {
    return { type: "better-sqlite3", database: url.database, ...sqliteConnectionOptions(url) };
  },
  quote,
  param: () => "?",
  storedName: (name) => name,
  createRegistrantTable: sqliteRegistrantDdl,
  createVersionTable: () => [
    `CREATE TABLE version (
    table_name CHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_t_name_idx UNIQUE (table_name)
)`,
  ],
  listColumnsSql: () =>
    `SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) p ` +
    `WHERE m.type = 'table' AND m.name = ? COLLATE NOCASE`,
  exactMatch: (column, param) => `${column} = ${param} AND ${column} COLLATE BINARY = ${param}`,
  maxParams: 32766,
  maxInsertRows: 1000,
  upsertByIdSql: sqliteUpsertByIdSql,
  cluster: sqliteClusterDialect,
  classify,
};
