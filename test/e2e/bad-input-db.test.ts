/**
 * Bad rows in the database (docs/opensips-behaviour.md §2.2): each is refused with one log line naming its key (aor, contact,
 * registrar) and the field; the good rows load and register; no password reaches the logs. A table the daemon cannot
 * use at all (a configured column missing, SQLite or PostgreSQL) stops it with one fatal line naming table and column.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { openRepository } from "@uacreg/db";
import { postgresAdapter } from "@uacreg/db-postgres";
import { sqliteAdapter } from "@uacreg/db-sqlite";
import { type DemoRegistrar, startDemoRegistrar } from "@uacreg/demo-registrar";
import type { RegistrantRow } from "@uacreg/engine";
import { dropPostgresTable } from "../support/cluster-nodes.js";
import { REPO_ROOT, registrantRow, startUacregd, stopAllUacregd, UACREGD } from "../support/uacregd.js";

let registrar: DemoRegistrar | undefined;
afterAll(async () => {
  await stopAllUacregd();
  await registrar?.close();
});

interface Bad {
  user: string;
  field: string;
  over: (reg: string) => Partial<RegistrantRow>;
}

const BAD: Bad[] = [
  { user: "badreg", field: "registrar", over: () => ({ registrar: "sip:user@registrar.example" }) },
  { user: "badreg2", field: "registrar", over: () => ({ registrar: "not a uri at all" }) },
  { user: "shortexp", field: "expiry", over: () => ({ expiry: 10 }) },
  { user: "badtag", field: "cluster_shtag", over: () => ({ cluster_shtag: "vip" }) },
  { user: "badtag2", field: "cluster_shtag", over: () => ({ cluster_shtag: "vip/one" }) },
  { user: "nosock", field: "forced_socket", over: () => ({ forced_socket: "udp:127.0.0.1:1" }) },
  // A password that would inject a header: refused, and the log line does not show it.
  { user: "crlf", field: "password", over: () => ({ password: `${pw("crlf")}\r\nX-Evil: 1` }) },
];
const pw = (user: string) => `Pw-${user}-8c1e`;

describe.concurrent("bad rows in the registrant table", () => {
  it("one log line each naming key and field; the good rows load and register; no password logged", async () => {
    registrar = await startDemoRegistrar({ users: { alice: pw("alice"), bob: pw("bob") }, realm: "reg.test" });
    const REG = `sip:127.0.0.1:${registrar.port}`;
    const good = (user: string) =>
      registrantRow({
        registrar: REG,
        aor: `sip:${user}@reg.test`,
        username: user,
        password: pw(user),
        binding_URI: `sip:${user}@127.0.0.1:5099`,
        state: 1,
      });
    const bad = BAD.map((b) =>
      registrantRow({
        registrar: REG,
        aor: `sip:${b.user}@reg.test`,
        username: b.user,
        password: pw(b.user),
        binding_URI: `sip:${b.user}@127.0.0.1:5099`,
        ...b.over(REG),
      }),
    );
    // Good rows before, between and after the bad ones: a refusal does not stop the load.
    const rows = [good("alice"), ...bad.slice(0, 3), good("bob"), ...bad.slice(3)];
    const d = await startUacregd({ rows });
    const list = await d.list();
    expect(list.map((r) => r.AOR)).toEqual(["sip:alice@reg.test", "sip:bob@reg.test"]);
    for (const u of ["alice", "bob"]) {
      expect(await d.mi("reg_enable", [`sip:${u}@reg.test`, `sip:${u}@127.0.0.1:5099`, REG])).toBe("OK");
    }
    await d.waitFor((l) => l.length === 2 && l.every((r) => r.state === "REGISTERED_STATE"), 10_000);
    expect(registrar.bindings().map((b) => b.aor)).toEqual(["sip:alice@reg.test", "sip:bob@reg.test"]);

    const loaded = d.logs().find((l) => l.includes("registrant records loaded"));
    expect(JSON.parse(loaded!)).toMatchObject({ loaded: 2, rejected: BAD.length });
    const refusals = () => d.logs().filter((l) => l.includes("registrant row refused"));
    const checkRefusals = async (times: number) => {
      // The log lines come through the daemon's stdout pipe, not with the MI reply: let them arrive.
      const end = Date.now() + 5000;
      while (refusals().length < BAD.length * times && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      for (const [i, b] of BAD.entries()) {
        const row = bad[i]!;
        const mine = refusals().filter((l) => l.includes(`sip:${b.user}@reg.test`));
        expect(mine, `${b.user}: ${mine.join("\n")}`).toHaveLength(times);
        for (const line of mine) {
          const o = JSON.parse(line) as { key: string; field?: string; msg: string };
          expect(o.key).toContain(`aor=${row.aor}`);
          expect(o.key).toContain(`contact=${row.binding_URI}`);
          expect(o.key).toContain(`registrar=${row.registrar}`);
          expect(o.field).toBe(b.field);
          expect(o.msg).toContain(b.field);
        }
      }
      expect(refusals()).toHaveLength(BAD.length * times);
    };
    await checkRefusals(1);

    // A full reload refuses them again, once each, and leaves the registered records alone.
    expect(await d.mi("reg_reload")).toBe("OK");
    await checkRefusals(2);
    const after = await d.list();
    expect(after.map((r) => [r.AOR, r.state])).toEqual([
      ["sip:alice@reg.test", "REGISTERED_STATE"],
      ["sip:bob@reg.test", "REGISTERED_STATE"],
    ]);

    // A row fixed in the database is taken on the next reload.
    const repo = await openRepository(d.dbUrl, {}, [sqliteAdapter]);
    await repo.delete({ aor: bad[2]!.aor, contact: bad[2]!.binding_URI, registrar: bad[2]!.registrar });
    await repo.insert({ ...bad[2]!, expiry: 60, state: 1 });
    await repo.close();
    expect(await d.mi("reg_reload")).toBe("OK");
    expect((await d.list()).map((r) => r.AOR)).toContain("sip:shortexp@reg.test");

    const logs = d.logs().join("\n");
    for (const u of ["alice", "bob", ...BAD.map((b) => b.user)]) expect(logs).not.toContain(pw(u));
    expect(d.process.exitCode).toBeNull();
  });

  it("a row whose credentials the registrar refuses: WRONG_CREDENTIALS_STATE, the password never logged", async () => {
    const reg = await startDemoRegistrar({ users: { dave: "the-real-one" }, realm: "reg.test" });
    try {
      const REG = `sip:127.0.0.1:${reg.port}`;
      const row = registrantRow({
        registrar: REG,
        aor: "sip:dave@reg.test",
        username: "dave",
        password: pw("dave"),
        binding_URI: "sip:dave@127.0.0.1:5099",
        state: 1,
      });
      const d = await startUacregd({ rows: [row] });
      expect(await d.mi("reg_enable", [row.aor, row.binding_URI, REG])).toBe("OK");
      const [r] = await d.waitFor((l) => l[0]?.state === "WRONG_CREDENTIALS_STATE", 10_000);
      expect(r?.enabled).toBe("yes");
      expect(reg.bindings()).toEqual([]);
      expect(d.logs().join("\n")).not.toContain(pw("dave"));
      expect(JSON.stringify(await d.mi("reg_list"))).not.toContain(pw("dave"));

      // The operator fixes the password in the row and reloads that record: it registers.
      const repo = await openRepository(d.dbUrl, {}, [sqliteAdapter]);
      await repo.upsert({ ...row, password: "the-real-one", state: 0 });
      // A row broken meanwhile for another key: the per-record reload of it answers OK and changes nothing.
      const other = { ...row, aor: "sip:erin@reg.test", binding_URI: "sip:erin@127.0.0.1:5099", expiry: 5 };
      await repo.insert(other);
      await repo.close();
      expect(await d.mi("reg_reload", [row.aor, row.binding_URI, REG])).toBe("OK");
      expect(await d.mi("reg_reload", [other.aor, other.binding_URI, REG])).toBe("OK");
      await d.waitFor((l) => l[0]?.state === "REGISTERED_STATE", 16_000);
      expect((await d.list()).map((x) => x.AOR)).toEqual(["sip:dave@reg.test"]);
      expect(reg.bindings("sip:dave@reg.test")).toHaveLength(1);
      expect(d.logs().join("\n")).not.toContain("the-real-one");
      await d.stop();
    } finally {
      await reg.close();
    }
  });
});

/** The SQLite driver of @uacreg/db-sqlite, to write a table by hand (the repository only makes complete ones). */
interface SqliteDb {
  exec(sql: string): void;
  close(): void;
}
const openSqlite = createRequire(join(REPO_ROOT, "packages/db-sqlite/package.json"))("better-sqlite3") as new (
  file: string,
) => SqliteDb;

describe("a registrant table the daemon cannot use (issue 10 item 13)", () => {
  const dir = mkdtempSync(join(tmpdir(), "uacregd-c-badtable-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("SQLite without a version row and a column missing: exit 1 with one fatal line naming the table and the column", async () => {
    const file = join(dir, "c_missing_column.db");
    const db = new openSqlite(file);
    // The version 3 table minus cluster_shtag, and no `version` table at all.
    db.exec(`CREATE TABLE registrant (
      id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, registrar CHAR(255) DEFAULT '' NOT NULL, proxy CHAR(255),
      aor CHAR(255) DEFAULT '' NOT NULL, third_party_registrant CHAR(255), username CHAR(64), password CHAR(64),
      binding_URI CHAR(255) DEFAULT '' NOT NULL, binding_params CHAR(64), expiry INTEGER, forced_socket CHAR(64),
      state INTEGER DEFAULT 0 NOT NULL)`);
    db.close();
    const fatal = await fatalLineAtStart("c_missing_column", `sqlite://${file}`);
    expect(fatal).toContain("registrant");
    expect(fatal).toContain("cluster_shtag");
  });

  it("PostgreSQL, a table of version 3 without a configured column: exit 1 with one fatal line naming the table and the column", async () => {
    const table = `j_badcol_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    try {
      const repo = await openRepository(pgUrl, { tableName: table }, [postgresAdapter]);
      await repo.createSchema();
      await repo.close();
      // A column name the table does not have (registrant.aor_column).
      const renamed = await fatalLineAtStart("j_pg_aor_column", pgUrl, { table_name: table, aor_column: "the_aor" });
      expect(renamed).toContain(table);
      expect(renamed).toContain("the_aor");
      // A column of the default names dropped from the table.
      await pgQuery(`ALTER TABLE "${table}" DROP COLUMN cluster_shtag`);
      const dropped = await fatalLineAtStart("j_pg_dropped", pgUrl, { table_name: table });
      expect(dropped).toContain(table);
      expect(dropped).toContain("cluster_shtag");
    } finally {
      await dropPostgresTable(pgUrl, table);
    }
  });

  /**
   * Runs `uacregd --config` on `dbUrl` (no MI, no metrics) and expects exit 1 with exactly one fatal line; returns it.
   */
  async function fatalLineAtStart(name: string, dbUrl: string, registrant: Record<string, unknown> = {}) {
    const config = join(dir, `${name}.yaml`);
    writeFileSync(
      config,
      stringify({
        listen: ["udp:127.0.0.1:0"],
        db_url: dbUrl,
        registrant,
        mi: { http: null, fifo: null },
        metrics: null,
      }),
    );
    const r = await promisify(execFile)(process.execPath, [UACREGD, "--config", config], { timeout: 60_000 }).then(
      (ok) => ({ code: 0, out: ok.stdout }),
      (e: { code?: number; stdout?: string }) => ({ code: e.code, out: e.stdout ?? "" }),
    );
    expect(r.code, r.out).toBe(1);
    const fatal = r.out.split("\n").filter((l) => l.includes('"level":60'));
    expect(fatal, r.out).toHaveLength(1);
    return fatal[0]!;
  }
});

const pgUrl = process.env.UACREG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** One statement on the test PostgreSQL server, through the driver of @uacreg/db-postgres. */
async function pgQuery(sql: string): Promise<void> {
  const { Client } = createRequire(join(REPO_ROOT, "packages/db-postgres/package.json"))("pg") as {
    Client: new (o: {
      connectionString: string;
    }) => {
      connect(): Promise<void>;
      query(sql: string): Promise<unknown>;
      end(): Promise<void>;
    };
  };
  const client = new Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
