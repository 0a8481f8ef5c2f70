import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  DbAuthenticationError,
  DbConnectionError,
  DbUrlError,
  type OpenedDatabase,
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
import pg from "pg";
import { RegistrantEngine } from "@uacreg/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresAdapter, postgresDialect, postgresRegistrantDdl } from "./index.js";

const adminUrl = process.env.UACREG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const dbName = `uacreg_t_${randomBytes(5).toString("hex")}`;
const testUrl = adminUrl.replace(/\/[^/?]*(\?.*)?$/, `/${dbName}$1`).replace(/\$1$/, "");
const fixture = readFileSync(new URL("../test/fixtures/opensips-postgres.sql", import.meta.url), "utf8");

async function withClient<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await f(client);
  } finally {
    await client.end();
  }
}

async function reachable(): Promise<boolean> {
  try {
    await withClient(adminUrl, (c) => c.query("SELECT 1"));
    return true;
  } catch {
    return false;
  }
}

const available = await reachable();
if (!available) {
  const msg = `PostgreSQL at ${adminUrl.replace(/:[^:@/]*@/, ":***@")} is unreachable`;
  // A URL given explicitly is a server the run expects: fail, never skip.
  if (process.env.UACREG_REQUIRE_SERVERS === "1" || process.env.UACREG_TEST_PG_URL !== undefined) {
    describe("PostgreSQL server", () => {
      it("is reachable (UACREG_REQUIRE_SERVERS=1 or UACREG_TEST_PG_URL set)", () => {
        throw new Error(msg);
      });
    });
  } else {
    console.warn(
      `\n!!!!! SKIPPING the PostgreSQL adapter tests: ${msg} (set UACREG_REQUIRE_SERVERS=1 to fail) !!!!!\n`,
    );
  }
}

describe("PostgreSQL adapter, offline", () => {
  it("maps db_url parts and TLS options to pg", () => {
    const o = postgresDialect.dataSourceOptions(
      parseDbUrl("postgresql://us%40r:p%3Aw@db.example.com:5433/reg?sslmode=require&application_name=x"),
    );
    expect(o).toMatchObject({
      type: "postgres",
      host: "db.example.com",
      port: 5433,
      username: "us@r",
      password: "p:w",
      database: "reg",
      ssl: { rejectUnauthorized: false },
      applicationName: "x",
    });
    expect(postgresDialect.dataSourceOptions(parseDbUrl("postgres://u@h/d?sslmode=verify-full"))).toMatchObject({
      ssl: { rejectUnauthorized: true },
    });
    expect(postgresDialect.dataSourceOptions(parseDbUrl("postgres://u@h/d"))).toMatchObject({ ssl: false, port: 5432 });
  });

  it("writes the OpenSIPS column types with lower-cased (folded) names", () => {
    const stored = {
      tableName: "registrant",
      columns: Object.fromEntries(
        Object.entries(resolveTableConfig({}).columns).map(([k, v]) => [k, postgresDialect.storedName(v)]),
      ) as ReturnType<typeof resolveTableConfig>["columns"],
    };
    const [create, seq] = postgresRegistrantDdl(stored);
    expect(create).toContain("id SERIAL PRIMARY KEY NOT NULL");
    expect(create).toContain(`"binding_uri" VARCHAR(255) DEFAULT '' NOT NULL`);
    expect(create).toContain(`"expiry" INTEGER DEFAULT NULL`);
    expect(create).toContain(`CONSTRAINT "registrant_registrant_idx" UNIQUE ("aor", "binding_uri", "registrar")`);
    expect(seq).toContain("MAXVALUE 2147483647 CYCLE");
  });
});

const open = (url: string, table = resolveTableConfig({}), options = {}) =>
  openRepository(url, table, [postgresAdapter], options) as Promise<OpenedRepository>;

describe.skipIf(!available)("PostgreSQL", () => {
  beforeAll(() => withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${dbName}`)).then(() => undefined));
  afterAll(() =>
    withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)).then(() => undefined),
  );
  registrantRepositorySuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: "PostgreSQL",
      setup: async () => {},
      teardown: async () => {},
      open: (table, options) => open(testUrl, table, options),
      exec: (sql) => withClient(testUrl, (c) => c.query(sql)).then(() => undefined),
      columns: (table) =>
        withClient(testUrl, (c) =>
          c.query<{ column_name: string }>(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
            [table.toLowerCase()],
          ),
        ).then((r) => r.rows.map((x) => x.column_name)),
      opensipsFixture: fixture,
      killConnections: () =>
        withClient(adminUrl, (c) =>
          c.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            [dbName],
          ),
        ).then(() => undefined),
      server: {
        host: parseDbUrl(testUrl).host ?? "127.0.0.1",
        port: parseDbUrl(testUrl).port ?? 5432,
        openVia: (port, table, options) => {
          const u = parseDbUrl(testUrl);
          const auth =
            u.user === undefined
              ? ""
              : `${encodeURIComponent(u.user)}${u.password === undefined ? "" : `:${encodeURIComponent(u.password)}`}@`;
          return open(`postgres://${auth}127.0.0.1:${port}/${u.database}`, table, options);
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
      bulkRows: 100_000,
    },
  );

  describe("PostgreSQL cluster tables (docs/cluster.md §2, §3)", () => {
    const query = (sql: string) =>
      withClient(testUrl, (c) => c.query(sql)).then((r) => r.rows as Array<Record<string, unknown>>);
    const openDb = () => openRepository(testUrl, {}, [postgresAdapter]);

    sqlLeaseStoreSuite(
      { describe, it, expect, beforeAll, afterAll },
      { name: "PostgreSQL", open: openDb, query },
      leaseStoreConformance,
    );
    let db: OpenedDatabase;
    beforeAll(async () => {
      db = await openDb();
    });
    afterAll(() => db.close());

    it("stores times as TIMESTAMPTZ(3) and keys with the C collation", async () => {
      await db.createClusterSchema();
      const cols = await query(
        `SELECT column_name, data_type, datetime_precision, collation_name FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = 'uacreg_node' ORDER BY ordinal_position`,
      );
      expect(cols.find((c) => c.column_name === "expires_at")).toMatchObject({
        data_type: "timestamp with time zone",
        datetime_precision: 3,
      });
      expect(cols.find((c) => c.column_name === "name")?.collation_name).toBe("C");
    });

    it("wakes a listening node on a release and on a leave, not on a refused release (NOTIFY uacreg_cluster)", async () => {
      await emptyClusterTables(db, query);
      const listener = await openDb();
      const store = db.leaseStore();
      let heard = 0;
      let wake: (() => void) | undefined;
      const next = () =>
        new Promise<void>((resolve) => {
          wake = resolve;
        });
      const notifier = listener.leaseStore().notifier;
      if (!notifier) throw new Error("PostgreSQL has a notifier");
      const sub = await notifier.listen(() => {
        heard++;
        wake?.();
      });
      try {
        const a = { name: "a", incarnation: "a-1" };
        await store.join(a, 600_000, "x");
        await store.ensureUnits(["u"]);
        expect(await store.claim(a, "u", 0)).toBe(1);
        let woken = next();
        expect(await store.release(a, "u", 1)).toBe(true);
        await woken;
        expect(heard).toBe(1);
        expect(await store.release(a, "u", 1)).toBe(false);
        woken = next();
        await store.leave(a);
        await woken;
        expect(heard).toBe(2);
      } finally {
        await sub.close();
        await listener.close();
      }
    });
  });

  describe("PostgreSQL adapter specifics", () => {
    it("matches mixed-case configured names against a table created with quoted mixed-case columns", async () => {
      await withClient(testUrl, async (c) => {
        await c.query(`CREATE TABLE "Quoted_Reg" (id SERIAL PRIMARY KEY, registrar VARCHAR(255) NOT NULL DEFAULT '',
          proxy VARCHAR(255), aor VARCHAR(255) NOT NULL DEFAULT '', third_party_registrant VARCHAR(255),
          username VARCHAR(64), password VARCHAR(64), "binding_URI" VARCHAR(255) NOT NULL DEFAULT '',
          binding_params VARCHAR(64), expiry INTEGER, forced_socket VARCHAR(64), cluster_shtag VARCHAR(64),
          state INTEGER NOT NULL DEFAULT 0, UNIQUE (aor, "binding_URI", registrar))`);
        await c.query(`INSERT INTO version (table_name, table_version) VALUES ('Quoted_Reg', 3)`);
      });
      const repo = await open(testUrl, resolveTableConfig({ tableName: "Quoted_Reg" }));
      try {
        await repo.checkSchema();
        await repo.insert(sampleRow(1));
        const got = await repo.findOne({
          aor: sampleRow(1).aor,
          contact: sampleRow(1).binding_URI,
          registrar: sampleRow(1).registrar,
        });
        expect(got?.binding_URI).toBe(sampleRow(1).binding_URI);
      } finally {
        await repo.close();
      }
    });

    it("creates unquoted-style (lower-case) names, as OpenSIPS's script does", async () => {
      const repo = await open(
        testUrl,
        resolveTableConfig({ tableName: "Mixed_Reg", columns: { binding_URI: "Contact_URI" } }),
      );
      try {
        await repo.createSchema();
        await repo.insert(sampleRow(2));
        const cols = await withClient(testUrl, (c) =>
          c.query<{ column_name: string }>(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'mixed_reg' ORDER BY ordinal_position",
          ),
        );
        expect(cols.rows.map((r) => r.column_name)).toContain("contact_uri");
        // OpenSIPS would query it unquoted: that must see our row.
        const rows = await withClient(testUrl, (c) => c.query("SELECT Contact_URI FROM Mixed_Reg"));
        expect(rows.rows[0]).toEqual({ contact_uri: sampleRow(2).binding_URI });
        const idx = await withClient(testUrl, (c) =>
          c.query(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'mixed_reg' AND indexname LIKE '%registrant_idx'",
          ),
        );
        expect(idx.rows).toEqual([{ indexname: "mixed_reg_registrant_idx" }]);
      } finally {
        await repo.close();
      }
    });

    it("never shows the password of a rejected login", async () => {
      const secret = "S3cr3t-p@ss/word";
      const url = testUrl.replace(
        /^postgres(ql)?:\/\/[^@]*@/,
        `postgres://uacreg_nobody:${encodeURIComponent(secret)}@`,
      );
      const err = await open(url, undefined, { retry: { attempts: 1 } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DbAuthenticationError);
      const text = `${(err as Error).message} ${(err as Error).stack} ${JSON.stringify(err)}`;
      expect(text).not.toContain(secret);
      expect(text).not.toContain(encodeURIComponent(secret));
      expect((err as Error).message).toContain("uacreg_nobody:***@");
    });

    it("reports an unreachable server as DbConnectionError after the retries, password masked", async () => {
      const logs: string[] = [];
      const logger = {
        debug: () => {},
        info: () => {},
        warn: (o: object, m: string) => logs.push(`${m} ${JSON.stringify(o)}`),
        error: () => {},
      };
      const err = await open("postgres://u:topsecretpw@127.0.0.1:1/db", undefined, {
        retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
        logger,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DbConnectionError);
      expect(logs.length).toBe(2);
      expect(`${(err as Error).message}${logs.join("")}`).not.toContain("topsecretpw");
    });

    it("refuses unknown URL options", async () => {
      await expect(open(`${testUrl}?sslcompression=1`)).rejects.toBeInstanceOf(DbUrlError);
    });
  });
});
