import { describe, expect, it } from "vitest";
import { DbUrlError } from "./db-errors.js";
import { maskDbUrl, parseDbUrl } from "./db-url.js";

describe("db_url in the OpenSIPS form", () => {
  it("parses mysql://user:pass@host:port/db", () => {
    expect(parseDbUrl("mysql://opensips:opensipsrw@localhost:3307/opensips")).toEqual({
      scheme: "mysql",
      engine: "mysql",
      user: "opensips",
      password: "opensipsrw",
      host: "localhost",
      port: 3307,
      database: "opensips",
      options: {},
      masked: "mysql://opensips:***@localhost:3307/opensips",
    });
  });

  it("accepts postgres:// and postgresql://, without port or password", () => {
    const a = parseDbUrl("postgres://postgres@127.0.0.1/test");
    expect(a).toMatchObject({ engine: "postgres", user: "postgres", host: "127.0.0.1", database: "test" });
    expect(a.password).toBeUndefined();
    expect(a.port).toBeUndefined();
    expect(parseDbUrl("postgresql://u:p@db.example.com:5433/reg").engine).toBe("postgres");
    expect(parseDbUrl("mariadb://u@h/d").engine).toBe("mysql");
    expect(parseDbUrl("mssql://sa:pw@sql.example.com/uacreg").engine).toBe("mssql");
  });

  it("decodes a URL-encoded user and password, with '@', ':' and '/' inside", () => {
    const u = parseDbUrl("postgres://us%40er:p%40ss%3Aw%2Fo%3Frd@host/db");
    expect(u.user).toBe("us@er");
    expect(u.password).toBe("p@ss:w/o?rd");
    expect(u.masked).toBe("postgres://us%40er:***@host/db");
    // A raw '@' in the password still works: the last '@' of the authority ends the user info.
    expect(parseDbUrl("mysql://u:p@ss@h/d")).toMatchObject({ password: "p@ss", host: "h" });
  });

  it("parses IPv6 hosts in brackets", () => {
    expect(parseDbUrl("postgres://u@[::1]:5432/db")).toMatchObject({ host: "::1", port: 5432 });
  });

  it("passes query options through (TLS and others), decoded", () => {
    const u = parseDbUrl("postgres://u:p@h/db?sslmode=verify-full&application_name=uac%20reg&ssl");
    expect(u.options).toEqual({ sslmode: "verify-full", application_name: "uac reg", ssl: "true" });
    expect(u.database).toBe("db");
    expect(parseDbUrl("mssql://sa:pw@h/db?encrypt=true&trustServerCertificate=false").options).toEqual({
      encrypt: "true",
      trustServerCertificate: "false",
    });
  });

  it("parses SQLite absolute, relative and in-memory paths", () => {
    expect(parseDbUrl("sqlite:///var/lib/uacreg/uacreg.db")).toMatchObject({
      engine: "sqlite",
      database: "/var/lib/uacreg/uacreg.db",
      options: {},
    });
    expect(parseDbUrl("sqlite://data/uacreg.db").database).toBe("data/uacreg.db");
    expect(parseDbUrl("sqlite://:memory:").database).toBe(":memory:");
    expect(parseDbUrl("sqlite:///tmp/x.db?readonly=1")).toMatchObject({
      database: "/tmp/x.db",
      options: { readonly: "1" },
    });
  });

  it.each([
    ["not a url", /not of the form/],
    ["oracle://u:secretpw@h/db", /unsupported scheme "oracle"/],
    ["mysql://u:secretpw@h", /no database name/],
    ["mysql://u:secretpw@h/", /empty database name/],
    ["mysql://u:secretpw@h:99999/db", /port 99999 is out of range/],
    ["mysql://u:secretpw@h:x/db", /bad host/],
    ["mysql://u:secret%ZZpw@h/db", /password is not valid URL encoding/],
    ["sqlite://", /no SQLite file path/],
  ])("rejects %s with a DbUrlError that hides the password", (url, message) => {
    let err: unknown;
    try {
      parseDbUrl(url);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DbUrlError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain("secret");
  });

  it("masks the password of any URL, even one that does not parse", () => {
    expect(maskDbUrl("mysql://u:pw@h/db")).toBe("mysql://u:***@h/db");
    expect(maskDbUrl("bogus://u:pw@")).toBe("bogus://u:***@");
    expect(maskDbUrl("mysql://u@h/db")).toBe("mysql://u@h/db");
    expect(maskDbUrl("sqlite:///x.db")).toBe("sqlite:///x.db");
    expect(maskDbUrl("mysql://u:p@ss/word@h/db")).toBe("mysql://u:***@h/db");
  });

  it("masks a password given as a query option", () => {
    expect(maskDbUrl("postgres://u@h/db?sslmode=require&password=Leak2&x=1")).toBe(
      "postgres://u@h/db?sslmode=require&password=***&x=1",
    );
    expect(maskDbUrl("mssql://u:pw@h/db?Pwd=a&app=b")).toBe("mssql://u:***@h/db?Pwd=***&app=b");
    expect(maskDbUrl("mysql://u@h/db?ssl=true")).toBe("mysql://u@h/db?ssl=true");
  });
});
