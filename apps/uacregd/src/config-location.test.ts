import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigEnvironment } from "@uacreg/config";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { main } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "uacregd-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs `uacregd argv` in `environment` without starting anything; what it printed, and its exit code. */
async function uacregd(argv: string[], env: Record<string, string>) {
  const environment: ConfigEnvironment = { env, cwd: dir, uid: 1000 };
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  const code = await main(argv, environment);
  vi.restoreAllMocks();
  return { code, out, err };
}

const good = "listen: [udp:127.0.0.1:0]\nmi: {http: null, fifo: null}\nmetrics: null\n";

describe("uacregd finds its configuration", () => {
  it("in the file UACREG_CONFIG names when there is no --config", async () => {
    const bad = file("env-bad.yaml", `${good}registrant: {hash_size: 0}\n`);
    const r = await uacregd([], { UACREG_CONFIG: bad });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^uacregd: config: registrant\.hash_size: .*\(got 0\)\n$/);
  });

  it("in --config over UACREG_CONFIG", async () => {
    const bad = file("env-bad2.yaml", "tiemr: 1\n");
    const r = await uacregd(["--check-config", file("flag-good.yaml", good)], { UACREG_CONFIG: bad });
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toBe(`${join(dir, "flag-good.yaml")}: ok\n`);
  });
});

describe("uacregd --check-config", () => {
  it("also refuses a db_url option the driver would refuse, offline, the password option masked", async () => {
    const f = file("opt.yaml", `${good}db_url: "postgres://postgres@127.0.0.1:1/test?password=QueryPw-991"\n`);
    const r = await uacregd(["--check-config", f], {});
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      'uacregd: config: db_url: unknown option "password" for postgres (known: ssl, sslmode, connect_timeout, ' +
        'application_name) (got "postgres://postgres@127.0.0.1:1/test?password=***")\n',
    );
  });

  it("refuses table and column names start-up refuses", async () => {
    const t = await uacregd(
      ["--check-config", file("table.yaml", `${good}registrant: {table_name: "reg-table"}\n`)],
      {},
    );
    expect(t.code).toBe(2);
    expect(t.err).toContain('config: registrant.table_name: table_name "reg-table" is not a plain SQL identifier');
    const c = await uacregd(["--check-config", file("column.yaml", `${good}registrant: {aor_column: "proxy"}\n`)], {});
    expect(c.code).toBe(2);
    expect(c.err).toContain('config: registrant.aor_column: aor_column "proxy" clashes with proxy_column');
  });

  it("refuses a data_dir start-up could not create (under a regular file, under /proc)", async () => {
    const plain = file("plain-file", "");
    const under = await uacregd(["--check-config", file("dd1.yaml", `${good}data_dir: ${plain}/data\n`)], {});
    expect(under.code).toBe(2);
    expect(under.out).toBe("");
    expect(under.err).toBe(
      `uacregd: config: data_dir: the database directory cannot be created: ${plain} is not a directory (got "${plain}/data")\n`,
    );
    const proc = await uacregd(["--check-config", file("dd2.yaml", `${good}data_dir: /proc/uacreg-nope/data\n`)], {});
    expect(proc.code).toBe(2);
    expect(proc.err).toMatch(/^uacregd: config: data_dir: the database directory cannot be created: \/proc/);
  });

  it("names db_url when the SQLite file is given there", async () => {
    const plain = file("plain-file2", "");
    const r = await uacregd(["--check-config", file("dd3.yaml", `${good}db_url: "sqlite://${plain}/x/r.db"\n`)], {});
    expect(r.code).toBe(2);
    expect(r.err).toContain("uacregd: config: db_url: the database directory cannot be created:");
  });

  it("accepts a data_dir that does not exist yet under a writable directory", async () => {
    const r = await uacregd(["--check-config", file("dd4.yaml", `${good}data_dir: ${dir}/new/data\n`)], {});
    expect(r).toMatchObject({ code: 0, err: "" });
  });
});
