import { parseRegistrantRow, RecordValidationError } from "@uacreg/core";
import { describe, expect, it } from "vitest";
import { DbUrlError } from "./db-errors.js";
import { openRepository } from "./db-adapter.js";
import { maskSecret, toRegistrantRow } from "./sql-registrant-repository.js";

describe("reading a row", () => {
  it("maps NULL and '' to null in optional columns and numbers from strings", () => {
    const row = toRegistrantRow({
      id: "12",
      registrar: "sip:r",
      proxy: "",
      aor: "sip:a@x",
      third_party_registrant: null,
      username: "u",
      password: "",
      binding_URI: "sip:a@1.2.3.4",
      binding_params: null,
      expiry: "3600",
      forced_socket: "",
      cluster_shtag: "tag/1",
      state: "1",
    });
    expect(row).toEqual({
      id: 12,
      registrar: "sip:r",
      proxy: null,
      aor: "sip:a@x",
      third_party_registrant: null,
      username: "u",
      password: null,
      binding_URI: "sip:a@1.2.3.4",
      binding_params: null,
      expiry: 3600,
      forced_socket: null,
      cluster_shtag: "tag/1",
      state: 1,
    });
  });

  it("hands text in an integer column on as not-a-number, so the engine rejects the row naming the column", () => {
    const raw = {
      registrar: "sip:r",
      aor: "sip:a@x",
      binding_URI: "sip:a@1.2.3.4",
      expiry: "3600",
      state: 0,
    };
    const ctx = { timerInterval: 10, defaultExpires: 3600 };
    const reason = (r: Record<string, unknown>) => {
      try {
        parseRegistrantRow(toRegistrantRow(r), ctx);
        return "accepted";
      } catch (e) {
        return e instanceof RecordValidationError ? e.field : String(e);
      }
    };
    expect(reason(raw)).toBe("accepted");
    expect(reason({ ...raw, expiry: "soon" })).toBe("expiry");
    expect(reason({ ...raw, expiry: "1e3" })).toBe("expiry");
    expect(reason({ ...raw, expiry: " 60" })).toBe("expiry");
    expect(reason({ ...raw, state: "off" })).toBe("state");
    expect(reason({ ...raw, state: "0x1" })).toBe("state");
    expect(toRegistrantRow({ ...raw, expiry: "soon" }).expiry).toBeNaN();
    expect(toRegistrantRow({ ...raw, state: "off" }).state).toBeNaN();
    // NULL and '' in expiry still mean "default_expires" (docs/decisions.md).
    expect(toRegistrantRow({ ...raw, expiry: null }).expiry).toBeNull();
    expect(toRegistrantRow({ ...raw, expiry: "" }).expiry).toBeNull();
  });

  it("reads a NULL mandatory column as '' (the engine then rejects the row, docs/opensips-behaviour.md §2.2)", () => {
    const row = toRegistrantRow({ id: 1, registrar: null, aor: null, binding_URI: null, state: 0, expiry: null });
    expect([row.registrar, row.aor, row.binding_URI, row.expiry]).toEqual(["", "", "", null]);
  });
});

describe("password masking", () => {
  it("hides the raw and URL-encoded password in driver messages", () => {
    expect(maskSecret("auth failed for p@ss/w and p%40ss%2Fw", "p@ss/w")).toBe("auth failed for *** and ***");
    expect(maskSecret("nothing to hide", undefined)).toBe("nothing to hide");
  });
});

describe("openRepository", () => {
  it("names the scheme and the installed adapters, with the password masked", async () => {
    const err = await openRepository("mysql://u:hunter22@h/db", {}, [
      { schemes: ["sqlite"], open: () => Promise.reject(new Error("not called")) },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbUrlError);
    expect((err as Error).message).toBe(
      'db_url mysql://u:***@h/db: no adapter for "mysql" is installed (available: sqlite)',
    );
  });

  it("hands the parsed URL and the resolved table config to the adapter of the scheme", async () => {
    const seen: unknown[] = [];
    const repo = await openRepository("postgresql://u:pw@h/db", { columns: { aor: "to_uri" } }, [
      { schemes: ["mysql"], open: () => Promise.reject(new Error("wrong adapter")) },
      {
        schemes: ["postgres", "postgresql"],
        open: async (url, table) => {
          seen.push(url.scheme, url.password, table.tableName, table.columns.aor, table.columns.registrar);
          return {} as Awaited<ReturnType<typeof openRepository>>;
        },
      },
    ]);
    expect(repo).toEqual({});
    expect(seen).toEqual(["postgresql", "pw", "registrant", "to_uri", "registrar"]);
  });
});
