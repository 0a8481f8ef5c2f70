import { DbUrlError } from "@uacreg/db";
import { describe, expect, it } from "vitest";
import { loadDbAdapter } from "./db-adapters.js";

describe("the daemon's adapter, loaded for the db_url it is given (docs/performance-startup.md)", () => {
  it("serves the scheme the URL names", async () => {
    expect((await loadDbAdapter("sqlite://:memory:")).schemes).toContain("sqlite");
    expect((await loadDbAdapter("postgresql://u:pw@db/opensips")).schemes).toContain("postgresql");
    expect((await loadDbAdapter("mariadb://u:pw@db/opensips")).schemes).toContain("mariadb");
  });

  it("refuses an unknown scheme naming it and the supported ones, the password masked", async () => {
    const err = await loadDbAdapter("oracle://scott:Tiger-77@db/orcl").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbUrlError);
    expect((err as Error).message).toBe(
      'db_url oracle://scott:***@db/orcl: unsupported scheme "oracle" ' +
        "(supported: sqlite, postgres, postgresql, mysql, mariadb, mssql, sqlserver)",
    );
  });
});
