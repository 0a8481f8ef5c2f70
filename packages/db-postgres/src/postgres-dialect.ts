/**
 * PostgreSQL (pg). DDL as OpenSIPS's `scripts/postgres/registrant-create.sql` (docs/opensips-behaviour.md §11): VARCHAR
 * columns, SERIAL id whose sequence cycles at 2^31−1, unique constraint `registrant_registrant_idx`.
 *
 * Identifier case: OpenSIPS writes its DDL and queries unquoted, so PostgreSQL folds `binding_URI` to `binding_uri`.
 * We create tables the same way (lower-cased names, quoted) and, on an existing table, match the configured names
 * case-insensitively against information_schema (an exact spelling wins), so both spellings work.
 */
import {
  type ClassifiedError,
  type ParsedDbUrl,
  REGISTRANT_COLUMNS,
  type SqlDialect,
  type StoredTable,
  valueTuples,
} from "@uacreg/db";
import type pg from "pg";
import type { DataSourceOptions } from "typeorm";
import { postgresClusterDialect } from "./postgres-cluster-dialect.js";

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** The registrant table in PostgreSQL, exactly the §11 column types. */
export function postgresRegistrantDdl(t: StoredTable): string[] {
  const c = (k: keyof StoredTable["columns"]) => quote(t.columns[k]);
  const table = quote(t.tableName);
  return [
    `CREATE TABLE ${table} (
    id SERIAL PRIMARY KEY NOT NULL,
    ${c("registrar")} VARCHAR(255) DEFAULT '' NOT NULL,
    ${c("proxy")} VARCHAR(255) DEFAULT NULL,
    ${c("aor")} VARCHAR(255) DEFAULT '' NOT NULL,
    ${c("third_party_registrant")} VARCHAR(255) DEFAULT NULL,
    ${c("username")} VARCHAR(64) DEFAULT NULL,
    ${c("password")} VARCHAR(64) DEFAULT NULL,
    ${c("binding_URI")} VARCHAR(255) DEFAULT '' NOT NULL,
    ${c("binding_params")} VARCHAR(64) DEFAULT NULL,
    ${c("expiry")} INTEGER DEFAULT NULL,
    ${c("forced_socket")} VARCHAR(64) DEFAULT NULL,
    ${c("cluster_shtag")} VARCHAR(64) DEFAULT NULL,
    ${c("state")} INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT ${quote(`${t.tableName}_registrant_idx`.slice(0, 63))} UNIQUE (${c("aor")}, ${c("binding_URI")}, ${c("registrar")})
)`,
    // OpenSIPS: ALTER SEQUENCE registrant_id_seq MAXVALUE 2147483647 CYCLE (the sequence name looked up, not guessed).
    `DO $$ BEGIN EXECUTE format('ALTER SEQUENCE %s MAXVALUE 2147483647 CYCLE', ` +
      `pg_get_serial_sequence('${table}', 'id')); END $$`,
  ];
}

/**
 * `db import`'s bulk write of changed rows by primary key (@uacreg/db registrant-bulk-upsert.ts): each row bound as
 * id then the 12 columns; a row deleted meanwhile is inserted again under its id (its sequence is already past it).
 */
export function postgresUpsertByIdSql(t: StoredTable, rows: number): string {
  const cols = REGISTRANT_COLUMNS.map((c) => quote(t.columns[c]));
  return (
    `INSERT INTO ${quote(t.tableName)} (id, ${cols.join(", ")}) VALUES ${valueTuples(postgresDialect, rows, cols.length + 1)} ` +
    `ON CONFLICT (id) DO UPDATE SET ${cols.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}`
  );
}

const CONNECTION_CODES = new Set(["57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08004", "08006"]);
const NODE_CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

function classify(error: unknown): ClassifiedError {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === "string" && e.message !== "" ? e.message : String(error);
  const code = typeof e?.code === "string" ? e.code : undefined;
  const k = (kind: ClassifiedError["kind"]): ClassifiedError => (code ? { kind, code, message } : { kind, message });
  if (code === "23505") return k("duplicate-key");
  if (code && (CONNECTION_CODES.has(code) || NODE_CONNECTION_CODES.has(code) || code.startsWith("08"))) {
    return k("connection");
  }
  if (code?.startsWith("28")) return k("authentication");
  if (code === "42501") return k("authentication");
  if (code === "3D000" || code === "42P01" || code === "42703" || code === "3F000") return k("schema");
  if (code?.startsWith("22") || code?.startsWith("23")) return k("data");
  if (/Connection terminated|not queryable|connection error|timeout expired|Connection ended/i.test(message)) {
    return k("connection");
  }
  return k("unknown");
}

function sslOption(options: Record<string, string>): false | { rejectUnauthorized: boolean } {
  const mode =
    options.sslmode ??
    (options.ssl === undefined
      ? undefined
      : options.ssl === "false" || options.ssl === "0"
        ? "disable"
        : "verify-full");
  switch (mode) {
    case undefined:
    case "disable":
      return false;
    case "require":
    case "prefer":
    case "allow":
      return { rejectUnauthorized: false };
    default:
      return { rejectUnauthorized: true };
  }
}

/** The settings of a dedicated pg client (the cluster LISTEN connection) for the same db_url as the pool. */
export function pgClientConfig(url: ParsedDbUrl): pg.ClientConfig {
  const o = url.options;
  return {
    host: url.host ?? "127.0.0.1",
    port: url.port ?? 5432,
    ...(url.user === undefined ? {} : { user: url.user }),
    ...(url.password === undefined ? {} : { password: url.password }),
    database: url.database,
    ssl: sslOption(o),
    application_name: o.application_name ?? "uacreg",
    connectionTimeoutMillis: o.connect_timeout === undefined ? 10_000 : Number(o.connect_timeout) * 1000,
  };
}

/** The PostgreSQL dialect: `postgres://user:pass@host[:port]/db` (also `postgresql://`). */
export const postgresDialect: SqlDialect = {
  engine: "postgres",
  urlOptions: ["ssl", "sslmode", "connect_timeout", "application_name"],
  dataSourceOptions(url: ParsedDbUrl): DataSourceOptions {
    const o = url.options;
    return {
      type: "postgres",
      host: url.host ?? "127.0.0.1",
      port: url.port ?? 5432,
      ...(url.user === undefined ? {} : { username: url.user }),
      ...(url.password === undefined ? {} : { password: url.password }),
      database: url.database,
      ssl: sslOption(o),
      applicationName: o.application_name ?? "uacreg",
      connectTimeoutMS: o.connect_timeout === undefined ? 10_000 : Number(o.connect_timeout) * 1000,
      poolSize: 4,
    } as DataSourceOptions;
  },
  quote,
  param: (i) => `$${i + 1}`,
  storedName: (name) => name.toLowerCase(),
  createRegistrantTable: postgresRegistrantDdl,
  createVersionTable: () => [
    `CREATE TABLE version (
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_t_name_idx UNIQUE (table_name)
)`,
  ],
  listColumnsSql: () =>
    `SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns ` +
    `WHERE table_schema = current_schema() AND lower(table_name) = lower(?) ORDER BY ordinal_position`,
  exactMatch: (column, param) => `${column} = ${param} AND ${column} COLLATE "C" = ${param}`,
  maxParams: 65535,
  maxInsertRows: 1000,
  upsertByIdSql: postgresUpsertByIdSql,
  cluster: postgresClusterDialect(pgClientConfig),
  classify,
};
