import { randomBytes } from "node:crypto";
import { type AddressInfo, createServer } from "node:net";
import {
  CLUSTER_TABLES,
  DbConnectionError,
  leaseStatements,
  openRepository,
  parseDbUrl,
  registrantEntitySchema,
  registrantQueries,
  resolveTableConfig,
} from "@uacreg/db";
import { leaseStoreConformance } from "@uacreg/cluster/testing";
import { type OpenedRepository, registrantRepositorySuite, sampleRow, sqlLeaseStoreSuite } from "@uacreg/db/testing";
import mssql from "mssql";
import { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mssqlAdapter, mssqlDialect, mssqlRegistrantDdl } from "./index.js";

const renamed = resolveTableConfig({
  tableName: "my_reg",
  columns: { aor: "to_uri", binding_URI: "contact_uri", registrar: "reg_uri", state: "st", expiry: "exp" },
});

/** TypeORM wraps typed values (MssqlParameter { type, value }) for tedious. */
const plain = (p: unknown) => (p !== null && typeof p === "object" && "value" in p ? p.value : p);

/** A DataSource that never connects: metadata only, as toolchain.md G10 shows. */
async function offlineDataSource() {
  const schema = registrantEntitySchema(renamed);
  const ds = new DataSource({
    ...mssqlDialect.dataSourceOptions(parseDbUrl("mssql://sa:pw@127.0.0.1/uacreg")),
    entities: [schema],
  } as ConstructorParameters<typeof DataSource>[0]);
  await (ds as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
  return { ds, schema };
}

describe("MS SQL adapter, offline", () => {
  it("maps the db_url to tedious options (TLS, instance, timeout)", () => {
    const url = parseDbUrl(
      "mssql://sa:p%40ss%3Aw@db.example.com:1444/uacreg?encrypt=false&trustServerCertificate=true",
    );
    expect(url.password).toBe("p@ss:w");
    const o = mssqlDialect.dataSourceOptions(url) as unknown as Record<string, unknown>;
    expect(o).toMatchObject({
      type: "mssql",
      host: "db.example.com",
      port: 1444,
      username: "sa",
      password: "p@ss:w",
      database: "uacreg",
      options: { encrypt: false, trustServerCertificate: true },
    });
    const named = mssqlDialect.dataSourceOptions(parseDbUrl("sqlserver://sa@db/uacreg?instanceName=SQLEXPRESS"));
    expect(named).toMatchObject({ options: { encrypt: true, instanceName: "SQLEXPRESS" } });
    expect(named).not.toHaveProperty("port");
  });

  it("writes the version 3 table with SQL Server types, the configured names and the unique key", () => {
    const [ddl] = mssqlRegistrantDdl(renamed);
    expect(ddl).toContain("CREATE TABLE [my_reg] (");
    expect(ddl).toContain("id INT IDENTITY(1,1) NOT NULL PRIMARY KEY");
    // Key columns compare exactly (the server's default collation is case-insensitive: sip:MY3@… ≠ sip:my3@…).
    expect(ddl).toContain("[reg_uri] NVARCHAR(255) COLLATE Latin1_General_BIN2 NOT NULL DEFAULT ''");
    expect(ddl).toContain("[to_uri] NVARCHAR(255) COLLATE Latin1_General_BIN2 NOT NULL DEFAULT ''");
    expect(ddl).toContain("[proxy] NVARCHAR(255) NULL DEFAULT NULL");
    expect(ddl).toContain("[contact_uri] NVARCHAR(255) COLLATE Latin1_General_BIN2 NOT NULL DEFAULT ''");
    expect(ddl).toContain("[password] NVARCHAR(64) NULL DEFAULT NULL");
    expect(ddl).toContain("[exp] INT NULL DEFAULT NULL");
    expect(ddl).toContain("[st] INT NOT NULL DEFAULT 0");
    expect(ddl).toContain("CONSTRAINT [my_reg_registrant_idx] UNIQUE ([to_uri], [contact_uri], [reg_uri])");
    expect(mssqlDialect.createVersionTable()[0]).toContain("table_version INT NOT NULL DEFAULT 0");
  });

  it("pages with OFFSET/FETCH (no LIMIT) and binds every value as a parameter", async () => {
    const { ds, schema } = await offlineDataSource();
    const [first] = registrantQueries.page(ds, schema, undefined, 1000).getQueryAndParameters();
    expect(first).toMatch(/FROM "my_reg" "r" ORDER BY "r"."id" ASC OFFSET 0 ROWS FETCH NEXT 1000 ROWS ONLY$/);
    expect(first).not.toMatch(/LIMIT/);
    expect(first).toContain(`"r"."contact_uri" AS "binding_URI"`);
    const [next, nextParams] = registrantQueries.page(ds, schema, 41, 500).getQueryAndParameters();
    expect(next).toMatch(/WHERE "r"."id" > @0 ORDER BY "r"."id" ASC OFFSET 0 ROWS FETCH NEXT 500 ROWS ONLY$/);
    expect(nextParams).toEqual([41]);

    const key = { aor: "sip:a@x", contact: "sip:a@1.2.3.4", registrar: "sip:x" };
    const [find, findParams] = registrantQueries.byKey(ds, schema, mssqlDialect, key).getQueryAndParameters();
    // Every key column is compared twice: under its collation (index seek) and byte for byte (Latin1_General_BIN2),
    // because SQL Server's default collation is case-insensitive and `sip:MY3@…` must not address `sip:my3@…`.
    const exact = (col: string, p: string) => `(${col} = ${p} AND ${col} COLLATE Latin1_General_BIN2 = ${p})`;
    expect(find).toContain(
      `WHERE ${exact('"r"."to_uri"', "@0")} AND ${exact('"r"."contact_uri"', "@1")} AND ${exact('"r"."reg_uri"', "@2")}`,
    );
    expect(find).toMatch(/FETCH NEXT 1 ROWS ONLY$/);
    expect(findParams).toEqual(["sip:a@x", "sip:a@1.2.3.4", "sip:x"]);

    const [upd, updParams] = registrantQueries.updateState(ds, schema, mssqlDialect, key, 1).getQueryAndParameters();
    expect(upd).toBe(
      `UPDATE "my_reg" SET "st" = @0 WHERE ${exact('"to_uri"', "@1")} AND ${exact('"contact_uri"', "@2")} AND ${exact('"reg_uri"', "@3")}`,
    );
    expect(updParams.map(plain)).toEqual([1, "sip:a@x", "sip:a@1.2.3.4", "sip:x"]);

    const [del] = registrantQueries.delete(ds, schema, mssqlDialect, key).getQueryAndParameters();
    expect(del).toBe(
      `DELETE FROM "my_reg" WHERE ${exact('"to_uri"', "@0")} AND ${exact('"contact_uri"', "@1")} AND ${exact('"reg_uri"', "@2")}`,
    );
    const [updRow, updRowParams] = registrantQueries
      .updateRow(ds, schema, mssqlDialect, sampleRow(1, { aor: "sip:MY3@x" }))
      .getQueryAndParameters();
    expect(updRow).toMatch(/^UPDATE "my_reg" SET "proxy" = @0, .*"st" = @8 WHERE /);
    expect(updRow).toContain(
      `WHERE ${exact('"to_uri"', "@9")} AND ${exact('"contact_uri"', "@10")} AND ${exact('"reg_uri"', "@11")}`,
    );
    expect(updRowParams.map(plain).slice(9)).toEqual(["sip:MY3@x", sampleRow(1).binding_URI, sampleRow(1).registrar]);

    const row = sampleRow(1, { password: "x'); DROP TABLE my_reg; --" });
    const [ins, insParams] = registrantQueries.insert(ds, schema, row).getQueryAndParameters();
    expect(ins).toMatch(/^INSERT INTO "my_reg"\("reg_uri", "proxy", "to_uri", .*"st"\) VALUES \(@0, @1, /);
    expect(ins).not.toContain("DROP TABLE");
    expect(insParams.map(plain)).toContain("x'); DROP TABLE my_reg; --");

    const [cnt] = registrantQueries.count(ds, schema).getQueryAndParameters();
    expect(cnt).toContain(`FROM "my_reg" "r"`);
  });

  it("bulk INSERTs within SQL Server's 2100-parameter limit", () => {
    const per = Math.floor(mssqlDialect.maxParams / 12);
    expect(per * 12).toBeLessThan(2100);
    const sql = registrantQueries.insertManySql(mssqlDialect, renamed, 2);
    expect(sql).toBe(
      "INSERT INTO [my_reg] ([reg_uri], [proxy], [to_uri], [third_party_registrant], [username], [password], " +
        "[contact_uri], [binding_params], [exp], [forced_socket], [cluster_shtag], [st]) VALUES " +
        "(@0, @1, @2, @3, @4, @5, @6, @7, @8, @9, @10, @11), (@12, @13, @14, @15, @16, @17, @18, @19, @20, @21, @22, @23)",
    );
  });

  it("classifies the driver's errors by SQL Server error number and code", () => {
    const request = (num: number, message: string) =>
      new mssql.RequestError(Object.assign(new Error(message), { code: "EREQUEST", info: { number: num } }));
    const cases: Array<[unknown, string]> = [
      [request(2627, "Violation of UNIQUE KEY constraint 'registrant_registrant_idx'."), "duplicate-key"],
      [request(2601, "Cannot insert duplicate key row"), "duplicate-key"],
      [request(208, "Invalid object name 'registrant'."), "schema"],
      [request(207, "Invalid column name 'state'."), "schema"],
      [request(2628, "String or binary data would be truncated"), "data"],
      [request(515, "Cannot insert the value NULL into column 'aor'"), "data"],
      [new mssql.ConnectionError("Login failed for user 'sa'.", "ELOGIN"), "authentication"],
      [new mssql.ConnectionError("Failed to connect to db:1433 - connect ECONNREFUSED", "ESOCKET"), "connection"],
      [new mssql.ConnectionError("Connection lost - read ECONNRESET", "ESOCKET"), "connection"],
      [new mssql.RequestError("Timeout: Request failed to complete in 15000ms", "ETIMEOUT"), "connection"],
      [new mssql.ConnectionError("Connection is closed.", "ECONNCLOSED"), "connection"],
    ];
    for (const [error, kind] of cases)
      expect([String((error as Error).message), mssqlDialect.classify(error).kind]).toEqual([
        String((error as Error).message),
        kind,
      ]);
  });

  it("speaks TDS to the host and port of the URL (PRELOGIN), and a server hanging up is a DbConnectionError", async () => {
    const packets: number[] = [];
    const server = createServer((socket) => {
      socket.once("data", (chunk: Buffer) => {
        packets.push(chunk[0] ?? -1);
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const err = await openRepository(
        `mssql://sa:Hidden%23Pw1@127.0.0.1:${port}/uacreg?encrypt=false&connect_timeout=5`,
        {},
        [mssqlAdapter],
        { retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 } },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DbConnectionError);
      expect((err as Error).message).not.toContain("Hidden");
      // 0x12 = TDS PRELOGIN (MS-TDS 2.2.6.5), once per attempt.
      expect(packets).toEqual([0x12, 0x12]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("reports an unreachable server as DbConnectionError without the password", async () => {
    const err = await openRepository("mssql://sa:Sup3r%2FSecret@127.0.0.1:1/uacreg?encrypt=false", {}, [mssqlAdapter], {
      retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbConnectionError);
    expect((err as Error).message).toContain("mssql://sa:***@127.0.0.1:1/uacreg");
    expect((err as Error).message).not.toMatch(/Sup3r/);
  });
});

describe("MS SQL cluster statements, offline (docs/cluster.md §2–§4)", () => {
  const sql = leaseStatements(mssqlDialect);
  const a = { name: "a", incarnation: "a-1" };
  /** Every @n marker of a statement, in order, with its bound value. */
  const markers = (s: { sql: string; params: readonly unknown[] }) => {
    const used = [...s.sql.matchAll(/@(\d+)/g)].map((m) => Number(m[1]));
    expect(s.sql).not.toMatch(/\?|\$\d/);
    expect(Math.max(...used)).toBe(s.params.length - 1);
    return used;
  };

  it("creates each table only when absent, datetime2(3) times and BIN2 keys", () => {
    const [node] = mssqlDialect.cluster.createTable(CLUSTER_TABLES[0]!);
    expect(node).toMatch(/^IF OBJECT_ID\(N'uacreg_node', N'U'\) IS NULL CREATE TABLE \[uacreg_node\] \(/);
    expect(node).toContain("[name] NVARCHAR(128) COLLATE Latin1_General_BIN2 NOT NULL");
    expect(node).toContain("[expires_at] DATETIME2(3) NOT NULL");
    expect(node).toContain("PRIMARY KEY ([name])");
    const [dialog] = mssqlDialect.cluster.createTable(CLUSTER_TABLES[2]!);
    expect(dialog).toContain("[record_key] NVARCHAR(64) COLLATE Latin1_General_BIN2 NOT NULL");
    expect(dialog).toContain("INDEX [uacreg_dialog_unit_idx] NONCLUSTERED ([unit])");
  });

  it("claims in one UPDATE: the epoch, a free owner by NOT EXISTS on a live session in SYSUTCDATETIME()", () => {
    const claim = sql.claim(a, "tag:vip/1", 4);
    expect(claim.sql).toMatch(
      /^UPDATE \[uacreg_lease\] SET \[owner\] = @0, \[owner_incarnation\] = @1, \[epoch\] = \[epoch\] \+ 1 WHERE/,
    );
    expect(claim.sql).toContain("[unit] = @2 AND [unit] COLLATE Latin1_General_BIN2 = @3");
    expect(claim.sql).toContain("[epoch] = @4");
    expect(claim.sql).toContain("[owner] IS NULL OR NOT EXISTS (SELECT 1 FROM [uacreg_node] n WHERE");
    expect(claim.sql).toContain("n.[incarnation] = [uacreg_lease].[owner_incarnation]");
    expect(claim.sql).toContain("n.[expires_at] > SYSUTCDATETIME()");
    expect(claim.params).toEqual(["a", "a-1", "tag:vip/1", "tag:vip/1", 4]);
    markers(claim);
  });

  it("renews by name AND incarnation while live, expiry computed by the server", () => {
    const renew = sql.renew(a, 15_000);
    expect(renew.sql).toContain("SET [expires_at] = DATEADD(millisecond, @0, SYSUTCDATETIME())");
    expect(renew.sql).toContain("[name] COLLATE Latin1_General_BIN2 = @2");
    expect(renew.sql).toContain("[incarnation] COLLATE Latin1_General_BIN2 = @4");
    expect(renew.sql).toContain("[expires_at] > SYSUTCDATETIME()");
    expect(renew.params).toEqual([15_000, "a", "a", "a-1", "a-1"]);
    markers(renew);
  });

  it("releases on owner, incarnation and epoch; reserves and saves marks fenced on the lease", () => {
    const release = sql.release(a, "u", 7);
    expect(release.sql).toContain("SET [owner] = NULL, [owner_incarnation] = NULL, [epoch] = [epoch] + 1");
    expect(release.params).toEqual(["a", "a", "a-1", "a-1", "u", "u", 7]);
    markers(release);
    const fence =
      /EXISTS \(SELECT 1 FROM \[uacreg_lease\] f WHERE f\.\[unit\] = @\d+ .* AND f\.\[owner\] = @\d+ .* AND f\.\[owner_incarnation\] = @\d+ .* AND f\.\[epoch\] = @\d+\)/;
    const reserve = sql.reserveUnit(a, "u", 7, 100);
    expect(reserve.sql).toMatch(
      /^UPDATE \[uacreg_dialog\] SET \[cseq_mark\] = \[cseq_mark\] \+ @0, \[epoch\] = @1 WHERE/,
    );
    expect(reserve.sql).toMatch(fence);
    markers(reserve);
    const save = sql.saveDialog(a, "u", 7, {
      recordKey: "k".repeat(64),
      aor: "sip:a@x",
      contact: "sip:a@y",
      registrar: "sip:x",
      callId: "c",
      fromTag: "f",
      cseqMark: 101,
    });
    expect(save.sql).toMatch(
      /^MERGE INTO \[uacreg_dialog\] WITH \(HOLDLOCK\) AS d USING \(SELECT @0, @1, @2, @3, @4, @5, @6, CAST\(@7 AS BIGINT\), CAST\(@8 AS BIGINT\) {2}WHERE /,
    );
    expect(save.sql).toMatch(fence);
    expect(save.sql).toContain("ON d.[record_key] = s.[record_key] WHEN MATCHED THEN UPDATE SET d.[unit] = s.[unit]");
    expect(save.sql).toMatch(/WHEN NOT MATCHED THEN INSERT \(.*\) VALUES \(s\.\[record_key\], .*\);$/);
    markers(save);
  });

  it("reads members, leases and the clock in one statement, times as DATEDIFF_BIG milliseconds", () => {
    const snap = sql.snapshot();
    expect(snap.sql.match(/UNION ALL/g)).toHaveLength(2);
    expect(snap.sql).toContain("DATEDIFF_BIG(millisecond, CAST('1970-01-01' AS DATETIME2(3)), [expires_at]) AS t");
    expect(snap.sql).toContain("DATEDIFF_BIG(millisecond, CAST('1970-01-01' AS DATETIME2(3)), SYSUTCDATETIME())");
    expect(snap.params).toEqual([]);
    const ensure = sql.ensureUnits(["bucket:0", "bucket:1"]);
    expect(ensure.sql).toMatch(/^MERGE INTO \[uacreg_lease\] WITH \(HOLDLOCK\)/);
    expect(ensure.sql).not.toContain("WHEN MATCHED");
    expect(ensure.params).toEqual(["bucket:0", "bucket:1"]);
    markers(ensure);
  });
});

const liveUrl = process.env.UACREG_TEST_MSSQL_URL;
if (!liveUrl) {
  console.warn(
    "\n!!!!! NOT RUNNING the live MS SQL Server repository suite: UACREG_TEST_MSSQL_URL is not set " +
      "(no SQL Server on this machine); the offline MS SQL tests above still ran !!!!!\n",
  );
}

// The live suite is registered only when a server is given, so a run without one reports no skipped tests: it
// simply does not contain them (and says so loudly above).
if (liveUrl)
  describe("MS SQL Server, live (UACREG_TEST_MSSQL_URL)", () => {
    const admin = parseDbUrl(liveUrl ?? "mssql://sa@127.0.0.1/master");
    const dbName = `uacreg_t_${randomBytes(5).toString("hex")}`;
    const testUrl = (liveUrl ?? "").replace(/\/[^/?]*(\?.*)?$/, `/${dbName}$1`).replace(/\$1$/, "");
    const config = (database: string): mssql.config => ({
      server: admin.host ?? "127.0.0.1",
      port: admin.port ?? 1433,
      user: admin.user ?? "sa",
      password: admin.password ?? "",
      database,
      options: {
        encrypt: admin.options.encrypt === undefined ? true : admin.options.encrypt === "true",
        trustServerCertificate: admin.options.trustServerCertificate === "true",
      },
    });
    const withPool = async <T>(database: string, f: (p: mssql.ConnectionPool) => Promise<T>) => {
      const pool = await new mssql.ConnectionPool(config(database)).connect();
      try {
        return await f(pool);
      } finally {
        await pool.close();
      }
    };
    beforeAll(() => withPool(admin.database, (p) => p.request().batch(`CREATE DATABASE ${dbName}`)));
    afterAll(() =>
      withPool(admin.database, (p) =>
        p.request().batch(`ALTER DATABASE ${dbName} SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ${dbName}`),
      ),
    );
    registrantRepositorySuite(
      { describe, it, expect, beforeAll, afterAll },
      {
        name: "MS SQL Server",
        setup: async () => {},
        teardown: async () => {},
        open: (table, options) => openRepository(testUrl, table, [mssqlAdapter], options) as Promise<OpenedRepository>,
        exec: (sql) => withPool(dbName, (p) => p.request().batch(sql)).then(() => undefined),
        columns: (table) =>
          withPool(dbName, (p) =>
            p
              .request()
              .input("t", table)
              .query("SELECT COLUMN_NAME AS c FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = @t"),
          ).then((r) => (r.recordset as Array<{ c: string }>).map((x) => x.c)),
        killConnections: () =>
          withPool(admin.database, async (p) => {
            const r = await p
              .request()
              .input("db", dbName)
              .query(
                "SELECT session_id AS id FROM sys.dm_exec_sessions WHERE database_id = DB_ID(@db) AND session_id <> @@SPID",
              );
            for (const s of r.recordset as Array<{ id: number }>) await p.request().batch(`KILL ${Number(s.id)}`);
          }),
        server: {
          host: admin.host ?? "127.0.0.1",
          port: admin.port ?? 1433,
          openVia: (port, table, options) =>
            openRepository(
              testUrl.replace(/@[^/]*\//, `@127.0.0.1:${port}/`),
              table,
              [mssqlAdapter],
              options,
            ) as Promise<OpenedRepository>,
        },
        bulkRows: 20_000,
      },
    );

    const query = (sql: string) =>
      withPool(dbName, (p) => p.request().query(sql)).then(
        (r) => (r.recordset ?? []) as Array<Record<string, unknown>>,
      );
    const openDb = () => openRepository(testUrl, {}, [mssqlAdapter]);
    sqlLeaseStoreSuite(
      { describe, it, expect, beforeAll, afterAll },
      { name: "MS SQL Server", open: openDb, query },
      leaseStoreConformance,
    );
  });
