/**
 * The cluster tables on SQLite (docs/cluster.md §2), for single-host tests: times are INTEGER milliseconds computed by
 * SQLite's own clock (`julianday('now')`, stable within one statement, docs/cluster.md §3.2); text compares BINARY.
 * SQLite serialises writers, so every compare-and-set is trivially atomic.
 */
import { type ClusterColumn, type ClusterSqlDialect, createIfNotExists, onConflictUpsert } from "@uacreg/db";
import { quoteIdentifier as quote } from "./sqlite-identifier.js";

function type(c: ClusterColumn): string {
  switch (c.kind) {
    case "key":
    case "text":
      return `VARCHAR(${c.length ?? 255}) COLLATE BINARY`;
    default:
      return "INTEGER";
  }
}

const NOW = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

export const sqliteClusterDialect: ClusterSqlDialect = {
  createTable: (table) => createIfNotExists(table, { quote, type }),
  now: NOW,
  nowPlus: (param) => `(${NOW} + ${param})`,
  epochMs: (expr) => expr,
  integer: (param) => `CAST(${param} AS INTEGER)`,
  fromNothing: "",
  upsertSelect: onConflictUpsert,
};
