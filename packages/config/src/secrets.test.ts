import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDbUrl } from "@uacreg/db";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "./config-file.js";
import { ConfigError } from "./config-error.js";
import { resolveConfig } from "./resolve-config.js";
import { describeDbUrlSource } from "./secrets.js";

const dir = mkdtempSync(join(tmpdir(), "uacreg-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
};
const PASSWORD = "s3cr:t/p@ss word%";
const refusal = (doc: unknown, env: Record<string, string> = {}): ConfigError => {
  try {
    resolveConfig(doc, "/d", env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("accepted");
};

describe("db_url from UACREG_DB_URL", () => {
  it("overrides the file's db_url, and says so", () => {
    const c = resolveConfig({ db_url: "sqlite:///x.db" }, "/d", { UACREG_DB_URL: "postgres://u:pw@db/reg" });
    expect(c.db_url).toBe("postgres://u:pw@db/reg");
    expect(c.db_url_source).toEqual({ url: "UACREG_DB_URL" });
    expect(describeDbUrlSource(c.db_url_source!)).toBe("UACREG_DB_URL");
  });

  it("an empty variable counts as unset; without either the default is used", () => {
    expect(resolveConfig({ db_url: "sqlite:///x.db" }, "/d", { UACREG_DB_URL: "" }).db_url_source).toEqual({
      url: "db_url",
    });
    const c = resolveConfig(undefined, "/d", {});
    expect(c.db_url).toBe("sqlite:///d/registrant.db");
    expect(describeDbUrlSource(c.db_url_source!)).toBe("the embedded SQLite default");
  });

  it("also applies with no config file at all (loadConfig reads the process environment)", () => {
    const { config } = loadConfig({}, { env: { UACREG_DB_URL: "mysql://u@db/reg" }, cwd: dir, uid: 1000 });
    expect(config.db_url).toBe("mysql://u@db/reg");
  });

  it("a bad URL is refused naming UACREG_DB_URL, the password masked", () => {
    const e = refusal({}, { UACREG_DB_URL: `oracle://u:${PASSWORD}@db/reg` });
    expect(e.key).toBe("UACREG_DB_URL");
    expect(e.message).toContain("unsupported scheme");
    expect(e.message).not.toContain("s3cr");
  });
});

describe("db_password_file", () => {
  it("puts the file's content, without the trailing newline, as the password of db_url (percent-encoded)", () => {
    const pw = file("pw", `${PASSWORD}\n`);
    const c = resolveConfig({ db_url: "postgres://uacreg@db.example.net:5433/opensips", db_password_file: pw }, "/d");
    const url = parseDbUrl(c.db_url);
    expect(url).toMatchObject({ user: "uacreg", password: PASSWORD, host: "db.example.net", port: 5433 });
    expect(url.masked).toBe("postgres://uacreg:***@db.example.net:5433/opensips");
    expect(describeDbUrlSource(c.db_url_source!)).toBe(`db_url, password from db_password_file ${pw}`);
  });

  it("fills the password of UACREG_DB_URL too, and takes a CRLF-ended file", () => {
    const pw = file("pw-crlf", `${PASSWORD}\r\n`);
    const c = resolveConfig({ db_password_file: pw }, "/d", {
      UACREG_DB_URL: "mysql://opensips@db/opensips?charset=utf8",
    });
    expect(parseDbUrl(c.db_url)).toMatchObject({ user: "opensips", password: PASSWORD, options: { charset: "utf8" } });
    expect(c.db_url_source).toEqual({ url: "UACREG_DB_URL", passwordFile: pw });
  });

  it("refuses, naming db_password_file and never showing a password: unreadable, empty, two lines", () => {
    const url = "postgres://uacreg@db/opensips";
    const missing = refusal({ db_url: url, db_password_file: join(dir, "nope") });
    expect(missing.key).toBe("db_password_file");
    expect(missing.message).toContain("cannot read the file (ENOENT)");
    expect(refusal({ db_url: url, db_password_file: file("empty", "\n") }).message).toContain("the file is empty");
    const two = refusal({ db_url: url, db_password_file: file("two", `${PASSWORD}\nmore\n`) });
    expect(two.message).toContain("on one line");
    expect(two.message).not.toContain("s3cr");
  });

  it("refuses a URL that already has a password, has no user, or is SQLite", () => {
    const pw = file("pw2", PASSWORD);
    const has = refusal({ db_url: "postgres://u:other@db/x", db_password_file: pw });
    expect(has.message).toBe(
      `config: db_password_file: db_url already has a password: give it in one place only (got ${JSON.stringify(pw)})`,
    );
    expect(has.message).not.toContain("other");
    expect(refusal({ db_password_file: pw }, { UACREG_DB_URL: "mssql://u@db/x?password=p" }).message).toContain(
      "UACREG_DB_URL already has a password",
    );
    expect(refusal({ db_url: "postgres://db/x", db_password_file: pw }).message).toContain("has no user name");
    expect(refusal({ db_password_file: pw }).message).toContain("the default db_url is SQLite");
  });
});
