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
 */
import type { RegistrantRow, SqlRegistrantRepository, StoredTable } from "@uacreg/db";
import { REGISTRANT_COLUMNS, registrantRowOfValues } from "@uacreg/db";
import type Database from "better-sqlite3";
import type { SqliteDirectConnection } from "./sqlite-direct.js";
import { quoteIdentifier as quote } from "./sqlite-identifier.js";

/**
 * The columns of a page after `id`, in the order @uacreg/db's {@link registrantRowOfValues} reads them: the table's
 * 12 logical columns in their order of docs/opensips-behaviour.md §11 (@uacreg/db's one list).
 */
const PAGE_COLUMNS = REGISTRANT_COLUMNS;

/** The SELECT of one page: `id`, then {@link PAGE_COLUMNS} by their stored names. */
export function pageSql(t: StoredTable, first: boolean): string {
  const columns = PAGE_COLUMNS.map((c) => quote(t.columns[c])).join(", ");
  const where = first ? "" : ` WHERE "id" > ?`;
  return `SELECT "id", ${columns} FROM ${quote(t.tableName)}${where} ORDER BY "id" ASC LIMIT ?`;
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
  let db: Database.Database | undefined;
  let first: Database.Statement | undefined;
  let next: Database.Statement | undefined;
  let after: number | undefined;
  for (;;) {
    let page: unknown[][];
    try {
      const current = await connection(repo, direct);
      if (current !== db) {
        db = current;
        first = undefined;
        next = undefined;
      }
      if (after === undefined) {
        first ??= current.prepare(pageSql(table, true)).raw(true);
        page = first.all(pageSize) as unknown[][];
      } else {
        next ??= current.prepare(pageSql(table, false)).raw(true);
        page = next.all(after, pageSize) as unknown[][];
      }
    } catch (e) {
      throw repo.translate(e);
    }
    const rows = new Array<RegistrantRow>(page.length);
    for (let i = 0; i < page.length; i++) {
      const row = registrantRowOfValues(page[i] as unknown[]);
      after = row.id ?? after;
      rows[i] = row;
    }
    if (rows.length > 0) yield rows;
    if (page.length < pageSize) return;
  }
}

/** The number of rows in the table (`SELECT COUNT(*)`), on the connection pages are read on: TypeORM stays unloaded. */
export async function countRows(repo: SqlRegistrantRepository, direct?: SqliteDirectConnection): Promise<number> {
  try {
    const db = await connection(repo, direct);
    const value = db
      .prepare(`SELECT COUNT(*) FROM ${quote(repo.storedTable.tableName)}`)
      .pluck(true)
      .get();
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
