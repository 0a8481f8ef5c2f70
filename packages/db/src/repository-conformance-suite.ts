/**
 * The repository test suite every adapter's tests run against its real engine (SQLite file, PostgreSQL, MariaDB,
 * MS SQL). It takes vitest's functions as a parameter, so this module has no runtime dependency on vitest.
 * Each test uses its own table name (table_name is configurable), so one database serves the whole run.
 */
import type { Clock, Logger } from "@uacreg/runtime";
import { VirtualClock } from "@uacreg/runtime/testing";
import type * as Vitest from "vitest";
import { DuplicateKeyError, MissingColumnsError, SchemaError, SchemaVersionError } from "./db-errors.js";
import type { RegistrantKey, RegistrantRepository, RegistrantRow, SchemaAdmin } from "./registrant-row.js";
import type { RepositoryOptions } from "./sql-registrant-repository.js";
import { formatLoadMeasurement, measureLoad } from "./load-measurement.js";
import { startTcpFaultProxy } from "./tcp-fault-proxy.js";
import { REGISTRANT_COLUMNS, type RegistrantColumn, resolveTableConfig, type TableConfig } from "./table-config.js";

export type SuiteApi = Pick<typeof Vitest, "describe" | "it" | "expect" | "beforeAll" | "afterAll">;
export type OpenedRepository = RegistrantRepository & SchemaAdmin;

export interface ConformanceTarget {
  /** Engine name shown in test titles. */
  name: string;
  /** Opens a repository on the target database (created by `setup`). */
  open(table: TableConfig, options?: RepositoryOptions): Promise<OpenedRepository>;
  /** Runs raw SQL statements on the target database (fixtures). */
  exec(sql: string): Promise<void>;
  /** Column names of a table as the catalog lists them. */
  columns(table: string): Promise<string[]>;
  /** Creates the empty database/schema for the run; returns false when the engine is unavailable. */
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /**
   * OpenSIPS's own DDL for this engine (docs/opensips-behaviour.md §11), with the version row and some rows; table
   * `registrant`.
   */
  opensipsFixture?: string;
  /** Closes the server side of every connection of the test database (reconnect test). */
  killConnections?(): Promise<void>;
  /**
   * The server's address and a way to open a repository through another local port: the suite puts a
   * {@link startTcpFaultProxy} there to cut connections mid-load (network engines only).
   */
  server?: {
    host: string;
    port: number;
    openVia(port: number, table: TableConfig, options?: RepositoryOptions): Promise<OpenedRepository>;
  };
  /**
   * The registrant engine over a repository, on a virtual clock (adapters' tests build `@uacreg/engine`'s
   * RegistrantEngine; this package does not depend on it). With `server`, the suite proves that an operator's
   * reg_disable survives a database outage and a reload (docs/decisions.md "state writes").
   */
  engine?(repository: RegistrantRepository, clock: VirtualClock): PendingWriteEngine;
  /** Rows for the bulk-load measurement (0 or undefined: skipped for this engine by design). */
  bulkRows?: number;
}

/** What the outage scenario uses of the registrant engine (structurally `@uacreg/engine`'s RegistrantEngine). */
export interface PendingWriteEngine {
  start(): Promise<unknown>;
  disable(key: RegistrantKey): boolean;
  reload(): Promise<unknown>;
  get(key: RegistrantKey): { enabled: boolean } | undefined;
}

/** A valid row; `n` makes the unique key distinct. */
export function sampleRow(n: number, overrides: Partial<RegistrantRow> = {}): RegistrantRow {
  return {
    registrar: `sip:registrar${n % 7}.example.com`,
    proxy: n % 2 ? `sip:proxy.example.com:5060;lr` : null,
    aor: `sip:user${n}@example.com`,
    third_party_registrant: n % 3 ? null : `sip:third${n}@example.com`,
    username: `user${n}`,
    password: `secret${n}`,
    binding_URI: `sip:user${n}@192.0.2.10:5060`,
    binding_params: n % 5 ? null : `;reg-id=1;+sip.instance="<urn:uuid:${n}>"`,
    expiry: 3600,
    forced_socket: null,
    cluster_shtag: n % 4 ? null : "vip/1",
    state: 0,
    ...overrides,
  };
}

const keyOf = (r: RegistrantRow) => ({ aor: r.aor, contact: r.binding_URI, registrar: r.registrar });
const strip = ({ id: _id, ...rest }: RegistrantRow) => rest;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** Registers the shared repository tests for one engine. */
export function registrantRepositorySuite(vt: SuiteApi, target: ConformanceTarget): void {
  const { describe, it, expect, beforeAll, afterAll } = vt;
  let seq = 0;
  const opened: OpenedRepository[] = [];
  const fresh = async (columns?: Partial<Record<RegistrantColumn, string>>, options?: RepositoryOptions) => {
    seq += 1;
    const table = resolveTableConfig({ tableName: `reg_t${seq}`, ...(columns ? { columns } : {}) });
    const repo = await target.open(table, options);
    opened.push(repo);
    await repo.createSchema();
    return repo;
  };

  describe(`registrant repository on ${target.name}`, () => {
    beforeAll(() => target.setup(), 60_000);
    afterAll(async () => {
      for (const r of opened) await r.close().catch(() => undefined);
      await target.teardown();
    }, 60_000);

    if (target.opensipsFixture) {
      const fixture = target.opensipsFixture;
      // First, while the database is still empty: the fixture creates the `version` table itself.
      it("works on a table created by OpenSIPS's own script (with its version row)", async () => {
        await target.exec(fixture);
        const repo = await target.open(resolveTableConfig({}));
        opened.push(repo);
        await repo.checkSchema();
        await repo.createSchema(); // compatible: a no-op
        const loaded = await collect(repo.loadAll());
        expect(loaded.length).toBe(3);
        expect(loaded[0]).toMatchObject({
          registrar: "sip:registrar.example.com",
          aor: "sip:alice@example.com",
          binding_URI: "sip:alice@192.0.2.1:5060",
          proxy: null,
          third_party_registrant: null,
          username: "alice",
          password: "alicepw",
          binding_params: null,
          expiry: 3600,
          forced_socket: null,
          cluster_shtag: null,
          state: 0,
        });
        expect(loaded[1]).toMatchObject({ aor: "sip:bob@example.com", proxy: null, state: 1, expiry: null });
        expect(loaded[2]).toMatchObject({ aor: "sip:carol@example.com", cluster_shtag: "vip/1" });
        const key = {
          aor: "sip:bob@example.com",
          contact: "sip:bob@192.0.2.2:5060",
          registrar: "sip:registrar.example.com",
        };
        expect((await repo.findOne(key))?.username).toBe("bob");
        await repo.updateState(key, 0);
        expect((await repo.findOne(key))?.state).toBe(0);
        await expect(repo.insert(sampleRow(1, { ...loaded[0]!, id: undefined }))).rejects.toBeInstanceOf(
          DuplicateKeyError,
        );
        await repo.insert(sampleRow(99));
        expect(await repo.count()).toBe(4);
      });
    }

    it("creates the table and the version row 3; creating again keeps the rows", async () => {
      const repo = await fresh();
      await repo.checkSchema();
      await repo.insert(sampleRow(1));
      await repo.createSchema();
      await repo.checkSchema();
      expect(await repo.count()).toBe(1);
      const cols = (await target.columns(`reg_t${seq}`)).map((c) => c.toLowerCase()).sort();
      expect(cols).toEqual(["id", ...REGISTRANT_COLUMNS].map((c) => c.toLowerCase()).sort());
    });

    it("inserts, finds by (aor, binding_URI, registrar), counts and loads in id order", async () => {
      const repo = await fresh();
      const rows = [1, 2, 3, 4, 5].map((n) => sampleRow(n));
      for (const r of rows) await repo.insert(r);
      expect(await repo.count()).toBe(5);
      const loaded = await collect(repo.loadAll());
      expect(loaded.map(strip)).toEqual(rows);
      expect(loaded.every((r) => typeof r.id === "number")).toBe(true);
      const found = await repo.findOne(keyOf(rows[2]!));
      expect(found && strip(found)).toEqual(rows[2]);
      // Same AOR and contact, other registrar: a different key.
      expect(await repo.findOne({ ...keyOf(rows[2]!), registrar: "sip:other.example.com" })).toBeUndefined();
    });

    it("refuses a second row with the same unique key with DuplicateKeyError", async () => {
      const repo = await fresh();
      await repo.insert(sampleRow(1));
      const dup = sampleRow(1, { username: "someone-else", expiry: 60 });
      await expect(repo.insert(dup)).rejects.toBeInstanceOf(DuplicateKeyError);
      expect(await repo.count()).toBe(1);
      // Only the key matters: another registrar is fine.
      await repo.insert(sampleRow(1, { registrar: "sip:other.example.com" }));
      expect(await repo.count()).toBe(2);
    });

    it("upserts: inserts a new key, updates every other column of an existing one", async () => {
      const repo = await fresh();
      await repo.upsert(sampleRow(1));
      const changed = sampleRow(1, {
        proxy: "sip:p2.example.com",
        username: "u2",
        password: "p2",
        expiry: 120,
        binding_params: ";q=0.5",
        forced_socket: "udp:127.0.0.1:5060",
        cluster_shtag: "tag/2",
        third_party_registrant: "sip:tp@example.com",
        state: 1,
      });
      await repo.upsert(changed);
      expect(await repo.count()).toBe(1);
      const got = await repo.findOne(keyOf(changed));
      expect(got && strip(got)).toEqual(changed);
    });

    it("updates state and deletes by key", async () => {
      const repo = await fresh();
      const r = sampleRow(1);
      await repo.insert(r);
      await repo.insert(sampleRow(2));
      await repo.updateState(keyOf(r), 1);
      expect((await repo.findOne(keyOf(r)))?.state).toBe(1);
      expect((await repo.findOne(keyOf(sampleRow(2))))?.state).toBe(0);
      await repo.updateState({ ...keyOf(r), aor: "sip:nobody@example.com" }, 1);
      expect(await repo.delete(keyOf(r))).toBe(true);
      expect(await repo.delete(keyOf(r))).toBe(false);
      expect(await repo.count()).toBe(1);
    });

    it("addresses exactly one row when two keys differ only in letter case (RFC 3261 §19.1.4: the user part is case-sensitive)", async () => {
      const repo = await fresh();
      const upper = sampleRow(3, { aor: "sip:MY3@example.com", username: "upper" });
      const lower = sampleRow(3, { aor: "sip:my3@example.com", username: "lower" });
      await repo.insert(upper);
      await repo.insert(lower);
      await repo.updateState(keyOf(upper), 1);
      expect((await repo.findOne(keyOf(upper)))?.state).toBe(1);
      expect((await repo.findOne(keyOf(lower)))?.state).toBe(0);
      expect((await repo.findOne(keyOf(lower)))?.username).toBe("lower");
      await repo.upsert({ ...lower, username: "lower2", state: 2 });
      expect(await repo.findOne(keyOf(upper))).toMatchObject({ username: "upper", state: 1 });
      expect(await repo.findOne(keyOf(lower))).toMatchObject({ username: "lower2", state: 2 });
      expect(await repo.delete(keyOf(upper))).toBe(true);
      expect(await repo.findOne(keyOf(upper))).toBeUndefined();
      expect((await repo.findOne(keyOf(lower)))?.username).toBe("lower2");
      expect(await repo.count()).toBe(1);
    });

    it("reads NULL and '' the same (null) in every optional column", async () => {
      const repo = await fresh();
      const empty = sampleRow(1, {
        proxy: "",
        third_party_registrant: "",
        username: "",
        password: "",
        binding_params: "",
        forced_socket: "",
        cluster_shtag: "",
      });
      const nulls = sampleRow(2, {
        proxy: null,
        third_party_registrant: null,
        username: null,
        password: null,
        binding_params: null,
        forced_socket: null,
        cluster_shtag: null,
        expiry: null,
      });
      await repo.insert(empty);
      await repo.insert(nulls);
      const [a, b] = await collect(repo.loadAll());
      for (const r of [a!, b!]) {
        for (const c of [
          "proxy",
          "third_party_registrant",
          "username",
          "password",
          "binding_params",
          "forced_socket",
          "cluster_shtag",
        ] as const) {
          expect(r[c]).toBeNull();
        }
      }
      expect(b!.expiry).toBeNull();
      expect(a!.expiry).toBe(3600);
    });

    it("uses a custom table_name and every *_column renamed", async () => {
      const renamed = Object.fromEntries(REGISTRANT_COLUMNS.map((c) => [c, `c_${c}_x`])) as Record<
        RegistrantColumn,
        string
      >;
      const repo = await fresh(renamed, { pageSize: 2 });
      const rows = [1, 2, 3, 4, 5].map((n) => sampleRow(n));
      for (const r of rows) await repo.upsert(r);
      await repo.updateState(keyOf(rows[0]!), 7);
      expect((await collect(repo.loadAll())).map(strip)).toEqual([{ ...rows[0]!, state: 7 }, ...rows.slice(1)]);
      expect(await repo.delete(keyOf(rows[4]!))).toBe(true);
      expect(await repo.count()).toBe(4);
      await repo.checkSchema();
      const cols = (await target.columns(`reg_t${seq}`)).map((c) => c.toLowerCase()).sort();
      expect(cols).toEqual(["id", ...REGISTRANT_COLUMNS.map((c) => `c_${c}_x`.toLowerCase())].sort());
    });

    it("pages loadAll by id, across page boundaries and after deletions", async () => {
      const repo = await fresh(undefined, { pageSize: 3 });
      await repo.insertMany(Array.from({ length: 10 }, (_, i) => sampleRow(i + 1)));
      await repo.delete(keyOf(sampleRow(3)));
      await repo.delete(keyOf(sampleRow(6)));
      const loaded = await collect(repo.loadAll());
      expect(loaded.map((r) => r.aor)).toEqual([1, 2, 4, 5, 7, 8, 9, 10].map((n) => sampleRow(n).aor));
      const ids = loaded.map((r) => r.id!);
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
      const empty = await fresh(undefined, { pageSize: 3 });
      expect(await collect(empty.loadAll())).toEqual([]);
    });

    it("hands over the rows of loadAll a page at a time with loadPages (a page at most the page size)", async () => {
      const repo = await fresh(undefined, { pageSize: 3 });
      await repo.insertMany(Array.from({ length: 8 }, (_, i) => sampleRow(i + 1, { state: i, password: `p${i}` })));
      await repo.delete(keyOf(sampleRow(4)));
      expect(repo.loadPages).toBeDefined();
      const pages = await collect(repo.loadPages!());
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(await collect(repo.loadAll()));
      const empty = await fresh(undefined, { pageSize: 3 });
      expect(await collect(empty.loadPages!())).toEqual([]);
    });

    it("reports a table of another version with SchemaVersionError and leaves it alone", async () => {
      seq += 1;
      const name = `reg_old${seq}`;
      const repo0 = await fresh(); // makes sure the version table exists
      await repo0.close();
      await target.exec(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY, aor VARCHAR(255))`);
      await target.exec(`INSERT INTO version (table_name, table_version) VALUES ('${name}', 2)`);
      const repo = await target.open(resolveTableConfig({ tableName: name }));
      opened.push(repo);
      await expect(repo.createSchema()).rejects.toBeInstanceOf(SchemaVersionError);
      await expect(repo.checkSchema()).rejects.toBeInstanceOf(SchemaVersionError);
      expect((await target.columns(name)).map((c) => c.toLowerCase()).sort()).toEqual(["aor", "id"]);
      const err = await repo.checkSchema().catch((e: unknown) => e);
      expect(String((err as Error).message)).toContain("version 2");
    });

    it("adds the missing version row to a compatible table; checkSchema wants it", async () => {
      const repo = await fresh();
      await repo.insert(sampleRow(1));
      await target.exec(`DELETE FROM version WHERE table_name = 'reg_t${seq}'`);
      const err = await repo.checkSchema().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SchemaVersionError);
      expect((err as SchemaVersionError).found).toBeUndefined();
      await repo.createSchema();
      await repo.checkSchema();
      expect(await repo.count()).toBe(1);
    });

    it("names the missing column of a version 3 table in checkSchema and createSchema", async () => {
      seq += 1;
      const name = `reg_nocol${seq}`;
      const repo0 = await fresh(); // makes sure the version table exists
      await repo0.close();
      const cols = REGISTRANT_COLUMNS.filter((c) => c !== "cluster_shtag")
        .map((c) => `${c} ${c === "expiry" || c === "state" ? "INTEGER" : "VARCHAR(255)"}`)
        .join(", ");
      await target.exec(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY, ${cols})`);
      await target.exec(`INSERT INTO version (table_name, table_version) VALUES ('${name}', 3)`);
      const repo = await target.open(resolveTableConfig({ tableName: name }));
      opened.push(repo);
      // A version error with the version found: the daemon's "create the missing SQLite table" path must not take it.
      const check = await repo.checkSchema().catch((e: unknown) => e);
      expect(check).toBeInstanceOf(MissingColumnsError);
      expect((check as MissingColumnsError).found).toBe(3);
      expect((check as Error).message).toContain("cluster_shtag_column=cluster_shtag");
      const create = await repo.createSchema().catch((e: unknown) => e);
      expect(create).toBeInstanceOf(MissingColumnsError);
      expect((create as Error).message).toContain("cluster_shtag_column=cluster_shtag");
      expect((await target.columns(name)).length).toBe(REGISTRANT_COLUMNS.length);
    });

    it("fails checkSchema on a missing table with SchemaError", async () => {
      const repo = await target.open(resolveTableConfig({ tableName: "reg_missing" }));
      opened.push(repo);
      await expect(repo.checkSchema()).rejects.toBeInstanceOf(SchemaError);
      await expect(repo.count()).rejects.toBeInstanceOf(SchemaError);
    });

    if (target.killConnections) {
      const kill = target.killConnections;
      it("reconnects after the server dropped the connection", async () => {
        const repo = await fresh(undefined, { retry: { attempts: 5, initialDelayMs: 20, maxDelayMs: 200 } });
        await repo.insert(sampleRow(1));
        await kill();
        expect(await repo.count()).toBe(1);
        await kill();
        await repo.insert(sampleRow(2));
        expect((await collect(repo.loadAll())).length).toBe(2);
      });
    }

    if (target.server) {
      const server = target.server;
      it("retries a lost connection with back-off and resumes loadAll after the last row delivered", async () => {
        const direct = await fresh();
        const table = resolveTableConfig({ tableName: `reg_t${seq}` });
        const rows = [1, 2, 3, 4, 5, 6].map((n) => sampleRow(n));
        await direct.insertMany(rows);
        const proxy = await startTcpFaultProxy(server.host, server.port);
        const sleeps: number[] = [];
        // No real waiting: each back-off timer fires at once, and the "server" comes back during the second one.
        const backOffClock: Clock = {
          now: () => 0,
          wallNow: () => 0,
          setTimer(ms, callback) {
            sleeps.push(ms);
            if (sleeps.length === 2) proxy.refuse(false);
            queueMicrotask(callback);
            return { cancel() {} };
          },
        };
        const warnings: string[] = [];
        const logger: Logger = {
          debug: () => {},
          info: () => {},
          warn: (o, m) => warnings.push(`${m} ${JSON.stringify(o)}`),
          error: () => {},
        };
        try {
          const repo = await server.openVia(proxy.port, table, {
            pageSize: 2,
            retry: { attempts: 6, initialDelayMs: 10, maxDelayMs: 40 },
            logger,
            clock: backOffClock,
          });
          opened.push(repo);
          const iterator = repo.loadAll()[Symbol.asyncIterator]();
          const got: RegistrantRow[] = [];
          for (let i = 0; i < 2; i++) got.push((await iterator.next()).value as RegistrantRow);
          proxy.refuse(true);
          proxy.dropAll();
          for (;;) {
            const r = await iterator.next();
            if (r.done) break;
            got.push(r.value);
          }
          expect(got.map((r) => r.aor)).toEqual(rows.map((r) => r.aor));
          expect(sleeps).toEqual([10, 20]);
          expect(warnings.length).toBe(2);
          expect(warnings[0]).toContain("database connection lost, reconnecting");
          expect(await repo.count()).toBe(6);
          // Several operations failing on the same lost connection all recover.
          proxy.dropAll();
          const [n, one, two] = await Promise.all([
            repo.count(),
            repo.findOne(keyOf(rows[0]!)),
            repo.findOne(keyOf(rows[5]!)),
          ]);
          expect([n, one?.aor, two?.aor]).toEqual([6, rows[0]!.aor, rows[5]!.aor]);
        } finally {
          await proxy.close();
        }
      });
    }

    if (target.server && target.engine) {
      const server = target.server;
      const makeEngine = target.engine;
      it("keeps an operator's reg_disable through a cut connection and a reload; the row ends disabled", async () => {
        const direct = await fresh();
        const table = resolveTableConfig({ tableName: `reg_t${seq}` });
        await direct.insertMany([sampleRow(1), sampleRow(2)]);
        const proxy = await startTcpFaultProxy(server.host, server.port);
        const clock = new VirtualClock();
        try {
          const via = await server.openVia(proxy.port, table, { retry: { attempts: 1 } });
          opened.push(via);
          // Every state write the engine makes, so the test can wait for each one's end (no polling, no sleep).
          const writes: Array<Promise<unknown>> = [];
          const repository: RegistrantRepository = {
            loadAll: () => via.loadAll(),
            findOne: (k) => via.findOne(k),
            updateState: (k, state) => {
              const p = via.updateState(k, state);
              writes.push(p.catch((e: unknown) => e));
              return p;
            },
            insert: (r) => via.insert(r),
            upsert: (r) => via.upsert(r),
            delete: (k) => via.delete(k),
            count: () => via.count(),
            close: () => via.close(),
          };
          const engine = makeEngine(repository, clock);
          await engine.start();
          const k1 = keyOf(sampleRow(1));
          const k2 = keyOf(sampleRow(2));
          // The database goes away: the write behind the OK fails.
          proxy.refuse(true);
          proxy.dropAll();
          expect(engine.disable(k1)).toBe(true);
          expect(writes.length).toBe(1);
          expect(await writes[0]).toBeInstanceOf(Error);
          await expect(engine.reload()).rejects.toBeInstanceOf(Error);
          expect(engine.get(k1)?.enabled).toBe(false);
          // It comes back; a reload before the retry reads the stale column, and the pending write wins over it.
          proxy.refuse(false);
          await engine.reload();
          expect(engine.get(k1)?.enabled).toBe(false);
          expect(engine.get(k2)?.enabled).toBe(true);
          expect((await direct.findOne(k1))?.state).toBe(0);
          // The retry lands on the engine's clock: the row ends with the intended state, the other row untouched.
          await clock.advance(30_000);
          await Promise.all(writes);
          expect(writes.length).toBeGreaterThan(1);
          expect(await writes[writes.length - 1]).toBeUndefined();
          expect((await direct.findOne(k1))?.state).toBe(1);
          expect((await direct.findOne(k2))?.state).toBe(0);
          await engine.reload();
          expect(engine.get(k1)?.enabled).toBe(false);
        } finally {
          await proxy.close();
        }
      });
    }

    if (target.bulkRows) {
      const n = target.bulkRows;
      it(`loads ${n} rows page by page (time and memory printed)`, async () => {
        const repo = await fresh();
        const m = await measureLoad(repo, n, sampleRow);
        expect(m.rows).toBe(n);
        console.log(formatLoadMeasurement(`[bulk ${target.name}]`, m));
      }, 120_000);
    }
  });
}
