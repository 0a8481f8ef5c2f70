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

  it("counts the rows and reads every column right across pages (values shared by many rows or one per row)", async () => {
    const path = join(tmp, "shared.db");
    const repo = await openRepository(`sqlite://${path}`, {}, [sqliteAdapter], { pageSize: 500 });
    try {
      await repo.createSchema();
      const rows = 2600;
      const db = new Database(path);
      const ins = db.prepare(
        `INSERT INTO registrant (registrar, proxy, aor, third_party_registrant, binding_URI, binding_params,
           forced_socket, cluster_shtag, expiry, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 60, 0)`,
      );
      // registrar: 3 values; proxy: one value, then one per row past row 1,000; third party: one per row;
      // binding_params: NULL, '' or one value; forced_socket and cluster_shtag: 1,100 values cycled.
      db.transaction(() => {
        for (let i = 0; i < rows; i++) {
          ins.run(
            `sip:reg${i % 3}.test`,
            i < 1000 ? "sip:proxy.test" : `sip:p${i}.test`,
            `sip:u${i}@reg.test`,
            `sip:t${i}@reg.test`,
            `sip:u${i}@127.0.0.1:5060`,
            i % 3 === 0 ? null : i % 3 === 1 ? "" : "transport=tcp",
            `udp:127.0.0.${i % 1100}:5060`,
            `tag${i % 1100}/a`,
          );
        }
      })();
      db.close();
      expect(await repo.count()).toBe(rows);
      let i = 0;
      for await (const page of repo.loadPages?.() ?? []) {
        for (const row of page) {
          expect([row.registrar, row.proxy, row.aor, row.third_party_registrant, row.binding_URI]).toEqual([
            `sip:reg${i % 3}.test`,
            i < 1000 ? "sip:proxy.test" : `sip:p${i}.test`,
            `sip:u${i}@reg.test`,
            `sip:t${i}@reg.test`,
            `sip:u${i}@127.0.0.1:5060`,
          ]);
          expect([row.binding_params, row.forced_socket, row.cluster_shtag]).toEqual([
            i % 3 === 2 ? "transport=tcp" : null,
            `udp:127.0.0.${i % 1100}:5060`,
            `tag${i % 1100}/a`,
          ]);
          i++;
        }
      }
      expect(i).toBe(rows);
    } finally {
      await repo.close();
    }
  });

  it("reads a page whose optional columns hold the separator U+001F, '' or NULL exactly as stored", async () => {
    const path = join(tmp, "separator.db");
    const repo = await openRepository(`sqlite://${path}`, {}, [sqliteAdapter], { pageSize: 4 });
    try {
      await repo.createSchema();
      const db = new Database(path);
      const ins = db.prepare(
        `INSERT INTO registrant (registrar, proxy, aor, third_party_registrant, binding_URI, binding_params,
           forced_socket, cluster_shtag, expiry, state) VALUES ('sip:reg.test', ?, ?, ?, ?, ?, ?, ?, NULL, 1)`,
      );
      const rare = (i: number): Array<string | null> => {
        if (i === 5) return ["sip:p.test", null, "a\x1fb", null, "tag/\x1f"]; // two separators more: cut wrong
        if (i === 6) return ["", "", "", "", ""];
        if (i % 2 === 0) return [null, null, null, null, null];
        return ["sip:proxy.test", `sip:t${i}@reg.test`, "transport=tcp", "udp:127.0.0.1:5060", "t/1"];
      };
      for (let i = 0; i < 10; i++) {
        const [proxy, third, params, socket, tag] = rare(i);
        ins.run(proxy, `sip:u${i}@reg.test`, third, `sip:u${i}@127.0.0.1`, params, socket, tag);
      }
      db.close();
      const read: unknown[][] = [];
      for await (const page of repo.loadPages?.() ?? []) {
        for (const r of page) {
          read.push([r.proxy, r.third_party_registrant, r.binding_params, r.forced_socket, r.cluster_shtag]);
          expect([r.aor, r.expiry, r.state]).toEqual([`sip:u${read.length - 1}@reg.test`, null, 1]);
        }
      }
      // NULL and '' are both null (docs/opensips-behaviour.md §2.2); the separator stays inside its value.
      expect(read).toEqual(Array.from({ length: 10 }, (_, i) => rare(i).map((v) => (v === "" ? null : v))));
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
