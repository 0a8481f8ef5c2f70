/**
 * `loadAll` on SQLite without TypeORM's query builder (docs/performance-startup.md): the same keyset pages by id as
 * the repository's own (rows with id > the last one read, by id, at most `pageSize`), read with one prepared
 * better-sqlite3 statement on the adapter's own connection (sqlite-direct.ts; the DataSource's for `:memory:`). The
 * builder's per-page work (building the SQL, renaming the aliases with regular expressions) cost more than SQLite
 * reading the rows. Each page is one synchronous `all()`, so no read lock is held between pages (a state write
 * between two pages is not blocked). Rows come as arrays (`raw` mode: half the cost of better-sqlite3 building an
 * object per row) and become RegistrantRows by position ({@link registrantRowOfValues}, the repository's conversion
 * without an object keyed by name in between). A page is handed over whole ({@link loadPages}); `loadAll` yields its
 * rows one by one.
 *
 * Fewer values per row (packages/db-sqlite/README.md "Loading 1,000,000 rows"): better-sqlite3 12 on Node 20 stores
 * each value of a raw row with one generic `v8::Object::Set` call, the larger part of its cost per row (callgrind:
 * more than the strings). The five columns most tables leave NULL ({@link RARE_COLUMNS}) come as ONE value: NULL when
 * all five are NULL, else their texts joined by U+001F, cut apart here. A page where a joined value does not cut into
 * exactly five parts (a value holding U+001F) is read again with one value per column, as before.
 */
import type { RegistrantColumn, RegistrantRow, SqlRegistrantRepository, StoredTable } from "@uacreg/db";
import { REGISTRANT_COLUMNS, registrantRowOfValues } from "@uacreg/db";
import type Database from "better-sqlite3";
import type { SqliteDirectConnection } from "./sqlite-direct.js";
import { quoteIdentifier as quote } from "./sqlite-identifier.js";

/** The columns most rows leave NULL (docs/opensips-behaviour.md §11: all DEFAULT NULL), read as one value. */
export const RARE_COLUMNS = [
  "proxy",
  "third_party_registrant",
  "binding_params",
  "forced_socket",
  "cluster_shtag",
] as const satisfies readonly RegistrantColumn[];

/** The other seven, one value each, after `id`. */
const COMMON_COLUMNS = REGISTRANT_COLUMNS.filter((c) => !(RARE_COLUMNS as readonly string[]).includes(c));

/** Where each value of a compact row goes among @uacreg/db's 13 (`id`, then REGISTRANT_COLUMNS' order). */
const COMMON_AT = COMMON_COLUMNS.map((c) => 1 + REGISTRANT_COLUMNS.indexOf(c));
const RARE_AT = RARE_COLUMNS.map((c) => 1 + REGISTRANT_COLUMNS.indexOf(c));
const SEPARATOR = "\x1f";

const where = (first: boolean) => (first ? "" : ` WHERE "id" > ?`);

/**
 * The SELECT of one page, compact: `id`, the seven common columns, then the rare ones as one value (NULL when all five
 * are NULL, else `concat` of the five joined by U+001F, NULL read as '': the repository reads NULL and '' alike,
 * docs/opensips-behaviour.md §2.2).
 */
export function pageSql(t: StoredTable, first: boolean): string {
  const common = COMMON_COLUMNS.map((c) => quote(t.columns[c])).join(", ");
  const rare = RARE_COLUMNS.map((c) => quote(t.columns[c]));
  const allNull = rare.map((c) => `${c} IS NULL`).join(" AND ");
  const joined = `concat(${rare.join(", char(31), ")})`;
  const columns = `${common}, CASE WHEN ${allNull} THEN NULL ELSE ${joined} END`;
  return `SELECT "id", ${columns} FROM ${quote(t.tableName)}${where(first)} ORDER BY "id" ASC LIMIT ?`;
}

/** The SELECT of one page with one value per column (`id`, then the 12 in REGISTRANT_COLUMNS' order). */
export function fullPageSql(t: StoredTable, first: boolean): string {
  const columns = REGISTRANT_COLUMNS.map((c) => quote(t.columns[c])).join(", ");
  return `SELECT "id", ${columns} FROM ${quote(t.tableName)}${where(first)} ORDER BY "id" ASC LIMIT ?`;
}

/**
 * The RegistrantRows of a compact page ({@link pageSql}), or undefined when a joined rare value does not cut into
 * exactly five parts (then the page is read with {@link fullPageSql}).
 */
export function rowsOfCompactPage(page: readonly unknown[][]): RegistrantRow[] | undefined {
  const rows = new Array<RegistrantRow>(page.length);
  const values = new Array<unknown>(1 + REGISTRANT_COLUMNS.length).fill(null);
  for (let i = 0; i < page.length; i++) {
    const compact = page[i] as unknown[];
    values[0] = compact[0];
    for (let j = 0; j < COMMON_AT.length; j++) values[COMMON_AT[j] as number] = compact[1 + j];
    const rare = compact[1 + COMMON_COLUMNS.length];
    if (rare === null || rare === undefined) {
      for (const at of RARE_AT) values[at] = null;
    } else {
      const parts = String(rare).split(SEPARATOR);
      if (parts.length !== RARE_COLUMNS.length) return undefined;
      for (let j = 0; j < RARE_AT.length; j++) values[RARE_AT[j] as number] = parts[j];
    }
    rows[i] = registrantRowOfValues(values);
  }
  return rows;
}

/** The map's ceiling (SQLite caps it at its compile-time SQLITE_MAX_MMAP_SIZE). 0, SQLite's default, maps nothing. */
const MAP_BYTES = 1 << 30;

/**
 * `read` with the database file memory-mapped (SQLite's `PRAGMA mmap_size`), the
 * map dropped again before returning: the pages of the file SQLite touched leave the process's resident memory with
 * it. The rows read are the same mapped or not.
 */
function mapped<T>(db: Database.Database, read: () => T): T {
  db.pragma(`mmap_size = ${MAP_BYTES}`);
  try {
    return read();
  } finally {
    db.pragma("mmap_size = 0");
  }
}

/**
 * The connection pages are read on: the repository's {@link SqliteDirectConnection} when it has one, else the
 * better-sqlite3 handle under its DataSource (TypeORM's better-sqlite3 driver keeps it there).
 */
async function connection(
  repo: SqlRegistrantRepository,
  direct: SqliteDirectConnection | undefined,
): Promise<Database.Database> {
  if (direct) return direct.handle();
  const ds = await repo.dataSource();
  return (ds.driver as unknown as { databaseConnection: Database.Database }).databaseConnection;
}

/** A page's two statements on one connection (prepared on first use). */
interface PageStatements {
  db: Database.Database;
  compact?: Database.Statement;
  full?: Database.Statement;
}

/**
 * Every row of the table in id order, one page (at most `pageSize` rows) per step; errors are the repository's typed
 * DbErrors. A consumer iterating pages pays one async step per page, not per row.
 */
export async function* loadPages(
  repo: SqlRegistrantRepository,
  pageSize: number,
  direct?: SqliteDirectConnection,
): AsyncIterable<readonly RegistrantRow[]> {
  const table = repo.storedTable;
  let first: PageStatements | undefined;
  let next: PageStatements | undefined;
  let after: number | undefined;
  for (;;) {
    let rows: RegistrantRow[];
    let read: number;
    try {
      const db = await connection(repo, direct);
      if (first?.db !== db) first = { db };
      if (next?.db !== db) next = { db };
      const at = after === undefined ? first : next;
      const args = after === undefined ? [pageSize] : [after, pageSize];
      const isFirst = after === undefined;
      at.compact ??= db.prepare(pageSql(table, isFirst)).raw(true);
      const compact = at.compact;
      const page = compact.all(...args) as unknown[][];
      read = page.length;
      let decoded = rowsOfCompactPage(page);
      if (decoded === undefined) {
        at.full ??= db.prepare(fullPageSql(table, isFirst)).raw(true);
        const full = at.full;
        decoded = (full.all(...args) as unknown[][]).map((v) => registrantRowOfValues(v));
        read = decoded.length;
      }
      rows = decoded;
    } catch (e) {
      throw repo.translate(e);
    }
    for (const row of rows) after = row.id ?? after;
    if (rows.length > 0) yield rows;
    if (read < pageSize) return;
  }
}

/** The number of rows in the table (`SELECT COUNT(*)`), on the connection pages are read on: TypeORM stays unloaded. */
export async function countRows(repo: SqlRegistrantRepository, direct?: SqliteDirectConnection): Promise<number> {
  try {
    const db = await connection(repo, direct);
    const statement = db.prepare(`SELECT COUNT(*) FROM ${quote(repo.storedTable.tableName)}`).pluck(true);
    const value = mapped(db, () => statement.get());
    return Number(value);
  } catch (e) {
    throw repo.translate(e);
  }
}

/** Every row of the table in id order, read by {@link loadPages}. */
export async function* loadRows(
  repo: SqlRegistrantRepository,
  pageSize: number,
  direct?: SqliteDirectConnection,
): AsyncIterable<RegistrantRow> {
  for await (const page of loadPages(repo, pageSize, direct)) yield* page;
}
