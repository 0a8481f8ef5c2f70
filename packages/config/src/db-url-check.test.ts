import { DbUrlError, openRepository } from "@uacreg/db";
import { sqliteAdapter } from "@uacreg/db-sqlite";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { checkDriverOptions } from "./db-url-check.js";

const refusal = async (url: string): Promise<ConfigError> => {
  try {
    await checkDriverOptions(url);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("accepted");
};

describe("the db_url options --check-config checks offline", () => {
  it("refuses an option the driver is not given, with the masked URL and the options it knows", async () => {
    const e = await refusal("postgres://postgres@127.0.0.1:1/test?password=QueryPw-991");
    expect(e.key).toBe("db_url");
    expect(e.message).toBe(
      'config: db_url: unknown option "password" for postgres (known: ssl, sslmode, connect_timeout, application_name) ' +
        '(got "postgres://postgres@127.0.0.1:1/test?password=***")',
    );
    expect(e.message).not.toContain("QueryPw-991");
  });

  it("words the refusal as the adapter does when it opens the database", async () => {
    const url = "sqlite://:memory:?journal=wal";
    const opened = await openRepository(url, {}, [sqliteAdapter]).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(opened).toBeInstanceOf(DbUrlError);
    const adapterReason = (opened as DbUrlError).message.replace(`db_url ${url}: `, "");
    expect((await refusal(url)).message).toBe(`config: db_url: ${adapterReason} (got "${url}")`);
  });

  it.each([
    "sqlite:///var/lib/uacreg/registrant.db?readonly=1&timeout=100",
    "postgres://u:p@db/opensips?sslmode=require&connect_timeout=5&application_name=x",
    "mysql://u:p@db/opensips?ssl=require&charset=utf8mb4",
    "mssql://u:p@db/opensips?encrypt=false&trustServerCertificate=true&instanceName=SQL1",
  ])("takes the options each adapter passes to its driver: %s", async (url) => {
    await expect(checkDriverOptions(url)).resolves.toBeUndefined();
  });

  it.each([
    ["sqlite:///tmp/r.db?timeout=soon", "option timeout=soon must be a whole number of milliseconds (0..2147483647)"],
    ["sqlite:///tmp/r.db?timeout=1.5", "option timeout=1.5 must be a whole number of milliseconds (0..2147483647)"],
    ["postgres://u@db/opensips?connect_timeout=ten", "option connect_timeout=ten must be a number of seconds ≥ 0"],
    ["mssql://u@db/opensips?connect_timeout=-1", "option connect_timeout=-1 must be a number of seconds ≥ 0"],
  ])("refuses a value the driver refuses or cannot use: %s", async (url, reason) => {
    expect((await refusal(url)).message).toBe(`config: db_url: ${reason} (got "${url}")`);
  });

  it("words a refused value as better-sqlite3 refuses it when the adapter opens the database", async () => {
    const url = "sqlite://:memory:?timeout=soon";
    const opened = await openRepository(url, {}, [sqliteAdapter]).then(
      () => undefined,
      (err: unknown) => err,
    );
    // The driver refuses it at open (the repository classifies the TypeError); the check says so before.
    expect(String(opened)).toMatch(/timeout/);
    expect((await refusal(url)).key).toBe("db_url");
  });

  it.each([
    ["mysql://u:p@db/opensips?sslmode=require", '"sslmode" for mysql'],
    ["mssql://u:p@db/opensips?ssl=1", '"ssl" for mssql'],
    ["sqlite:///tmp/r.db?mode=ro", '"mode" for sqlite'],
  ])("refuses %s", async (url, what) => {
    expect((await refusal(url)).message).toContain(`unknown option ${what}`);
  });
});
