import { promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRepository } from "@uacreg/db";
import { sqliteAdapter } from "@uacreg/db-sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../src/cli.js";

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

let dir: string;
let dbUrl: string;

/**
 * Writes `lines` as the CSV file `name` in the test directory, runs `db import` on it with `args`, and checks that
 * `imported` rows were inserted and the others were skipped (exit 1), each with the stderr line `<file>:<line>: skipped: `
 * followed by its entry in `skipped` (a function of the file's path).
 */
async function importRefusing(
  name: string,
  lines: readonly string[],
  args: readonly string[],
  imported: number,
  skipped: (file: string) => readonly string[],
): Promise<void> {
  const file = join(dir, name);
  await fsp.writeFile(file, lines.join("\n"));
  const imp = await cli("db", "import", file, ...args);
  const expected = skipped(file);
  expect(imp.out).toBe(`inserted ${imported}, updated 0, unchanged 0, skipped ${expected.length}\n`);
  expect(imp.err).toBe(expected.map((line) => `${line}\n`).join(""));
  expect(imp.code).toBe(1);
}

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), "uacreg-cli-db-"));
  dbUrl = `sqlite://${dir}/registrant.db`;
});
afterEach(() => fsp.rm(dir, { recursive: true, force: true }));

const CSV = [
  "registrar,proxy,aor,third_party_registrant,username,password,binding_URI,binding_params,expiry,forced_socket,cluster_shtag,state",
  "sip:reg.example.com,,sip:alice@example.com,,alice,s3cret,sip:alice@192.0.2.10:5060,,3600,,,0",
  "sip:reg.example.com,sip:proxy.example.com,sip:bob@example.com,,bob,,sip:bob@192.0.2.10:5060,,600,,vip/1,1",
  "sip:reg.example.com,,,,carol,pw,sip:carol@192.0.2.10:5060,,600,,,0",
].join("\n");

describe("uacreg db on a SQLite file", () => {
  it("creates the table, imports a CSV (skipping bad rows by line) and lists the rows with passwords masked", async () => {
    expect((await cli("db", "create", "--db-url", dbUrl)).code).toBe(0);
    expect((await cli("db", "create", "--db-url", dbUrl)).code).toBe(0); // idempotent
    const file = join(dir, "rows.csv");
    await fsp.writeFile(file, CSV);
    const imp = await cli("db", "import", file, "--db-url", dbUrl);
    expect(imp.code).toBe(1);
    expect(imp.out).toBe("inserted 2, updated 0, unchanged 0, skipped 1\n");
    expect(imp.err).toBe(
      `${file}:4: skipped: aor=;contact=sip:carol@192.0.2.10:5060;registrar=sip:reg.example.com: aor is empty\n`,
    );
    const list = await cli("db", "list", "--db-url", dbUrl);
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.out) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      aor: "sip:alice@example.com",
      username: "alice",
      password: "********",
      expiry: 3600,
      state: 0,
      proxy: null,
    });
    expect(rows[1]).toMatchObject({ aor: "sip:bob@example.com", password: null, cluster_shtag: "vip/1", state: 1 });
    expect(list.out).not.toContain("s3cret");
    expect(list.out.startsWith("[\n    {\n        ")).toBe(true);
  });

  it("creates the cluster tables beside the registrant table, idempotently (docs/cluster.md §2)", async () => {
    expect((await cli("db", "create", "--db-url", dbUrl)).code).toBe(0);
    expect((await cli("db", "create", "--db-url", dbUrl)).code).toBe(0);
    const repo = await openRepository(dbUrl, {}, [sqliteAdapter]);
    try {
      await repo.checkClusterSchema();
      await repo.checkSchema();
      const store = repo.leaseStore();
      expect((await store.join({ name: "a", incarnation: "a-1" }, 15_000, "x")).kind).toBe("joined");
    } finally {
      await repo.close();
    }
  });

  it("upserts: importing the same key again updates the row instead of adding one", async () => {
    await cli("db", "create", "--db-url", dbUrl);
    const file = join(dir, "a.csv");
    await fsp.writeFile(file, "aor,binding_URI,registrar,expiry\nsip:a@x,sip:a@h,sip:x,1000\n");
    expect((await cli("db", "import", file, "--db-url", dbUrl)).code).toBe(0);
    await fsp.writeFile(
      file,
      "aor,binding_URI,registrar,expiry\nsip:a@x,sip:a@h,sip:x,900\nsip:a@x,sip:a@h,sip:y,500\n",
    );
    expect((await cli("db", "import", file, "--db-url", dbUrl)).out).toBe(
      "inserted 1, updated 1, unchanged 0, skipped 0\n",
    );
    // The same file once more: nothing to write.
    expect((await cli("db", "import", file, "--db-url", dbUrl)).out).toBe(
      "inserted 0, updated 0, unchanged 2, skipped 0\n",
    );
    const rows = JSON.parse((await cli("db", "list", "--db-url", dbUrl)).out) as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.registrar, r.expiry])).toEqual([
      ["sip:x", 900],
      ["sip:y", 500],
    ]);
  });

  it("skips the rows the daemon's loader would reject (core's row validation, the config's timer_interval and listen)", async () => {
    const cfg = join(dir, "uacreg.yaml");
    await fsp.writeFile(cfg, `db_url: "${dbUrl}"\nregistrant:\n  timer_interval: 30\nlisten: [udp:127.0.0.1:5060]\n`);
    await cli("db", "create", "--config", cfg);
    await importRefusing(
      "strict.csv",
      [
        "aor,binding_URI,registrar,expiry,forced_socket",
        "sip:a@x,sip:a@h,sip:x,31,udp:127.0.0.1:5060",
        "sip:b@x,sip:b@h,sip:x,30,",
        "sip:c@x,sip:c@h,sip:x,600,udp:127.0.0.1:5070",
        "sip:d@x,sip:d@h,sip:user@x,600,",
      ],
      ["--config", cfg],
      1,
      (file) => [
        `${file}:3: skipped: aor=sip:b@x;contact=sip:b@h;registrar=sip:x: expiry: 30 s is not above timer_interval 30 s (Please decrease timer_interval)`,
        `${file}:4: skipped: aor=sip:c@x;contact=sip:c@h;registrar=sip:x: forced_socket: udp:127.0.0.1:5070 is not a listening socket`,
        `${file}:5: skipped: aor=sip:d@x;contact=sip:d@h;registrar=sip:user@x: registrar: must not have a user part`,
      ],
    );
  });

  it("refuses what reg_upsert and the loader refuse (non-SIP AOR, port 0, bad host, absurd expiry or state), one line per row naming its key", async () => {
    await cli("db", "create", "--db-url", dbUrl);
    const key = (user: string, contact = `sip:${user}@192.0.2.1`, registrar = "sip:reg.test") =>
      `aor=sip:${user}@x.test;contact=${contact};registrar=${registrar}`;
    await importRefusing(
      "hostile.csv",
      [
        "aor,binding_URI,registrar,proxy,expiry,state",
        "sip:ok@x.test,sip:ok@192.0.2.1:5060,sip:reg.test,,3600,0",
        "mailto:a@x.test,sip:a@192.0.2.1,sip:reg.test,,3600,0",
        "sip:b@x.test,sip:b@192.0.2.1:0,sip:reg.test,,3600,0",
        "sip:c@x.test,sip:c@192.0.2.1,sip:reg.test:0,,3600,0",
        "sip:d@x.test,sip:d@192.0.2.1,sip:reg..test,,3600,0",
        "sip:e@x.test,sip:e@192.0.2.1,sip:reg.test,sip:10.0.0.999,3600,0",
        "sip:f@x.test,sip:f@192.0.2.1,sip:reg.test,,1099511627776,0",
        "sip:g@x.test,sip:g@192.0.2.1,sip:reg.test,,3600,1099511627776",
        "sip:h@x.test,sip:h@192.0.2.1,sip:reg.test,,3600,off",
      ],
      ["--db-url", dbUrl],
      1,
      (file) => [
        `${file}:3: skipped: aor=mailto:a@x.test;contact=sip:a@192.0.2.1;registrar=sip:reg.test: aor: is not a sip: or sips: URI`,
        `${file}:4: skipped: ${key("b", "sip:b@192.0.2.1:0")}: binding_URI: has port 0 (a port is 1..65535)`,
        `${file}:5: skipped: ${key("c", undefined, "sip:reg.test:0")}: registrar: has port 0 (a port is 1..65535)`,
        `${file}:6: skipped: ${key("d", undefined, "sip:reg..test")}: registrar: host "reg..test" has an empty label`,
        `${file}:7: skipped: ${key("e")}: proxy: host "10.0.0.999" is not an IPv4 address (four numbers 0..255)`,
        `${file}:8: skipped: ${key("f")}: expiry: 1099511627776 s is above 2147483647 s (the column is a 32-bit int)`,
        `${file}:9: skipped: ${key("g")}: state: "1099511627776" is not a 32-bit integer`,
        `${file}:10: skipped: ${key("h")}: state "off" is not an integer`,
      ],
    );
    const rows = JSON.parse((await cli("db", "list", "--db-url", dbUrl)).out) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.aor)).toEqual(["sip:ok@x.test"]);
  });

  it("imports a file that repeats a key: the last row wins", async () => {
    await cli("db", "create", "--db-url", dbUrl);
    const file = join(dir, "dup.csv");
    await fsp.writeFile(
      file,
      "aor,binding_URI,registrar,expiry\nsip:a@x,sip:a@h,sip:x,300\nsip:b@x,sip:b@h,sip:x,300\nsip:a@x,sip:a@h,sip:x,400\n",
    );
    expect((await cli("db", "import", file, "--db-url", dbUrl)).code).toBe(0);
    const rows = JSON.parse((await cli("db", "list", "--db-url", dbUrl)).out) as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.aor, r.expiry])).toEqual([
      ["sip:a@x", 400],
      ["sip:b@x", 300],
    ]);
  });

  it("uses db_url, table_name and *_column from the daemon's YAML config", async () => {
    const cfg = join(dir, "uacreg.yaml");
    await fsp.writeFile(
      cfg,
      `db_url: "${dbUrl}"\nregistrant:\n  table_name: regs\n  aor_column: to_uri\n  hash_size: 2\nlisten: [udp:127.0.0.1:5060]\n`,
    );
    expect((await cli("--config", cfg, "db", "create")).out).toContain(
      "table regs (version 3) and the cluster tables are ready",
    );
    const file = join(dir, "b.csv");
    await fsp.writeFile(file, "to_uri,binding_URI,registrar\nsip:a@x,sip:a@h,sip:x\n");
    expect((await cli("db", "import", file, "--config", cfg)).code).toBe(0);
    const rows = JSON.parse((await cli("db", "list", "--config", cfg)).out) as Array<Record<string, unknown>>;
    expect(rows).toMatchObject([{ aor: "sip:a@x", binding_URI: "sip:a@h" }]);
  });

  it("prints [] for an empty table", async () => {
    await cli("db", "create", "--db-url", dbUrl);
    expect((await cli("db", "list", "--db-url", dbUrl)).out).toBe("[]\n");
  });

  it("tells the user to create the table first", async () => {
    const r = await cli("db", "list", "--db-url", dbUrl);
    expect(r.code).toBe(1);
    expect(r.err).toContain("uacreg db create");
  });

  it("refuses a bad header with exit 2 and imports nothing", async () => {
    await cli("db", "create", "--db-url", dbUrl);
    const file = join(dir, "c.csv");
    await fsp.writeFile(file, "aor,binding_URI,registrar,colour\nsip:a@x,sip:a@h,sip:x,red\n");
    const r = await cli("db", "import", file, "--db-url", dbUrl);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown column "colour"');
    expect((await cli("db", "list", "--db-url", dbUrl)).out).toBe("[]\n");
  });

  it("masks the password of a db_url in errors", async () => {
    const r = await cli("db", "list", "--db-url", "oracle://u:topsecret@127.0.0.1:1/nodb");
    expect(r.code).toBe(1);
    expect(r.err).not.toContain("topsecret");
  });

  it("needs a database URL", async () => {
    const r = await cli("db", "list");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--db-url");
  });
});
