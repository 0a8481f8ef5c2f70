/**
 * The cluster tables on SQL Server (docs/cluster.md §2, §3.2). Times are `DATETIME2(3)` from `SYSUTCDATETIME()`,
 * read back as milliseconds with `DATEDIFF_BIG` (SQL Server 2016+). Every text column is `Latin1_General_BIN2`: keys
 * compare by code point, and the snapshot's UNION never mixes collations. The upsert is a `MERGE … WITH (HOLDLOCK)`
 * (the lock closes the gap between its match and its insert); the affected-row count is `@@ROWCOUNT` as tedious
 * reports it (`rowsAffected`).
 */
import { type ClusterColumn, type ClusterSqlDialect, clusterTableDdl } from "@uacreg/db";

function quote(identifier: string): string {
  return `[${identifier.replace(/]/g, "]]")}]`;
}

function type(c: ClusterColumn): string {
  switch (c.kind) {
    case "key":
    case "text":
      return `NVARCHAR(${c.length ?? 255}) COLLATE Latin1_General_BIN2`;
    case "integer":
      return "BIGINT";
    case "time":
      return "DATETIME2(3)";
  }
}

const NOW = "SYSUTCDATETIME()";

export const mssqlClusterDialect: ClusterSqlDialect = {
  createTable: (table) => [
    `IF OBJECT_ID(N'${table.name}', N'U') IS NULL ` +
      clusterTableDdl(table, {
        quote,
        type,
        head: "CREATE TABLE",
        inlineIndex: (name, column) => `INDEX ${name} NONCLUSTERED (${column})`,
      }),
  ],
  now: NOW,
  nowPlus: (param) => `DATEADD(millisecond, ${param}, ${NOW})`,
  epochMs: (expr) => `DATEDIFF_BIG(millisecond, CAST('1970-01-01' AS DATETIME2(3)), ${expr})`,
  integer: (param) => `CAST(${param} AS BIGINT)`,
  fromNothing: "",
  upsertSelect: (table, columns, key, update, select) =>
    `MERGE INTO ${table} WITH (HOLDLOCK) AS d USING (${select}) AS s (${columns.join(", ")}) ` +
    `ON d.${key} = s.${key} ` +
    (update.length === 0 ? "" : `WHEN MATCHED THEN UPDATE SET ${update.map((c) => `d.${c} = s.${c}`).join(", ")} `) +
    `WHEN NOT MATCHED THEN INSERT (${columns.join(", ")}) VALUES (${columns.map((c) => `s.${c}`).join(", ")});`,
};
