/**
 * `uacreg db create | list`, and the opening of the database for every `db` command (import: csv-import.ts, export:
 * csv-export.ts). The engine adapter is loaded on demand from the `db_url` scheme, so a SQLite user never loads a
 * MySQL driver.
 */
import {
  type DbAdapter,
  DbError,
  type DbEngine,
  MissingTableError,
  type OpenedDatabase,
  openRepository,
  parseDbUrl,
  SchemaError,
  SchemaVersionError,
} from "@uacreg/db";
import type { ValidationContext } from "@uacreg/core";
import type { TableNaming } from "./cli-config.js";
import { type CliIo, ExitCode } from "./cli-io.js";

/** Which database and table. */
export interface DbTarget {
  readonly dbUrl: string;
  readonly table: TableNaming;
  /** Row validation of the configured daemon; default: the daemon's embedded defaults. */
  readonly rowValidation?: ValidationContext;
}

const ADAPTERS: Record<DbEngine, () => Promise<DbAdapter>> = {
  sqlite: async () => (await import("@uacreg/db-sqlite")).sqliteAdapter,
  postgres: async () => (await import("@uacreg/db-postgres")).postgresAdapter,
  mysql: async () => (await import("@uacreg/db-mysql")).mysqlAdapter,
  mssql: async () => (await import("@uacreg/db-mssql")).mssqlAdapter,
};

type Repo = OpenedDatabase;

async function open(target: DbTarget): Promise<Repo> {
  const engine = parseDbUrl(target.dbUrl).engine;
  return openRepository(target.dbUrl, target.table, [await ADAPTERS[engine]()]);
}

/** The one line for a database error: what is wrong and, where there is one, what to do. */
export function dbErrorLine(err: DbError): string {
  if (err instanceof MissingTableError) {
    return `the registrant table ("${err.table}") does not exist in ${err.maskedUrl}: run \`uacreg db create\``;
  }
  if (
    err instanceof SchemaError &&
    !(err instanceof SchemaVersionError) &&
    /no such table|does not exist|doesn't exist|Invalid object name/i.test(err.message)
  ) {
    return `${err.message} (run \`uacreg db create\`?)`;
  }
  return err.message;
}

/** Opens, runs `fn`, closes; a DbError becomes `ERROR: <one line>` and exit 1 (messages carry masked URLs only). */
export async function withRepository(
  target: DbTarget,
  io: CliIo,
  fn: (repo: Repo) => Promise<number>,
): Promise<number> {
  let repo: Repo | undefined;
  try {
    repo = await open(target);
    return await fn(repo);
  } catch (err) {
    if (err instanceof DbError) {
      io.stderr(`ERROR: ${dbErrorLine(err)}\n`);
      return ExitCode.failed;
    }
    throw err;
  } finally {
    await repo?.close().catch(() => undefined);
  }
}

/**
 * `db create`: the registrant table (version 3) and its version row, and the cluster tables `uacreg_node`,
 * `uacreg_lease`, `uacreg_dialog` (docs/cluster.md §2), each when absent. The cluster tables are always created:
 * they are small, stay empty without clustering, and a node joining a cluster later then needs no second step.
 */
export function dbCreate(target: DbTarget, io: CliIo): Promise<number> {
  return withRepository(target, io, async (repo) => {
    await repo.createSchema();
    await repo.checkSchema();
    await repo.createClusterSchema();
    io.stdout(
      `table ${target.table.tableName ?? "registrant"} (version 3) and the cluster tables are ready in ${parseDbUrl(target.dbUrl).masked}\n`,
    );
    return ExitCode.ok;
  });
}

/** `db list`: every row as a JSON array (4-space indent), streamed; passwords are masked. */
export function dbList(target: DbTarget, io: CliIo): Promise<number> {
  return withRepository(target, io, async (repo) => {
    await repo.checkSchema();
    let n = 0;
    for await (const row of repo.loadAll()) {
      const shown = { ...row, password: row.password === null ? null : "********" };
      const text = JSON.stringify(shown, null, 4).replace(/\n/g, "\n    ");
      io.stdout(`${n === 0 ? "[\n    " : ",\n    "}${text}`);
      n++;
    }
    io.stdout(n === 0 ? "[]\n" : "\n]\n");
    return ExitCode.ok;
  });
}
