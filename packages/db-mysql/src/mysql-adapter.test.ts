import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  DbAuthenticationError,
  DbConnectionError,
  DuplicateKeyError,
  openRepository,
  parseDbUrl,
  resolveTableConfig,
} from "@uacreg/db";
import { leaseStoreConformance } from "@uacreg/cluster/testing";
import {
  emptyClusterTables,
  type OpenedRepository,
  registrantRepositorySuite,
  sampleRow,
  sqlLeaseStoreSuite,
} from "@uacreg/db/testing";
import mysql from "mysql2/promise";
import { RegistrantEngine } from "@uacreg/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mysqlAdapter, mysqlDialect } from "./index.js";

const adminUrl = process.env.UACREG_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";
const admin = parseDbUrl(adminUrl);
const dbName = `uacreg_t_${randomBytes(5).toString("hex")}`;
const testUrl = adminUrl.replace(/\/[^/?]*(\?.*)?$/, `/${dbName}`);
const fixture = readFileSync(new URL("../test/fixtures/opensips-mysql.sql", import.meta.url), "utf8");

async function withConn<T>(database: string, f: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection({
    host: admin.host ?? "127.0.0.1",
    port: admin.port ?? 3306,
    user: admin.user ?? "root",
    password: admin.password ?? "",
    database,
    multipleStatements: true,
    connectTimeout: 3000,
  });
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

async function reachable(): Promise<boolean> {
  try {
    await withConn(admin.database, (c) => c.query("SELECT 1"));
    return true;
  } catch {
    return false;
  }
}

const available = await reachable();
if (!available) {
  const msg = `MySQL/MariaDB at ${admin.masked} is unreachable`;
  // A URL given explicitly is a server the run expects: fail, never skip.
  if (process.env.UACREG_REQUIRE_SERVERS === "1" || process.env.UACREG_TEST_MYSQL_URL !== undefined) {
    describe("MySQL/MariaDB server", () => {
      it("is reachable (UACREG_REQUIRE_SERVERS=1 or UACREG_TEST_MYSQL_URL set)", () => {
        throw new Error(msg);
      });
    });
  } else {
    console.warn(
      `\n!!!!! SKIPPING the MySQL/MariaDB adapter tests: ${msg} (set UACREG_REQUIRE_SERVERS=1 to fail) !!!!!\n`,
    );
  }
}

describe("MySQL/MariaDB adapter, offline", () => {
  it("maps db_url parts and TLS options to mysql2", () => {
    expect(
      mysqlDialect.dataSourceOptions(parseDbUrl("mysql://opensips:rw%2F1@db:3307/opensips?ssl=true")),
    ).toMatchObject({
      type: "mysql",
      host: "db",
      port: 3307,
      username: "opensips",
      password: "rw/1",
      database: "opensips",
      charset: "utf8mb4",
      ssl: { rejectUnauthorized: true },
    });
    expect(mysqlDialect.dataSourceOptions(parseDbUrl("mariadb://u@h/d?ssl=skip-verify"))).toMatchObject({
      ssl: { rejectUnauthorized: false },
      port: 3306,
    });
    expect(mysqlDialect.dataSourceOptions(parseDbUrl("mysql://u@h/d"))).not.toHaveProperty("ssl");
  });
});

const open = (url: string, table = resolveTableConfig({}), options = {}) =>
  openRepository(url, table, [mysqlAdapter], options) as Promise<OpenedRepository>;

describe.skipIf(!available)("MySQL/MariaDB", () => {
  beforeAll(() => withConn(admin.database, (c) => c.query(`CREATE DATABASE ${dbName} CHARACTER SET utf8mb4`)));
  afterAll(() => withConn(admin.database, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName}`)));

  registrantRepositorySuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: "MariaDB",
      setup: async () => {},
      teardown: async () => {},
      open: (table, options) => open(testUrl, table, options),
      exec: (sql) => withConn(dbName, (c) => c.query(sql)).then(() => undefined),
      columns: (table) =>
        withConn(dbName, (c) =>
          c.query(
            "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
            [table],
          ),
        ).then(([rows]) => (rows as Array<{ c: string }>).map((r) => r.c)),
      opensipsFixture: fixture,
      killConnections: () =>
        withConn(admin.database, async (c) => {
          const [rows] = await c.query(
            "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()",
            [dbName],
          );
          for (const r of rows as Array<{ id: number }>) await c.query(`KILL CONNECTION ${Number(r.id)}`);
        }),
      server: {
        host: admin.host ?? "127.0.0.1",
        port: admin.port ?? 3306,
        openVia: (port, table, options) => {
          const auth =
            admin.user === undefined
              ? ""
              : `${encodeURIComponent(admin.user)}${admin.password === undefined ? "" : `:${encodeURIComponent(admin.password)}`}@`;
          return open(`mysql://${auth}127.0.0.1:${port}/${dbName}`, table, options);
        },
      },
      engine: (repository, clock) =>
        new RegistrantEngine({
          // No registrar: every REGISTER times out; the test is about the database.
          transport: { send: async () => ({ kind: "timeout" }), hasSocket: () => true },
          repository,
          clock,
          params: {},
        }),
      bulkRows: 20_000,
    },
  );

  describe("MySQL/MariaDB cluster tables (docs/cluster.md §2, §3)", () => {
    const query = (sql: string) =>
      withConn(dbName, (c) => c.query(sql)).then(
        ([rows]) => (Array.isArray(rows) ? rows : []) as Array<Record<string, unknown>>,
      );
    const openDb = () => openRepository(testUrl, {}, [mysqlAdapter]);

    sqlLeaseStoreSuite(
      { describe, it, expect, beforeAll, afterAll },
      { name: "MySQL/MariaDB", open: openDb, query },
      leaseStoreConformance,
    );
    it("stores times as DATETIME(3) of UTC_TIMESTAMP(3), read back as epoch milliseconds", async () => {
      const db = await openDb();
      try {
        await emptyClusterTables(db, query);
        const joined = await db.leaseStore().join({ name: "a", incarnation: "a-1" }, 15_000, "x");
        if (joined.kind !== "joined") throw new Error("not joined");
        const [col] = await query(
          `SELECT COLUMN_TYPE AS t, COLLATION_NAME AS c FROM information_schema.COLUMNS
           WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'uacreg_node' AND COLUMN_NAME IN ('expires_at')`,
        );
        expect(col?.t).toBe("datetime(3)");
        const [name] = await query(
          `SELECT COLLATION_NAME AS c FROM information_schema.COLUMNS
           WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'uacreg_lease' AND COLUMN_NAME = 'unit'`,
        );
        expect(name?.c).toBe("utf8mb4_bin");
        // Database time is real epoch time (UNIX_TIMESTAMP ignores the session time zone), not a local wall time.
        const [unix] = await query("SELECT CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED) AS e");
        expect(Math.abs(Number(unix?.e) - joined.dbNow)).toBeLessThan(60_000);
        const expires = (await db.leaseStore().snapshot()).members[0]?.expiresAt;
        expect(expires! - joined.dbNow).toBeGreaterThanOrEqual(14_900);
        expect(expires! - joined.dbNow).toBeLessThanOrEqual(15_001);
      } finally {
        await db.close();
      }
    });
  });

  describe("MySQL/MariaDB adapter specifics", () => {
    it("reads CHAR values without trailing spaces and matches the key with PAD SPACE", async () => {
      const repo = await open(testUrl, resolveTableConfig({ tableName: "pad_reg" }));
      try {
        await repo.createSchema();
        const row = sampleRow(1, { aor: "sip:pad@example.com  ", username: "user   " });
        await repo.insert(row);
        const [loaded] = await (async () => {
          const out = [];
          for await (const r of repo.loadAll()) out.push(r);
          return out;
        })();
        expect(loaded?.aor).toBe("sip:pad@example.com");
        expect(loaded?.username).toBe("user");
        const key = { aor: "sip:pad@example.com", contact: row.binding_URI, registrar: row.registrar };
        expect((await repo.findOne(key))?.aor).toBe("sip:pad@example.com");
      } finally {
        await repo.close();
      }
    });

    it("on an OpenSIPS table with a case-insensitive collation, a write for one key never lands on a row whose key differs only in case", async () => {
      await withConn(dbName, (c) =>
        c.query(
          `CREATE TABLE ci_reg (
    id INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
    registrar CHAR(255) DEFAULT '' NOT NULL, proxy CHAR(255) DEFAULT NULL, aor CHAR(255) DEFAULT '' NOT NULL,
    third_party_registrant CHAR(255) DEFAULT NULL, username CHAR(64) DEFAULT NULL, password CHAR(64) DEFAULT NULL,
    binding_URI CHAR(255) DEFAULT '' NOT NULL, binding_params CHAR(64) DEFAULT NULL, expiry INT(1) UNSIGNED DEFAULT NULL,
    forced_socket CHAR(64) DEFAULT NULL, cluster_shtag CHAR(64) DEFAULT NULL, state INT DEFAULT 0 NOT NULL,
    CONSTRAINT registrant_idx UNIQUE (aor, binding_URI, registrar)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`,
        ),
      );
      const repo = await open(testUrl, resolveTableConfig({ tableName: "ci_reg" }));
      try {
        const lower = sampleRow(3, { aor: "sip:my3@example.com", username: "lower" });
        const upper = sampleRow(3, { aor: "sip:MY3@example.com", username: "upper" });
        const keyOf = (r: typeof lower) => ({ aor: r.aor, contact: r.binding_URI, registrar: r.registrar });
        await repo.insert(lower);
        expect(await repo.findOne(keyOf(upper))).toBeUndefined();
        await repo.updateState(keyOf(upper), 1);
        await expect(repo.upsert({ ...upper, state: 1 })).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await repo.delete(keyOf(upper))).toBe(false);
        expect(await repo.findOne(keyOf(lower))).toMatchObject({
          aor: "sip:my3@example.com",
          username: "lower",
          state: 0,
        });
      } finally {
        await repo.close();
      }
    });

    it("creates the OpenSIPS types and index name", async () => {
      const repo = await open(testUrl, resolveTableConfig({ tableName: "types_reg" }));
      try {
        await repo.createSchema();
      } finally {
        await repo.close();
      }
      const [rows] = await withConn(dbName, (c) => c.query("SHOW CREATE TABLE types_reg"));
      const ddl = String((rows as Array<Record<string, string>>)[0]?.["Create Table"]);
      expect(ddl).toMatch(/`id` int\(10\) unsigned NOT NULL AUTO_INCREMENT/);
      expect(ddl).toMatch(/`binding_URI` char\(255\) NOT NULL DEFAULT ''/);
      expect(ddl).toMatch(/`expiry` int\(1\) unsigned DEFAULT NULL/);
      expect(ddl).toMatch(/UNIQUE KEY `registrant_idx` \(`aor`,`binding_URI`,`registrar`\)/);
      expect(ddl).toMatch(/COLLATE=utf8mb4_bin/); // the unique key tells sip:MY3@… from sip:my3@…
    });

    it("never shows the password of a rejected login", async () => {
      const secret = "Wr0ng-p@ss:word/x";
      const url = testUrl.replace(
        /^mysql:\/\/[^@]*@/,
        `mysql://${admin.user ?? "root"}:${encodeURIComponent(secret)}@`,
      );
      const err = await open(url, undefined, { retry: { attempts: 1 } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DbAuthenticationError);
      const text = `${(err as Error).message} ${(err as Error).stack} ${JSON.stringify(err)}`;
      expect(text).toContain("Access denied");
      expect(text).not.toContain(secret);
      expect(text).not.toContain(encodeURIComponent(secret));
    });

    it("reports an unreachable server as DbConnectionError", async () => {
      const err = await open("mysql://u:topsecretpw@127.0.0.1:1/db", undefined, {
        retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DbConnectionError);
      expect((err as Error).message).not.toContain("topsecretpw");
    });
  });
});
