/**
 * MySQL and MariaDB (mysql2). DDL as OpenSIPS's `scripts/mysql/registrant-create.sql` (docs/opensips-behaviour.md §11):
 * CHAR columns, INT(10) UNSIGNED AUTO_INCREMENT id, INT(1) UNSIGNED expiry, unique key `registrant_idx`, InnoDB.
 *
 * Collation: the table is created `utf8mb4_bin`, so the unique key tells `sip:MY3@…` from `sip:my3@…` (RFC 3261
 * §19.1.4) as the other engines do; on a table created case-insensitively (OpenSIPS's script takes the database
 * default) such a second row is a DuplicateKeyError, and writes still address only the exact key (`exactMatch`).
 *
 * CHAR: MySQL/MariaDB strip trailing spaces from CHAR values on read (unless sql_mode PAD_CHAR_TO_FULL_LENGTH) and
 * compare with PAD SPACE collations, so 'x ' reads back as 'x' and matches 'x' in the unique key. Nothing to trim
 * here; the behavior is pinned by a test.
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
import { mysqlClusterDialect } from "./mysql-cluster-dialect.js";

function quote(identifier: string): string {
  return "`" + identifier.replace(/`/g, "``") + "`";
}

/** The registrant table in MySQL/MariaDB, exactly the §11 column types. */
export function mysqlRegistrantDdl(t: StoredTable): string[] {
  const c = (k: keyof StoredTable["columns"]) => quote(t.columns[k]);
  return [
    `CREATE TABLE ${quote(t.tableName)} (
    id INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
    ${c("registrar")} CHAR(255) DEFAULT '' NOT NULL,
    ${c("proxy")} CHAR(255) DEFAULT NULL,
    ${c("aor")} CHAR(255) DEFAULT '' NOT NULL,
    ${c("third_party_registrant")} CHAR(255) DEFAULT NULL,
    ${c("username")} CHAR(64) DEFAULT NULL,
    ${c("password")} CHAR(64) DEFAULT NULL,
    ${c("binding_URI")} CHAR(255) DEFAULT '' NOT NULL,
    ${c("binding_params")} CHAR(64) DEFAULT NULL,
    ${c("expiry")} INT(1) UNSIGNED DEFAULT NULL,
    ${c("forced_socket")} CHAR(64) DEFAULT NULL,
    ${c("cluster_shtag")} CHAR(64) DEFAULT NULL,
    ${c("state")} INT DEFAULT 0 NOT NULL,
    CONSTRAINT registrant_idx UNIQUE (${c("aor")}, ${c("binding_URI")}, ${c("registrar")})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  ];
}

/**
 * `db import`'s bulk write of changed rows by primary key (@uacreg/db registrant-bulk-upsert.ts): each row bound as
 * id then the 12 columns; the existing row (same id, hence same key) is updated in place, a row deleted meanwhile is
 * inserted again. `VALUES(col)`, not the 8.0.19 row alias, which MariaDB lacks.
 */
export function mysqlUpsertByIdSql(t: StoredTable, rows: number): string {
  const cols = REGISTRANT_COLUMNS.map((c) => quote(t.columns[c]));
  return (
    `INSERT INTO ${quote(t.tableName)} (id, ${cols.join(", ")}) VALUES ${valueTuples(mysqlDialect, rows, cols.length + 1)} ` +
    `ON DUPLICATE KEY UPDATE ${cols.map((c) => `${c} = VALUES(${c})`).join(", ")}`
  );
}

const CONNECTION_CODES = new Set([
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  "ER_CONNECTION_KILLED",
  "ER_QUERY_INTERRUPTED",
  "ER_NET_READ_ERROR",
  "ER_NET_WRITE_INTERRUPTED",
]);
const AUTH_CODES = new Set([
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_TABLEACCESS_DENIED_ERROR",
  "ER_COLUMNACCESS_DENIED_ERROR",
  "ER_SPECIFIC_ACCESS_DENIED_ERROR",
  "ER_NOT_SUPPORTED_AUTH_MODE",
  "ER_ACCESS_DENIED_NO_PASSWORD_ERROR",
]);
const SCHEMA_CODES = new Set(["ER_BAD_DB_ERROR", "ER_NO_SUCH_TABLE", "ER_BAD_FIELD_ERROR", "ER_BAD_TABLE_ERROR"]);
const DATA_CODES = new Set([
  "ER_DATA_TOO_LONG",
  "ER_BAD_NULL_ERROR",
  "ER_WARN_DATA_OUT_OF_RANGE",
  "ER_TRUNCATED_WRONG_VALUE",
  "ER_TRUNCATED_WRONG_VALUE_FOR_FIELD",
  "ER_NO_DEFAULT_FOR_FIELD",
  "ER_WARN_NULL_TO_NOTNULL",
]);

function classify(error: unknown): ClassifiedError {
  const e = error as { code?: unknown; errno?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === "string" && e.message !== "" ? e.message : String(error);
  const code = typeof e?.code === "string" ? e.code : undefined;
  const k = (kind: ClassifiedError["kind"]): ClassifiedError => (code ? { kind, code, message } : { kind, message });
  if (code === "ER_DUP_ENTRY" || e?.errno === 1062) return k("duplicate-key");
  if (code && CONNECTION_CODES.has(code)) return k("connection");
  if (e?.errno === 1927) return k("connection"); // ER_CONNECTION_KILLED on MariaDB
  if (code && AUTH_CODES.has(code)) return k("authentication");
  if (code && SCHEMA_CODES.has(code)) return k("schema");
  if (code && DATA_CODES.has(code)) return k("data");
  if (/closed state|connection lost|Connection is closed|Pool is closed/i.test(message)) return k("connection");
  return k("unknown");
}

function sslOption(options: Record<string, string>): { rejectUnauthorized: boolean } | undefined {
  const v = options.ssl;
  if (v === undefined || v === "false" || v === "0" || v === "disable") return undefined;
  return { rejectUnauthorized: !(v === "require" || v === "skip-verify") };
}

/** The MySQL/MariaDB dialect: `mysql://user:pass@host[:port]/db` (also `mariadb://`). */
export const mysqlDialect: SqlDialect = {
  engine: "mysql",
  urlOptions: ["ssl", "charset", "connect_timeout"],
  dataSourceOptions(url: ParsedDbUrl): DataSourceOptions {
    const o = url.options;
    const ssl = sslOption(o);
    return {
      type: "mysql",
      host: url.host ?? "127.0.0.1",
      port: url.port ?? 3306,
      ...(url.user === undefined ? {} : { username: url.user }),
      ...(url.password === undefined ? {} : { password: url.password }),
      database: url.database,
      charset: o.charset ?? "utf8mb4",
      connectTimeout: o.connect_timeout === undefined ? 10_000 : Number(o.connect_timeout) * 1000,
      poolSize: 4,
      ...(ssl ? { ssl } : {}),
    } as DataSourceOptions;
  },
  quote,
  param: () => "?",
  storedName: (name) => name,
  createRegistrantTable: mysqlRegistrantDdl,
  createVersionTable: () => [
    `CREATE TABLE version (
    table_name CHAR(32) NOT NULL,
    table_version INT UNSIGNED DEFAULT 0 NOT NULL,
    CONSTRAINT t_name_idx UNIQUE (table_name)
) ENGINE=InnoDB`,
  ],
  listColumnsSql: () =>
    "SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name FROM information_schema.COLUMNS " +
    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
  // The first comparison lets the unique index find the candidates under the column's collation (case-insensitive
  // by default); the second keeps only the byte-exact one, whatever the column's character set.
  exactMatch: (column, param) =>
    `${column} = ${param} AND CONVERT(${column} USING utf8mb4) COLLATE utf8mb4_bin = CONVERT(${param} USING utf8mb4) COLLATE utf8mb4_bin`,
  maxParams: 65535,
  maxInsertRows: 1000,
  upsertByIdSql: mysqlUpsertByIdSql,
  cluster: mysqlClusterDialect,
  classify,
};
