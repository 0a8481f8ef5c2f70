/**
 * The database adapter of the daemon, loaded for the engine its `db_url` names and no other
 * (docs/performance-startup.md): each adapter brings its driver (pg, mysql2, tedious), which the daemon on SQLite
 * never needs. Unknown schemes are refused by @uacreg/db's `parseDbUrl` with the list of supported ones.
 */
import { type DbAdapter, type DbEngine, DbUrlError, parseDbUrl } from "@uacreg/db";

const ADAPTERS: Readonly<Record<DbEngine, { pkg: string; load: () => Promise<DbAdapter> }>> = {
  sqlite: { pkg: "@uacreg/db-sqlite", load: async () => (await import("@uacreg/db-sqlite")).sqliteAdapter },
  postgres: { pkg: "@uacreg/db-postgres", load: async () => (await import("@uacreg/db-postgres")).postgresAdapter },
  mysql: { pkg: "@uacreg/db-mysql", load: async () => (await import("@uacreg/db-mysql")).mysqlAdapter },
  mssql: { pkg: "@uacreg/db-mssql", load: async () => (await import("@uacreg/db-mssql")).mssqlAdapter },
};

/**
 * The adapter serving `dbUrl`'s scheme, imported on first use, with what its `preload` loads: TypeORM and the driver
 * for the server engines (the daemon calls this before its MI FIFO exists, see @uacreg/db typeorm-module.ts); the
 * embedded SQLite brings better-sqlite3 alone and loads TypeORM at its first write (@uacreg/db-sqlite sqlite-direct.ts).
 * @throws DbUrlError (the URL masked) for a malformed URL, an unknown scheme, or an adapter package not installed
 */
export async function loadDbAdapter(dbUrl: string): Promise<DbAdapter> {
  const url = parseDbUrl(dbUrl);
  const adapter = ADAPTERS[url.engine];
  let loaded: DbAdapter;
  try {
    loaded = await adapter.load();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code !== "ERR_MODULE_NOT_FOUND") throw e;
    throw new DbUrlError(`db_url ${url.masked}: the ${url.engine} adapter (${adapter.pkg}) is not installed`);
  }
  try {
    loaded.preload?.(url);
  } catch {
    // The same failure is reported, with its context, when the database is opened.
  }
  return loaded;
}
