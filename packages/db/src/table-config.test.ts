import { describe, expect, it } from "vitest";
import { TableConfigError } from "./db-errors.js";
import { defaultTableConfig, REGISTRANT_COLUMNS, resolveTableConfig } from "./table-config.js";

describe("table_name and *_column", () => {
  it("defaults to the OpenSIPS names (docs/opensips-behaviour.md §1)", () => {
    expect(defaultTableConfig.tableName).toBe("registrant");
    expect(Object.keys(defaultTableConfig.columns)).toEqual([...REGISTRANT_COLUMNS]);
    expect(defaultTableConfig.columns.binding_URI).toBe("binding_URI");
    expect(resolveTableConfig()).toEqual(defaultTableConfig);
  });

  it("applies overrides over the defaults", () => {
    const t = resolveTableConfig({ tableName: "uac_reg", columns: { aor: "to_uri", state: "disabled" } });
    expect(t.tableName).toBe("uac_reg");
    expect(t.columns.aor).toBe("to_uri");
    expect(t.columns.state).toBe("disabled");
    expect(t.columns.registrar).toBe("registrar");
  });

  it.each([
    [{ tableName: "reg; DROP TABLE x" }, /table_name/],
    [{ columns: { aor: 'a"b' } }, /aor_column/],
    [{ columns: { proxy: "" } }, /proxy_column/],
    [{ columns: { proxy: "AOR" } }, /aor_column "aor" clashes with proxy_column/],
    [{ columns: { state: "id" } }, /clashes with id_column/],
  ])("rejects %j", (config, message) => {
    expect(() => resolveTableConfig(config)).toThrow(TableConfigError);
    expect(() => resolveTableConfig(config)).toThrow(message);
  });
});
