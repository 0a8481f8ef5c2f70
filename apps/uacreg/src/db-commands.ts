/**
 * `uacreg db create | import <file.csv> | list`: schema creation, CSV bulk upsert and listing through @uacreg/db.
 * The engine adapter is loaded on demand from the `db_url` scheme, so a SQLite user never loads a MySQL driver.
 */
import { readFile } from "node:fs/promises";
import {
  type DbAdapter,
  DbError,
  type DbEngine,
  DataError,
  type OpenedDatabase,
  openRepository,
  parseDbUrl,
  SchemaError,
} from "@uacreg/db";
import type { ValidationContext } from "@uacreg/core";
import type { TableNaming } from "./cli-config.js";
import { type CliIo, ExitCode } from "./cli-io.js";
import { parseRegistrantCsv } from "./registrant-csv.js";

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

/** Rows per multi-row INSERT batch in `db import`. */
const IMPORT_CHUNK = 500;

async function open(target: DbTarget): Promise<Repo> {
  const engine = parseDbUrl(target.dbUrl).engine;
  return openRepository(target.dbUrl, target.table, [await ADAPTERS[engine]()]);
}

/** Opens, runs `fn`, closes; a DbError becomes `ERROR: <message>` and exit 1 (messages carry masked URLs only). */
async function withRepository(target: DbTarget, io: CliIo, fn: (repo: Repo) => Promise<number>): Promise<number> {
  let repo: Repo | undefined;
  try {
    repo = await open(target);
    return await fn(repo);
  } catch (err) {
    if (err instanceof DbError) {
      const hint = err instanceof SchemaError ? " (run `uacreg db create` first?)" : "";
      io.stderr(`ERROR: ${err.message}${hint}\n`);
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

/**
 * `db import <file.csv>`: upserts every good row (insert, or update the row with the same aor, binding_URI and
 * registrar); bad rows are reported by line number and skipped. Exit 0 when every row went in, 1 when some were
 * skipped.
 */
export async function dbImport(target: DbTarget, file: string, io: CliIo): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    io.stderr(`ERROR: cannot read ${file}: ${(err as Error).message}\n`);
    return ExitCode.usage;
  }
  const { rows, problems } = parseRegistrantCsv(text, target.table, target.rowValidation);
  return withRepository(target, io, async (repo) => {
    await repo.checkSchema();
    let imported = 0;
    // Fast path: multi-row INSERTs per chunk. A chunk that hits an existing key (or a value the database refuses)
    // is redone row by row with upsert, which also tells which line was refused.
    for (let i = 0; i < rows.length; i += IMPORT_CHUNK) {
      const chunk = rows.slice(i, i + IMPORT_CHUNK);
      try {
        await repo.insertMany(chunk.map((r) => r.row));
        imported += chunk.length;
        continue;
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
      }
      for (const { line, row } of chunk) {
        try {
          await repo.upsert(row);
          imported++;
        } catch (err) {
          if (!(err instanceof DataError)) throw err;
          problems.push({ line, message: err.message });
        }
      }
    }
    problems.sort((a, b) => a.line - b.line);
    for (const p of problems) io.stderr(`${file}:${p.line}: skipped: ${p.message}\n`);
    io.stdout(`imported ${imported} row(s), skipped ${problems.length}\n`);
    return problems.length === 0 ? ExitCode.ok : ExitCode.failed;
  });
}
