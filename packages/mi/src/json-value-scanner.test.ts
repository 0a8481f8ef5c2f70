import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, parseFirstJsonValue, scanJsonValue } from "./json-value-scanner.js";

const enc = (s: string) => new TextEncoder().encode(s);

describe("scanJsonValue", () => {
  it.each([
    ['{"a":1}', 7],
    ['  {"a":[1,2,{"b":null}]} tail', 24],
    ["[]x", 2],
    ['"s\\"x" y', 6],
    ["true false", 4],
    ["-0.5e+3 ", 7],
    ["01", 1],
  ])("finds where %j ends", (text, end) => {
    expect(scanJsonValue(enc(text), 0, false)).toEqual({ status: "complete", end });
  });

  it.each(['{"a":', '{"a', "[1,", '"abc', '"\\u00', "tru", "-", "12"])(
    "reports %j as incomplete on a stream and invalid when final",
    (text) => {
      expect(scanJsonValue(enc(text), 0, false).status).toBe("incomplete");
      const final = scanJsonValue(enc(text), 0, true);
      expect(final.status).toBe(text === "12" ? "complete" : "invalid");
    },
  );

  it.each(["{a:1}", "[1,]", '{"a":1,}', "1.", "+1", '"\\x"', '"a\nb"', "nul!", "}", ":", "{'a':1}"])(
    "rejects %j",
    (text) => {
      expect(scanJsonValue(enc(text), 0, true).status).toBe("invalid");
    },
  );

  it("refuses nesting deeper than MAX_JSON_DEPTH without recursion", () => {
    const deep = "[".repeat(MAX_JSON_DEPTH + 1) + "]".repeat(MAX_JSON_DEPTH + 1);
    expect(scanJsonValue(enc(deep), 0, true).status).toBe("invalid");
    const ok = "[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH);
    expect(scanJsonValue(enc(ok), 0, true).status).toBe("complete");
  });

  it("agrees with JSON.parse on any serialized value, followed by anything", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, tail) => {
        const text = JSON.stringify(value);
        const parsed = parseFirstJsonValue(enc(`${text} ${tail}`), 0, true);
        expect(parsed.status).toBe("complete");
        if (parsed.status === "complete") expect(parsed.value).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it("never throws and never accepts what JSON.parse rejects (whole input)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const scan = scanJsonValue(bytes, 0, true);
        if (scan.status === "complete") {
          const text = new TextDecoder().decode(bytes.subarray(0, scan.end));
          expect(() => JSON.parse(text)).not.toThrow();
        }
      }),
      { numRuns: 2000 },
    );
  });
});
