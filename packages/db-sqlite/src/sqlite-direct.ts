/**
 * The embedded SQLite's start-up without TypeORM (docs/performance-startup.md): the catalog and version-row queries,
 * the registrant table's DDL on a new database, and the page reads of `loadAll` run on a better-sqlite3 connection of
 * this package's own. TypeORM and its DataSource (0.2 CPU-s to load) come with the first write, on a second
 * connection to the same file: every statement here is one synchronous call, so neither connection holds a lock
 * while the other waits. The connection is opened as TypeORM's better-sqlite3 driver opens it (the file's directory
 * created, `readonly`, `timeout`, `foreign_keys = ON`: `uacreg db create` relies on the directory) on first use, so
 * an unopenable file fails inside the repository's retry and error translation, as before.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DirectConnection, ParsedDbUrl } from "@uacreg/db";
import Database from "better-sqlite3";
import { sqliteConnectionOptions } from "./sqlite-dialect.js";

export class SqliteDirectConnection implements DirectConnection {
  readonly #url: ParsedDbUrl;
  #db: Database.Database | undefined;

  constructor(url: ParsedDbUrl) {
    this.#url = url;
  }

  /** The better-sqlite3 handle, opened on first use. */
  handle(): Database.Database {
    if (this.#db === undefined) {
      const { readonly, timeout } = sqliteConnectionOptions(this.#url);
      mkdirSync(dirname(this.#url.database), { recursive: true });
      const db = new Database(this.#url.database, { readonly, timeout });
      db.pragma("foreign_keys = ON");
      this.#db = db;
    }
    return this.#db;
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<unknown> {
    const statement = this.handle().prepare(sql);
    if (statement.reader) return statement.all(...params);
    statement.run(...params);
    return [];
  }

  async close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
  }
}
