/**
 * The per-engine statement `db import` writes changed rows with (@uacreg/db `SqlDialect.upsertByIdSql`), checked as
 * text. SQLite, PostgreSQL and MariaDB also run it in test/import-engines.test.ts; MS SQL cannot run here, so its
 * MERGE is checked offline only.
 */
import { defaultTableConfig, REGISTRANT_COLUMNS, type StoredTable } from "@uacreg/db";
import { mssqlDialect } from "@uacreg/db-mssql";
import { mysqlDialect } from "@uacreg/db-mysql";
import { postgresDialect } from "@uacreg/db-postgres";
import { sqliteDialect } from "@uacreg/db-sqlite";
import { describe, expect, it } from "vitest";

const table: StoredTable = { tableName: "registrant", columns: { ...defaultTableConfig.columns } };

describe("the bulk write of changed rows by id, per engine", () => {
  it("MS SQL: one MERGE on id, 13 parameters per row, re-inserting a row deleted meanwhile without its id", () => {
    const sql = mssqlDialect.upsertByIdSql?.(table, 2) ?? "";
    const cols = REGISTRANT_COLUMNS.map((c) => `[${table.columns[c]}]`);
    const src = REGISTRANT_COLUMNS.map((_, i) => `c${i}`);
    const marks = (from: number) => Array.from({ length: 13 }, (_, i) => `@${from + i}`).join(", ");
    expect(sql).toBe(
      `MERGE INTO [registrant] WITH (HOLDLOCK) AS d USING (VALUES (${marks(0)}), (${marks(13)})) ` +
        `AS s (id, ${src.join(", ")}) ON d.id = s.id ` +
        `WHEN MATCHED THEN UPDATE SET ${cols.map((c, i) => `d.${c} = s.c${i}`).join(", ")} ` +
        `WHEN NOT MATCHED BY TARGET THEN INSERT (${cols.join(", ")}) VALUES (${src.map((c) => `s.${c}`).join(", ")});`,
    );
    // The highest bind marker stays under SQL Server's 2100-parameter limit at the rows per statement used.
    const perStatement = Math.floor(mssqlDialect.maxParams / 13);
    expect((mssqlDialect.upsertByIdSql?.(table, perStatement) ?? "").includes(`@${perStatement * 13 - 1})`)).toBe(true);
    expect(perStatement * 13).toBeLessThan(2100);
  });

  it("PostgreSQL and SQLite: INSERT … ON CONFLICT (id) DO UPDATE; MySQL/MariaDB: ON DUPLICATE KEY UPDATE with VALUES()", () => {
    const pg = postgresDialect.upsertByIdSql?.(table, 1) ?? "";
    expect(pg).toMatch(
      /^INSERT INTO "registrant" \(id, "registrar", .*\) VALUES \(\$1, \$2, .*\$13\) ON CONFLICT \(id\) DO UPDATE SET "registrar" = EXCLUDED\."registrar", /,
    );
    expect(sqliteDialect.upsertByIdSql?.(table, 2)).toMatch(
      /VALUES \((\?, ){12}\?\), \((\?, ){12}\?\) ON CONFLICT \(id\) DO UPDATE SET "registrar" = excluded\."registrar"/,
    );
    expect(mysqlDialect.upsertByIdSql?.(table, 1)).toMatch(
      /ON DUPLICATE KEY UPDATE `registrar` = VALUES\(`registrar`\), /,
    );
  });
});
