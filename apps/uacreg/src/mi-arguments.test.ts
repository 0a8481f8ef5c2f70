import { describe, expect, it } from "vitest";
import { miParamsFromArgs } from "./mi-arguments.js";

describe("opensips-cli argument mapping (docs/mi-protocol.md §6)", () => {
  it("sends no arguments as {}", () => {
    expect(miParamsFromArgs([])).toEqual({});
  });

  it("makes a named object of strings when every argument is name=value", () => {
    expect(miParamsFromArgs(["aor=sip:a@x", "contact=sip:a@1.2.3.4", "registrar=sip:x"])).toEqual({
      aor: "sip:a@x",
      contact: "sip:a@1.2.3.4",
      registrar: "sip:x",
    });
    expect(miParamsFromArgs(["a.b-c_d=1=2"])).toEqual({ "a.b-c_d": "1=2" });
  });

  it("makes a positional array when any argument is not name=value", () => {
    expect(miParamsFromArgs(["aor=sip:a@x", "sip:a@1.2.3.4"])).toEqual(["aor=sip:a@x", "sip:a@1.2.3.4"]);
    expect(miParamsFromArgs(["sip:a@x"])).toEqual(["sip:a@x"]);
  });

  it("does not take names with digits as named (the regex is ^[a-zA-Z._-]+=)", () => {
    expect(miParamsFromArgs(["p1=x"])).toEqual(["p1=x"]);
  });

  it("keeps every value a string unless -j, which JSON-decodes what parses", () => {
    expect(miParamsFromArgs(["expiry=3600"])).toEqual({ expiry: "3600" });
    expect(miParamsFromArgs(["expiry=3600", "aor=sip:a@x", "x=[1]"], true)).toEqual({
      expiry: 3600,
      aor: "sip:a@x",
      x: [1],
    });
    expect(miParamsFromArgs(["5", "null", "abc"], true)).toEqual([5, null, "abc"]);
  });
});
