/**
 * `loadAll` on SQLite without TypeORM's query builder (docs/performance-startup.md): the same keyset pages by id as
 * the repository's own (rows with id > the last one read, by id, at most `pageSize`), read with one prepared
 * better-sqlite3 statement on the repository's own connection. The builder's per-page work (building the SQL,
 * renaming the aliases with regular expressions) cost more than SQLite reading the rows. Each page is one synchronous
 * `all()`, so no read lock is held between pages (a state write between two pages is not blocked); a connection
 * rebuilt by the repository after an error is picked up at the next page. Rows come as arrays (`raw` mode: half the
 * cost of better-sqlite3 building an object per row) and are named in one fixed-shape literal for
 * {@link toRegistrantRow}, the repository's conversion.
 */
import type { RegistrantRow, SqlRegistrantRepository, StoredTable } from "@uacreg/db";
import { REGISTRANT_COLUMNS, toRegistrantRow } from "@uacreg/db";
import type Database from "better-sqlite3";
import { quoteIdentifier as quote } from "./sqlite-identifier.js";

/**
 * The columns of a page after `id`, in the order {@link named} reads them: the table's 12 logical columns in their
 * order of docs/opensips-behaviour.md §11 (@uacreg/db's one list).
 */
const PAGE_COLUMNS = REGISTRANT_COLUMNS;

/** One page row (`id`, then {@link PAGE_COLUMNS}) under its logical names. */
function named(r: readonly unknown[]): Record<string, unknown> {
  return {
    id: r[0],
    registrar: r[1],
    proxy: r[2],
    aor: r[3],
    third_party_registrant: r[4],
    username: r[5],
    password: r[6],
    binding_URI: r[7],
    binding_params: r[8],
    expiry: r[9],
    forced_socket: r[10],
    cluster_shtag: r[11],
    state: r[12],
  };
}

/** The SELECT of one page: `id`, then {@link PAGE_COLUMNS} by their stored names. */
export function pageSql(t: StoredTable, first: boolean): string {
  const columns = PAGE_COLUMNS.map((c) => quote(t.columns[c])).join(", ");
  const where = first ? "" : ` WHERE "id" > ?`;
  return `SELECT "id", ${columns} FROM ${quote(t.tableName)}${where} ORDER BY "id" ASC LIMIT ?`;
}

/** The better-sqlite3 handle under the repository's DataSource (TypeORM's better-sqlite3 driver keeps it there). */
async function connection(repo: SqlRegistrantRepository): Promise<Database.Database> {
  const ds = await repo.dataSource();
  return (ds.driver as unknown as { databaseConnection: Database.Database }).databaseConnection;
}

/** Every row of the table in id order, one page at a time; errors are the repository's typed DbErrors. */
export async function* loadPages(repo: SqlRegistrantRepository, pageSize: number): AsyncIterable<RegistrantRow> {
  const table = repo.storedTable;
  let db: Database.Database | undefined;
  let first: Database.Statement | undefined;
  let next: Database.Statement | undefined;
  let after: number | undefined;
  for (;;) {
    let page: unknown[][];
    try {
      const current = await connection(repo);
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
    for (const raw of page) {
      const row = toRegistrantRow(named(raw));
      after = row.id ?? after;
      yield row;
    }
    if (page.length < pageSize) return;
  }
}
