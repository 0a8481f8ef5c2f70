/**
 * `uacreg db import` and `db export` against the real engines: SQLite files, and the PostgreSQL and MariaDB servers
 * of UACREG_TEST_PG_URL / UACREG_TEST_MYSQL_URL (a table of its own each, dropped afterwards). A server that is down
 * is a loud skip, or a failure with UACREG_REQUIRE_SERVERS=1 or the URL variable set.
 */
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OpenedDatabase, openRepository, type RegistrantRow, type SqlRegistrantRepository } from "@uacreg/db";
import { mysqlAdapter } from "@uacreg/db-mysql";
import { postgresAdapter } from "@uacreg/db-postgres";
import { sqliteAdapter } from "@uacreg/db-sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli.js";
import { IMPORT_BATCH } from "../src/csv-import.js";

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(...argv: string[]): Promise<Run> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

const PG = process.env.UACREG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const MYSQL = process.env.UACREG_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";
const ADAPTERS = [sqliteAdapter, postgresAdapter, mysqlAdapter];

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), "uacreg-import-engines-"));
});
afterAll(() => fsp.rm(dir, { recursive: true, force: true }));

async function reachable(url: string): Promise<boolean> {
  try {
    const repo = await openRepository(url, {}, ADAPTERS, { retry: { attempts: 1 } });
    await repo.count().catch(() => 0);
    await repo.close();
    return true;
  } catch {
    return false;
  }
}

async function rowsOf(url: string, table: string): Promise<RegistrantRow[]> {
  const repo = await openRepository(url, { tableName: table }, ADAPTERS);
  const rows: RegistrantRow[] = [];
  for await (const { id: _id, ...row } of repo.loadAll()) rows.push(row);
  await repo.close();
  return rows.sort((a, b) => `${a.aor}${a.registrar}`.localeCompare(`${b.aor}${b.registrar}`));
}

async function dropTable(url: string, table: string): Promise<void> {
  const repo = (await openRepository(url, { tableName: table }, ADAPTERS)) as OpenedDatabase & SqlRegistrantRepository;
  const ds = await repo.dataSource();
  const q = repo.dialect.quote;
  await ds.query(`DROP TABLE IF EXISTS ${q(table)}`);
  await ds.query(`DELETE FROM ${q("version")} WHERE ${q("table_name")} = ${repo.dialect.param(0)}`, [table]);
  await repo.close();
}

const HEAD = "registrar,proxy,aor,username,password,binding_URI,binding_params,expiry,cluster_shtag,state";
function line(i: number, expiry = 3600): string {
  return `sip:reg${i % 3}.example.com,,sip:user${i}@example.com,user${i},pw-${i},sip:user${i}@192.0.2.${i % 250}:5060,,${expiry},,0`;
}

const ENGINES: Array<{ name: string; url: () => string; server?: string }> = [
  { name: "SQLite", url: () => `sqlite://${dir}/import.db` },
  { name: "PostgreSQL", url: () => PG, server: "UACREG_TEST_PG_URL" },
  { name: "MariaDB", url: () => MYSQL, server: "UACREG_TEST_MYSQL_URL" },
];

for (const engine of ENGINES) {
  const available = engine.server === undefined || (await reachable(engine.url()));
  if (!available) {
    const required = process.env.UACREG_REQUIRE_SERVERS === "1" || process.env[engine.server ?? ""] !== undefined;
    if (required) {
      describe(`${engine.name} server`, () => {
        it("is reachable", () => {
          throw new Error(`${engine.name} at ${engine.server} is unreachable`);
        });
      });
    } else {
      console.warn(`\n!!!!! SKIPPING uacreg db import on ${engine.name}: the server is unreachable !!!!!\n`);
    }
    continue;
  }

  describe(`uacreg db import / export on ${engine.name}`, () => {
    const table = `imp_${randomBytes(4).toString("hex")}`;
    const db = () => ["--db-url", engine.url(), "--table", table];
    const N = IMPORT_BATCH * 2 + 500; // three batches
    afterAll(() => (engine.server ? dropTable(engine.url(), table) : undefined));

    it("says the table is missing in one line, with the masked URL and what to run", async () => {
      const file = join(dir, `${table}-one.csv`);
      await fsp.writeFile(file, `${HEAD}\n${line(1)}\n`);
      const r = await cli("db", "import", file, ...db());
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        new RegExp(
          `^ERROR: the registrant table \\("${table}"\\) does not exist in \\S+: run \`uacreg db create\`\\n$`,
        ),
      );
      expect(r.err).not.toMatch(/createSchema|checkSchema|at .*\.js/);
    });

    it("imports, re-imports (nothing written), updates what changed, names each skipped line", async () => {
      expect((await cli("db", "create", ...db())).code).toBe(0);
      const file = join(dir, `${table}.csv`);
      const first = [HEAD, ...Array.from({ length: N }, (_, i) => line(i))];
      await fsp.writeFile(file, `${first.join("\n")}\n`);
      expect(await cli("db", "import", file, ...db())).toEqual({
        code: 0,
        out: `inserted ${N}, updated 0, unchanged 0, skipped 0\n`,
        err: "",
      });
      expect(await cli("db", "import", file, ...db())).toEqual({
        code: 0,
        out: `inserted 0, updated 0, unchanged ${N}, skipped 0\n`,
        err: "",
      });
      // Rows 0-9 change expiry, row 5 also appears twice (the last wins), two new rows one of which differs from an
      // existing AOR only in case, one bad row.
      const second = [
        ...first,
        ...Array.from({ length: 10 }, (_, i) => line(i, 1800)),
        line(5, 120),
        "sip:reg1.example.com,,sip:USER1@example.com,x,pw,sip:user1@192.0.2.1:5060,,3600,,0",
        line(N + 1),
        "sip:reg1.example.com,,sip:bad@example.com,x,pw-bad,sip:bad@192.0.2.1:0,,3600,,0",
      ];
      await fsp.writeFile(file, `${second.join("\n")}\n`);
      const r = await cli("db", "import", file, ...db());
      expect(r.out).toBe(`inserted 2, updated 11, unchanged ${N}, skipped 1\n`);
      expect(r.err).toMatch(
        new RegExp(
          `^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:${second.length}: skipped: aor=sip:bad@example.com;contact=sip:bad@192.0.2.1:0;registrar=sip:reg1.example.com: [^\\n]+\\n$`,
        ),
      );
      expect(r.err).not.toContain("pw-bad");
      expect(r.code).toBe(1);
      const rows = await rowsOf(engine.url(), table);
      expect(rows).toHaveLength(N + 2);
      expect(rows.find((x) => x.aor === "sip:user5@example.com")?.expiry).toBe(120);
      expect(rows.find((x) => x.aor === "sip:user3@example.com")?.expiry).toBe(1800);
      expect(rows.filter((x) => x.aor.toLowerCase() === "sip:user1@example.com")).toHaveLength(2);
    });

    it("exports CSV that imports into an empty table as the same rows; passwords only with --with-passwords", async () => {
      const out = join(dir, `${table}-export.csv`);
      const withPw = await cli("db", "export", out, "--with-passwords", ...db());
      expect(withPw.code).toBe(0);
      expect(withPw.err).toBe(`exported ${N + 2} row(s) to ${out}\n`);
      expect(((await fsp.stat(out)).mode & 0o777).toString(8)).toBe("600");
      const copy = `${table}_copy`;
      const copyDb = ["--db-url", engine.url(), "--table", copy];
      try {
        expect((await cli("db", "create", ...copyDb)).code).toBe(0);
        expect((await cli("db", "import", out, ...copyDb)).out).toBe(
          `inserted ${N + 2}, updated 0, unchanged 0, skipped 0\n`,
        );
        expect(await rowsOf(engine.url(), copy)).toEqual(await rowsOf(engine.url(), table));
      } finally {
        if (engine.server) await dropTable(engine.url(), copy);
      }
      const noPw = await cli("db", "export", ...db());
      expect(noPw.code).toBe(0);
      expect(noPw.out).not.toContain("pw-");
      const lines = noPw.out.trimEnd().split("\n");
      expect(lines[0]).toBe(
        "registrar,proxy,aor,third_party_registrant,username,password,binding_URI,binding_params,expiry,forced_socket,cluster_shtag,state",
      );
      expect(lines).toHaveLength(N + 3);
      expect(lines).toContain("sip:reg0.example.com,,sip:user3@example.com,,user3,,sip:user3@192.0.2.3:5060,,1800,,,0");
      expect(noPw.err).toContain("the password column is empty");
      expect(noPw.err).toContain("--with-passwords");
    });
  });
}
