import { type DbAdapter, preloadDriver, SqlRegistrantRepository } from "@uacreg/db";
import { sqliteDialect } from "./sqlite-dialect.js";
import { loadPages, loadRows } from "./sqlite-page-reader.js";

/**
 * Opens `sqlite://…` URLs with better-sqlite3. `loadAll` reads its pages with a prepared statement on the same
 * connection instead of TypeORM's query builder (sqlite-page-reader.ts; docs/performance-startup.md).
 */
export const sqliteAdapter: DbAdapter = {
  schemes: ["sqlite"],
  open: async (url, table, options) => {
    const repo = await SqlRegistrantRepository.open(sqliteDialect, url, table, options);
    const pageSize = Math.max(1, Math.floor(options?.pageSize ?? 1000));
    repo.loadAll = () => loadRows(repo, pageSize);
    repo.loadPages = () => loadPages(repo, pageSize);
    return repo;
  },
  preload: (url) => preloadDriver(sqliteDialect.dataSourceOptions(url)),
};
