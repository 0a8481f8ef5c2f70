/**
 * The batched upsert of `uacreg db import` (docs/opensips-behaviour.md §11): one batch of rows in one transaction,
 * each row answered `inserted`, `updated` or `unchanged`.
 *
 * How "update" is detected: the batch's existing rows are read first (`SELECT … WHERE aor IN (…)`, the unique
 * index's leading column) and matched to the batch **byte for byte** on (aor, binding_URI, registrar) in code, so a
 * case-insensitive collation (MySQL/MariaDB, MS SQL defaults on an OpenSIPS-created table) never turns `sip:MY3@…`
 * into an update of `sip:my3@…`, and a table that lacks the unique index still gets one row per key. A row whose 12
 * columns equal the stored ones is `unchanged` and not written; new rows go in with one multi-row INSERT; changed
 * rows are written by primary key `id` with the engine's bulk form ({@link SqlDialect.upsertByIdSql}: `INSERT … ON
 * CONFLICT (id) DO UPDATE` on PostgreSQL and SQLite, `ON DUPLICATE KEY UPDATE` on MySQL/MariaDB, `MERGE` on MS SQL),
 * or one `UPDATE … WHERE id = ?` per row for a dialect without it.
 */
import type { RegistrantRow } from "./registrant-row.js";
import type { SqlDialect, StoredTable } from "./sql-dialect.js";
import { REGISTRANT_COLUMNS } from "./table-config.js";

/** What a batch did with one row. */
export type ImportOutcome = "inserted" | "updated" | "unchanged";

/** A repository that takes import batches (every repository opened by `openRepository` does). */
export interface BulkImport {
  /**
   * Upserts `rows` in one transaction and answers, per row in order, what it did. A key repeated in the batch ends
   * with its last row (the later one is `updated`, or `unchanged` when equal). A value the database refuses throws
   * the typed DataError (DuplicateKeyError for a key the table's collation calls equal to another) and nothing of
   * the batch is written: the caller may redo the rows one by one to name the refused one.
   */
  importBatch(rows: readonly RegistrantRow[]): Promise<ImportOutcome[]>;
}

/** True when `db` takes import batches. */
export function supportsBulkImport<T extends object>(db: T): db is T & BulkImport {
  return typeof (db as Partial<BulkImport>).importBatch === "function";
}

/** Runs one statement with positional parameters inside the batch's transaction. */
export type RunQuery = (sql: string, params: unknown[]) => Promise<unknown>;

/** The identity of a key: NUL cannot occur in the text columns. */
function keyOf(row: Pick<RegistrantRow, "aor" | "binding_URI" | "registrar">): string {
  return `${row.aor}\0${row.binding_URI}\0${row.registrar}`;
}

function sameRow(a: RegistrantRow, b: RegistrantRow): boolean {
  for (const c of REGISTRANT_COLUMNS) if (a[c] !== b[c]) return false;
  return true;
}

function marks(dialect: SqlDialect, start: number, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(dialect.param(start + i));
  return out.join(", ");
}

/** The SELECT reading the stored rows whose aor is one of `aors` (logical column names as aliases). */
export function existingRowsSql(dialect: SqlDialect, stored: StoredTable, aors: number): string {
  const q = dialect.quote;
  const cols = REGISTRANT_COLUMNS.map((c) => `${q(stored.columns[c])} AS ${q(c)}`).join(", ");
  return `SELECT id AS ${q("id")}, ${cols} FROM ${q(stored.tableName)} WHERE ${q(stored.columns.aor)} IN (${marks(dialect, 0, aors)})`;
}

/** The per-row fallback of {@link SqlDialect.upsertByIdSql}: parameters are the 12 columns, then the id. */
export function updateByIdSql(dialect: SqlDialect, stored: StoredTable): string {
  const q = dialect.quote;
  const set = REGISTRANT_COLUMNS.map((c, i) => `${q(stored.columns[c])} = ${dialect.param(i)}`).join(", ");
  return `UPDATE ${q(stored.tableName)} SET ${set} WHERE id = ${dialect.param(REGISTRANT_COLUMNS.length)}`;
}

/** Rows per statement so that `perRow` parameters each stay under the dialect's limits. */
export function rowsPerStatement(dialect: SqlDialect, perRow: number): number {
  return Math.max(1, Math.min(dialect.maxInsertRows, Math.floor(dialect.maxParams / perRow)));
}

/**
 * The plan and the writes of one batch, given the statements' runner (inside a transaction) and the SQL builders.
 * `insertSql(n)` is the multi-row INSERT of n rows (the 12 columns per row).
 */
export async function importBatchWith(
  query: RunQuery,
  dialect: SqlDialect,
  stored: StoredTable,
  insertSql: (rows: number) => string,
  readRow: (raw: Record<string, unknown>) => RegistrantRow,
  rows: readonly RegistrantRow[],
): Promise<ImportOutcome[]> {
  const outcomes: ImportOutcome[] = [];
  if (rows.length === 0) return outcomes;
  // 1. The stored rows of the batch's AORs, matched exactly on the whole key.
  const stored0 = new Map<string, { id: number; row: RegistrantRow }>();
  const aors = [...new Set(rows.map((r) => r.aor))];
  const per = rowsPerStatement(dialect, 1);
  for (let i = 0; i < aors.length; i += per) {
    const part = aors.slice(i, i + per);
    const found = (await query(existingRowsSql(dialect, stored, part.length), part)) as Array<Record<string, unknown>>;
    for (const raw of found) {
      const row = readRow(raw);
      if (row.id !== undefined) stored0.set(keyOf(row), { id: row.id, row });
    }
  }
  // 2. The plan: new keys to insert, stored keys whose columns differ to update (by id); the last row of a key wins.
  const inserts = new Map<string, RegistrantRow>();
  const updates = new Map<string, { id: number; row: RegistrantRow }>();
  for (const row of rows) {
    const key = keyOf(row);
    const pendingInsert = inserts.get(key);
    if (pendingInsert) {
      outcomes.push(sameRow(pendingInsert, row) ? "unchanged" : "updated");
      inserts.set(key, row);
      continue;
    }
    const existing = stored0.get(key);
    if (!existing) {
      inserts.set(key, row);
      outcomes.push("inserted");
      continue;
    }
    const current = updates.get(key)?.row ?? existing.row;
    if (sameRow(current, row)) {
      outcomes.push("unchanged");
      continue;
    }
    updates.set(key, { id: existing.id, row });
    outcomes.push("updated");
  }
  // 3. The writes.
  const n = REGISTRANT_COLUMNS.length;
  const newRows = [...inserts.values()];
  const perInsert = rowsPerStatement(dialect, n);
  for (let i = 0; i < newRows.length; i += perInsert) {
    const part = newRows.slice(i, i + perInsert);
    await query(
      insertSql(part.length),
      part.flatMap((r) => REGISTRANT_COLUMNS.map((c) => r[c])),
    );
  }
  const changed = [...updates.values()];
  if (dialect.upsertByIdSql) {
    const perUpsert = rowsPerStatement(dialect, n + 1);
    for (let i = 0; i < changed.length; i += perUpsert) {
      const part = changed.slice(i, i + perUpsert);
      await query(
        dialect.upsertByIdSql(stored, part.length),
        part.flatMap(({ id, row }) => [id, ...REGISTRANT_COLUMNS.map((c) => row[c])]),
      );
    }
  } else {
    const sql = updateByIdSql(dialect, stored);
    for (const { id, row } of changed) await query(sql, [...REGISTRANT_COLUMNS.map((c) => row[c]), id]);
  }
  return outcomes;
}

/**
 * The tuples `(?, …), (?, …)` of a bulk statement of `rows` rows with `perRow` parameters each, numbered from 0 with
 * the dialect's bind markers.
 */
export function valueTuples(dialect: SqlDialect, rows: number, perRow: number): string {
  const tuples: string[] = [];
  let i = 0;
  for (let r = 0; r < rows; r++) {
    const m: string[] = [];
    for (let c = 0; c < perRow; c++) m.push(dialect.param(i++));
    tuples.push(`(${m.join(", ")})`);
  }
  return tuples.join(", ");
}
