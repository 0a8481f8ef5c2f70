import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DbConnectionError, DbUrlError, defaultTableConfig, openRepository } from "@uacreg/db";
import { type OpenedRepository, registrantRepositorySuite } from "@uacreg/db/testing";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteAdapter } from "./index.js";

let dir = "";
const file = () => join(dir, "uacreg.db");
const fixture = readFileSync(new URL("../test/fixtures/opensips-sqlite.sql", import.meta.url), "utf8");

function withDb<T>(f: (db: Database.Database) => T): T {
  const db = new Database(file());
  try {
    return f(db);
  } finally {
    db.close();
  }
}

registrantRepositorySuite(
  { describe, it, expect, beforeAll, afterAll },
  {
    name: "SQLite",
    setup: async () => {
      dir = mkdtempSync(join(tmpdir(), "uacreg-db-sqlite-"));
    },
    teardown: async () => {
      rmSync(dir, { recursive: true, force: true });
    },
    open: (table, options) =>
      openRepository(`sqlite://${file()}`, table, [sqliteAdapter], options) as Promise<OpenedRepository>,
    exec: async (sql) => withDb((db) => void db.exec(sql)),
    columns: async (table) =>
      withDb((db) =>
        (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>).map((r) => r.name),
      ),
    opensipsFixture: fixture,
    bulkRows: 100_000,
  },
);

describe("SQLite adapter specifics", () => {
  let tmp = "";
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "uacreg-db-sqlite-x-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("opens a relative sqlite:// path against the working directory and :memory:", async () => {
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      const repo = await openRepository("sqlite://rel.db", {}, [sqliteAdapter]);
      await repo.createSchema();
      await repo.close();
      expect(withDbAt(join(tmp, "rel.db"), (db) => db.prepare("SELECT table_version FROM version").get())).toEqual({
        table_version: 3,
      });
    } finally {
      process.chdir(cwd);
    }
    const mem = await openRepository("sqlite://:memory:", defaultTableConfig, [sqliteAdapter]);
    await mem.createSchema();
    expect(await mem.count()).toBe(0);
    await mem.close();
  });

  it("delivers text in an INTEGER column (expiry, state) as not-a-number for the engine to reject, never as a default", async () => {
    const path = join(tmp, "text-ints.db");
    const repo = await openRepository(`sqlite://${path}`, {}, [sqliteAdapter]);
    try {
      await repo.createSchema();
      withDbAt(path, (db) =>
        db.exec(
          `INSERT INTO registrant (registrar, aor, binding_URI, expiry, state) VALUES
             ('sip:r', 'sip:a@x', 'sip:a@h', 'soon', 0),
             ('sip:r', 'sip:b@x', 'sip:b@h', 600, 'off'),
             ('sip:r', 'sip:c@x', 'sip:c@h', '900', '1')`,
        ),
      );
      const rows = [];
      for await (const r of repo.loadAll()) rows.push(r);
      expect(rows.map((r) => [r.aor, r.expiry, r.state])).toEqual([
        ["sip:a@x", Number.NaN, 0],
        ["sip:b@x", 600, Number.NaN],
        ["sip:c@x", 900, 1],
      ]);
    } finally {
      await repo.close();
    }
  });

  it("rejects an unknown URL option naming the known ones", async () => {
    await expect(openRepository(`sqlite://${join(tmp, "a.db")}?cache=shared`, {}, [sqliteAdapter])).rejects.toThrow(
      DbUrlError,
    );
  });

  it("creates the database file's directory (as TypeORM's driver does; `uacreg db create` relies on it)", async () => {
    const path = join(tmp, "new-dir", "deeper", "r.db");
    const repo = await openRepository(`sqlite://${path}`, defaultTableConfig, [sqliteAdapter]);
    try {
      await repo.createSchema();
      await repo.checkSchema();
      expect(existsSync(path)).toBe(true);
    } finally {
      await repo.close();
    }
  });

  it("reports an unopenable file as a typed error", async () => {
    const err = await openRepository("sqlite:///nonexistent-dir-uacreg/x/y.db?readonly=1", {}, [sqliteAdapter], {
      retry: { attempts: 1 },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbConnectionError);
  });
});

function withDbAt<T>(path: string, f: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return f(db);
  } finally {
    db.close();
  }
}
