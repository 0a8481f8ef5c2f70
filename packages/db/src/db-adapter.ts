/**
 * How the daemon opens a repository: one {@link DbAdapter} per engine package, chosen by the `db_url` scheme.
 */
import { DbUrlError } from "./db-errors.js";
import { type ParsedDbUrl, parseDbUrl } from "./db-url.js";
import type { RegistrantRepository, SchemaAdmin } from "./registrant-row.js";
import type { ClusterDatabase } from "./sql-lease-store.js";
import type { RepositoryOptions } from "./sql-registrant-repository.js";
import { resolveTableConfig, type TableConfig } from "./table-config.js";

/** What an adapter opens: the registrant repository, its schema administration and the cluster tables. */
export type OpenedDatabase = RegistrantRepository & SchemaAdmin & ClusterDatabase;

/** An engine adapter, e.g. `sqliteAdapter` from @uacreg/db-sqlite. */
export interface DbAdapter {
  /** URL schemes served, e.g. `["postgres", "postgresql"]`. */
  readonly schemes: readonly string[];
  open(url: ParsedDbUrl, table: TableConfig, options?: RepositoryOptions): Promise<OpenedDatabase>;
  /** Loads the modules {@link open} needs (TypeORM, the driver) without connecting (typeorm-module.ts `preloadDriver`). */
  preload?(url: ParsedDbUrl): void;
}

/**
 * Parses `dbUrl`, picks the adapter serving its scheme and opens the repository. Throws DbUrlError (URL masked) for
 * a bad URL or a scheme no given adapter serves, TableConfigError for a bad name, or the adapter's connection errors.
 */
export async function openRepository(
  dbUrl: string,
  tableConfig: Partial<Omit<TableConfig, "columns">> & { columns?: Partial<TableConfig["columns"]> },
  adapters: readonly DbAdapter[],
  options?: RepositoryOptions,
): Promise<OpenedDatabase> {
  const url = parseDbUrl(dbUrl);
  const table = resolveTableConfig(tableConfig);
  const adapter = adapters.find((a) => a.schemes.includes(url.scheme));
  if (!adapter) {
    const served = adapters.flatMap((a) => a.schemes);
    throw new DbUrlError(
      `db_url ${url.masked}: no adapter for "${url.scheme}" is installed (available: ${served.join(", ") || "none"})`,
    );
  }
  return adapter.open(url, table, options);
}
