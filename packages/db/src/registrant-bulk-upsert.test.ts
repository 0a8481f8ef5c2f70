import { describe, expect, it } from "vitest";
import { existingRowsSql, importBatchWith, updateByIdSql } from "./registrant-bulk-upsert.js";
import type { RegistrantRow } from "./registrant-row.js";
import type { SqlDialect, StoredTable } from "./sql-dialect.js";
import { toRegistrantRow } from "./sql-registrant-repository.js";
import { defaultTableConfig, REGISTRANT_COLUMNS } from "./table-config.js";

const dialect = {
  quote: (s: string) => `"${s}"`,
  param: () => "?",
  maxParams: 1000,
  maxInsertRows: 1000,
} as unknown as SqlDialect;
const stored: StoredTable = { tableName: defaultTableConfig.tableName, columns: { ...defaultTableConfig.columns } };

function row(aor: string, registrar: string, expiry: number | null = 3600): RegistrantRow {
  return {
    registrar,
    proxy: null,
    aor,
    third_party_registrant: null,
    username: null,
    password: "pw",
    binding_URI: `${aor}-contact`,
    binding_params: null,
    expiry,
    forced_socket: null,
    cluster_shtag: null,
    state: 0,
  };
}

/**
 * A table with a case-insensitive collation on aor (MySQL/MariaDB's default): the `aor IN (…)` read returns rows
 * whose aor differs only in case. Records every write.
 */
function fakeTable(rows: Array<RegistrantRow & { id: number }>) {
  const writes: Array<{ sql: string; params: unknown[] }> = [];
  const query = async (sql: string, params: unknown[]) => {
    if (sql.startsWith("SELECT")) {
      const wanted = new Set(params.map((p) => String(p).toLowerCase()));
      return rows
        .filter((r) => wanted.has(r.aor.toLowerCase()))
        .map((r) => ({ ...r, expiry: r.expiry === null ? null : String(r.expiry) }));
    }
    writes.push({ sql, params });
    return [];
  };
  return { query, writes };
}

describe("importBatchWith (the plan of one db import batch)", () => {
  it("inserts new keys, updates changed rows by id, leaves equal rows alone, and matches keys byte for byte", async () => {
    const t = fakeTable([
      { ...row("sip:same@x", "sip:r"), id: 7 },
      { ...row("sip:changed@x", "sip:r"), id: 8 },
      { ...row("sip:my3@x", "sip:r"), id: 9 },
    ]);
    const outcomes = await importBatchWith(t.query, dialect, stored, (n) => `INSERT ${n}`, toRegistrantRow, [
      row("sip:same@x", "sip:r"),
      row("sip:changed@x", "sip:r", 60),
      row("sip:MY3@x", "sip:r"), // differs from sip:my3@x only in case: a new key
      row("sip:new@x", "sip:r"),
    ]);
    expect(outcomes).toEqual(["unchanged", "updated", "inserted", "inserted"]);
    expect(t.writes.map((w) => w.sql)).toEqual(["INSERT 2", updateByIdSql(dialect, stored)]);
    expect(
      t.writes[0]?.params.filter((p) => typeof p === "string" && p.startsWith("sip:") && !p.includes("contact")),
    ).toEqual(["sip:r", "sip:MY3@x", "sip:r", "sip:new@x"]);
    // The changed row: its 12 columns, then its id.
    expect(t.writes[1]?.params).toEqual([...REGISTRANT_COLUMNS.map((c) => row("sip:changed@x", "sip:r", 60)[c]), 8]);
  });

  it("a key repeated in the batch ends with its last row", async () => {
    const t = fakeTable([{ ...row("sip:a@x", "sip:r"), id: 1 }]);
    const outcomes = await importBatchWith(t.query, dialect, stored, (n) => `INSERT ${n}`, toRegistrantRow, [
      row("sip:b@x", "sip:r", 10),
      row("sip:b@x", "sip:r", 20),
      row("sip:b@x", "sip:r", 20),
      row("sip:a@x", "sip:r", 30),
      row("sip:a@x", "sip:r", 40),
    ]);
    expect(outcomes).toEqual(["inserted", "updated", "unchanged", "updated", "updated"]);
    expect(t.writes).toHaveLength(2);
    expect(t.writes[0]?.params).toContain(20);
    expect(t.writes[0]?.params).not.toContain(10);
    expect(t.writes[1]?.params).toContain(40);
    expect(t.writes[1]?.params).not.toContain(30);
  });

  it("uses the dialect's bulk statement for changed rows when it has one (id first, then the columns)", async () => {
    const t = fakeTable([
      { ...row("sip:a@x", "sip:r"), id: 1 },
      { ...row("sip:b@x", "sip:r"), id: 2 },
    ]);
    const bulk = { ...dialect, upsertByIdSql: (_t: StoredTable, n: number) => `UPSERT ${n}` } as SqlDialect;
    await importBatchWith(t.query, bulk, stored, (n) => `INSERT ${n}`, toRegistrantRow, [
      row("sip:a@x", "sip:r", 1),
      row("sip:b@x", "sip:r", 2),
    ]);
    expect(t.writes.map((w) => w.sql)).toEqual(["UPSERT 2"]);
    expect(t.writes[0]?.params[0]).toBe(1);
    expect(t.writes[0]?.params[13]).toBe(2);
  });

  it("reads the stored rows by aor with the logical names as aliases", () => {
    expect(existingRowsSql(dialect, stored, 2)).toBe(
      `SELECT id AS "id", ${REGISTRANT_COLUMNS.map((c) => `"${stored.columns[c]}" AS "${c}"`).join(", ")} FROM "registrant" WHERE "aor" IN (?, ?)`,
    );
  });
});
