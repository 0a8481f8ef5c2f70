import { describe, expect, it } from "vitest";
import { miResultTable } from "./mi-table.js";

describe("uacreg mi -o table", () => {
  it("flattens reg_list's Records into columns, the union of the keys in order of first appearance", () => {
    const text = miResultTable({
      Records: [
        { AOR: "sip:alice@example.com", expires: 3600, state: "REGISTERED_STATE", enabled: "yes" },
        { AOR: "sip:b@x", expires: 0, state: "WRONG_CREDENTIALS_STATE", enabled: "no", shtag: "vip" },
      ],
    });
    expect(text).toBe(
      [
        "Records:",
        "AOR                    expires  state                    enabled  shtag",
        "sip:alice@example.com  3600     REGISTERED_STATE         yes",
        "sip:b@x                0        WRONG_CREDENTIALS_STATE  no       vip",
        "",
      ].join("\n"),
    );
  });

  it("shows an object of scalars as name/value, nested objects as their own table, empty arrays as (none)", () => {
    expect(miResultTable({ Now: "Sun Dec  6 11:00:00 2026", "Up time": "5 [sec]" })).toBe(
      "name     value\nNow      Sun Dec  6 11:00:00 2026\nUp time  5 [sec]\n",
    );
    expect(miResultTable({ States: { REGISTERED_STATE: 2 }, Records: [] })).toBe(
      "States:\nname              value\nREGISTERED_STATE  2\n\nRecords: (none)\n",
    );
    expect(miResultTable("OK")).toBe("OK\n");
    expect(miResultTable(["a", "b"])).toBe("value\na\nb\n");
  });
});
