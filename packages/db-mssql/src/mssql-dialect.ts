/**
 * MS SQL Server (mssql over tedious). OpenSIPS has no MS SQL script (docs/opensips-behaviour.md §11), so this is our
 * equivalent of the version 3 table: NVARCHAR for the CHAR/VARCHAR columns (same lengths), INT IDENTITY id, INT
 * expiry/state, unique constraint `<table>_registrant_idx` as on PostgreSQL/SQLite, and the OpenSIPS `version` table.
 *
 * The three key columns are `COLLATE Latin1_General_BIN2`: SQL Server's default collations are case-insensitive, and
 * `sip:MY3@…` and `sip:my3@…` are two AORs (RFC 3261 §19.1.4), so the unique key must tell them apart; writes compare
 * byte for byte in any case (`exactMatch`).
 *
 * The unique key spans 3 × NVARCHAR(255) = 1530 bytes, within SQL Server 2016+'s 1700-byte limit for nonclustered
 * keys (older servers allow 900). There is no LIMIT: TypeORM emits OFFSET … FETCH NEXT … ROWS ONLY for pages.
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
import { mssqlClusterDialect } from "./mssql-cluster-dialect.js";

function quote(identifier: string): string {
  return `[${identifier.replace(/]/g, "]]")}]`;
}

/** The registrant table in SQL Server. */
export function mssqlRegistrantDdl(t: StoredTable): string[] {
  const c = (k: keyof StoredTable["columns"]) => quote(t.columns[k]);
  return [
    `CREATE TABLE ${quote(t.tableName)} (
    id INT IDENTITY(1,1) NOT NULL PRIMARY KEY,
    ${c("registrar")} NVARCHAR(255) COLLATE Latin1_General_BIN2 NOT NULL DEFAULT '',
    ${c("proxy")} NVARCHAR(255) NULL DEFAULT NULL,
    ${c("aor")} NVARCHAR(255) COLLATE Latin1_General_BIN2 NOT NULL DEFAULT '',
    ${c("third_party_registrant")} NVARCHAR(255) NULL DEFAULT NULL,
    ${c("username")} NVARCHAR(64) NULL DEFAULT NULL,
    ${c("password")} NVARCHAR(64) NULL DEFAULT NULL,
    ${c("binding_URI")} NVARCHAR(255) COLLATE Latin1_General_BIN2 NOT NULL DEFAULT '',
    ${c("binding_params")} NVARCHAR(64) NULL DEFAULT NULL,
    ${c("expiry")} INT NULL DEFAULT NULL,
    ${c("forced_socket")} NVARCHAR(64) NULL DEFAULT NULL,
    ${c("cluster_shtag")} NVARCHAR(64) NULL DEFAULT NULL,
    ${c("state")} INT NOT NULL DEFAULT 0,
    CONSTRAINT ${quote(`${t.tableName}_registrant_idx`)} UNIQUE (${c("aor")}, ${c("binding_URI")}, ${c("registrar")})
)`,
  ];
}

/**
 * `db import`'s bulk write of changed rows by primary key (@uacreg/db registrant-bulk-upsert.ts): each row bound as
 * id then the 12 columns, one `MERGE` on the id; a row deleted meanwhile is inserted again (with a new IDENTITY id:
 * an explicit id would need IDENTITY_INSERT). `HOLDLOCK`: the usual guard of MERGE against a concurrent insert.
 */
export function mssqlUpsertByIdSql(t: StoredTable, rows: number): string {
  const cols = REGISTRANT_COLUMNS.map((c) => quote(t.columns[c]));
  const src = REGISTRANT_COLUMNS.map((_, i) => `c${i}`);
  return (
    `MERGE INTO ${quote(t.tableName)} WITH (HOLDLOCK) AS d ` +
    `USING (VALUES ${valueTuples(mssqlDialect, rows, cols.length + 1)}) AS s (id, ${src.join(", ")}) ON d.id = s.id ` +
    `WHEN MATCHED THEN UPDATE SET ${cols.map((c, i) => `d.${c} = s.${src[i]}`).join(", ")} ` +
    `WHEN NOT MATCHED BY TARGET THEN INSERT (${cols.join(", ")}) VALUES (${src.map((c) => `s.${c}`).join(", ")});`
  );
}

/** SQL Server error numbers (sys.messages). */
const DUPLICATE = new Set([2627, 2601]);
const AUTH = new Set([18456, 18452, 18486, 18487, 18488, 4060, 229, 230, 262]);
const SCHEMA = new Set([208, 207, 2812, 911]);
const DATA = new Set([8152, 2628, 515, 245, 8115, 220, 232, 547]);
const CONNECTION_NUMBERS = new Set([233, 10053, 10054, 10060, 40613, 40197, 40501, 49918, 49919, 49920, 1205]);
const CONNECTION_CODES = new Set([
  "ESOCKET",
  "ETIMEOUT",
  "ECONNCLOSED",
  "ENOTOPEN",
  "ENOCONN",
  "EINSTLOOKUP",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ECANCEL",
  "EABORT",
]);

function errorNumber(e: Record<string, unknown> | undefined): number | undefined {
  if (!e) return undefined;
  if (typeof e.number === "number") return e.number;
  const original = e.originalError as Record<string, unknown> | undefined;
  const info = (original?.info ?? e.info) as Record<string, unknown> | undefined;
  return typeof info?.number === "number" ? info.number : undefined;
}

function classify(error: unknown): ClassifiedError {
  const e = error as Record<string, unknown> | undefined;
  const message = typeof e?.message === "string" && e.message !== "" ? e.message : String(error);
  const num = errorNumber(e);
  const rawCode = typeof e?.code === "string" ? e.code : undefined;
  const code = num !== undefined ? String(num) : rawCode;
  const k = (kind: ClassifiedError["kind"]): ClassifiedError => (code ? { kind, code, message } : { kind, message });
  if (num !== undefined) {
    if (DUPLICATE.has(num)) return k("duplicate-key");
    if (AUTH.has(num)) return k("authentication");
    if (SCHEMA.has(num)) return k("schema");
    if (DATA.has(num)) return k("data");
    if (CONNECTION_NUMBERS.has(num)) return k("connection");
  }
  if (rawCode === "ELOGIN") return k("authentication");
  if (rawCode && CONNECTION_CODES.has(rawCode)) return k("connection");
  if (/Connection is closed|connection lost|not connected/i.test(message)) return k("connection");
  return k("unknown");
}

const truthy = (v: string | undefined) => v === "true" || v === "1" || v === "yes";

/**
 * The MS SQL dialect: `mssql://user:pass@host[:port]/db` (also `sqlserver://`). Options: `encrypt`,
 * `trustServerCertificate`, `instanceName`, `connect_timeout` (seconds).
 */
export const mssqlDialect: SqlDialect = {
  engine: "mssql",
  urlOptions: ["encrypt", "trustServerCertificate", "instanceName", "connect_timeout"],
  dataSourceOptions(url: ParsedDbUrl): DataSourceOptions {
    const o = url.options;
    return {
      type: "mssql",
      host: url.host ?? "127.0.0.1",
      ...(o.instanceName === undefined ? { port: url.port ?? 1433 } : {}),
      ...(url.user === undefined ? {} : { username: url.user }),
      ...(url.password === undefined ? {} : { password: url.password }),
      database: url.database,
      connectionTimeout: o.connect_timeout === undefined ? 15_000 : Number(o.connect_timeout) * 1000,
      pool: { max: 4, min: 0 },
      options: {
        encrypt: o.encrypt === undefined ? true : truthy(o.encrypt),
        trustServerCertificate: truthy(o.trustServerCertificate),
        ...(o.instanceName === undefined ? {} : { instanceName: o.instanceName }),
      },
    } as DataSourceOptions;
  },
  quote,
  param: (i) => `@${i}`,
  storedName: (name) => name,
  createRegistrantTable: mssqlRegistrantDdl,
  createVersionTable: () => [
    `CREATE TABLE [version] (
    table_name NVARCHAR(32) NOT NULL,
    table_version INT NOT NULL DEFAULT 0,
    CONSTRAINT version_t_name_idx UNIQUE (table_name)
)`,
  ],
  listColumnsSql: () =>
    "SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name FROM INFORMATION_SCHEMA.COLUMNS " +
    "WHERE TABLE_SCHEMA = SCHEMA_NAME() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
  // SQL Server's default collations are case-insensitive: the index seeks under the column's collation, BIN2 keeps
  // only the exact code points.
  exactMatch: (column, param) => `${column} = ${param} AND ${column} COLLATE Latin1_General_BIN2 = ${param}`,
  maxParams: 2100 - 1,
  maxInsertRows: 1000,
  upsertByIdSql: mssqlUpsertByIdSql,
  cluster: mssqlClusterDialect,
  classify,
};
