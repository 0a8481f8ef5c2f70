import { type DbAdapter, SqlRegistrantRepository } from "@uacreg/db";
import { sqliteDialect } from "./sqlite-dialect.js";
import { SqliteDirectConnection } from "./sqlite-direct.js";
import { countRows, loadPages, loadRows } from "./sqlite-page-reader.js";

/**
 * Opens `sqlite://…` URLs with better-sqlite3. Start-up (catalog, version row, creating the table, `loadAll`) runs on
 * a better-sqlite3 connection of its own, without TypeORM, which is loaded at the first write (sqlite-direct.ts;
 * docs/performance-startup.md). `:memory:` is one database per connection, so it goes through TypeORM alone.
 */
export const sqliteAdapter: DbAdapter = {
  schemes: ["sqlite"],
  open: async (url, table, options) => {
    const direct = url.database === ":memory:" ? undefined : new SqliteDirectConnection(url);
    const repo = await SqlRegistrantRepository.open(sqliteDialect, url, table, {
      ...options,
      ...(direct ? { direct } : {}),
    });
    const pageSize = Math.max(1, Math.floor(options?.pageSize ?? 1000));
    repo.loadAll = () => loadRows(repo, pageSize, direct);
    repo.loadPages = () => loadPages(repo, pageSize, direct);
    // The engine asks the count before a first load (to size its table): without TypeORM, as the pages are read.
    if (direct) repo.count = () => countRows(repo, direct);
    return repo;
  },
  // better-sqlite3 is loaded with this package (sqlite-direct.ts); TypeORM waits for the first write.
};
