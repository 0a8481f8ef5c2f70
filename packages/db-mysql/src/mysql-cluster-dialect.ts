/**
 * The cluster tables on MySQL/MariaDB (docs/cluster.md §2, §3.2). Times are `DATETIME(3)` from `UTC_TIMESTAMP(3)`
 * (evaluated once per statement), read back as milliseconds by arithmetic (`TIMESTAMPDIFF`), so the session time zone
 * never enters. Tables are `utf8mb4_bin`: unit, node names, incarnations and record keys compare byte for byte.
 *
 * Affected rows: mysql2 connects with CLIENT_FOUND_ROWS (its default flags), so an UPDATE reports the rows it
 * *matched*, not only those whose values changed: a renew within the same millisecond still answers 1.
 */
import { type ClusterColumn, type ClusterSqlDialect, clusterTableDdl } from "@uacreg/db";

function quote(identifier: string): string {
  return "`" + identifier.replace(/`/g, "``") + "`";
}

function type(c: ClusterColumn): string {
  switch (c.kind) {
    case "key":
    case "text":
      return `VARCHAR(${c.length ?? 255})`;
    case "integer":
      return "BIGINT";
    case "time":
      return "DATETIME(3)";
  }
}

const NOW = "UTC_TIMESTAMP(3)";

export const mysqlClusterDialect: ClusterSqlDialect = {
  // MySQL has no CREATE INDEX IF NOT EXISTS (MariaDB has): indexes go inside the CREATE TABLE.
  createTable: (table) => [
    clusterTableDdl(table, {
      quote,
      type,
      head: "CREATE TABLE IF NOT EXISTS",
      tail: " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
      inlineIndex: (name, column) => `INDEX ${name} (${column})`,
    }),
  ],
  now: NOW,
  nowPlus: (param) => `TIMESTAMPADD(MICROSECOND, ${param} * 1000, ${NOW})`,
  epochMs: (expr) => `(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', ${expr}) DIV 1000)`,
  integer: (param) => `CAST(${param} AS SIGNED)`,
  fromNothing: "FROM DUAL",
  // `VALUES(col)` (not the 8.0.19 row alias) because MariaDB has only this form.
  upsertSelect: (table, columns, key, update, select) =>
    `INSERT INTO ${table} (${columns.join(", ")}) ${select} ON DUPLICATE KEY UPDATE ` +
    // Columns qualified: a derived table of the SELECT may have the same column names.
    (update.length === 0
      ? `${table}.${key} = ${table}.${key}`
      : update.map((c) => `${table}.${c} = VALUES(${c})`).join(", ")),
};
