import { describe, expect, it } from "vitest";
import { scanAuthenticateHeader } from "./index.js";

function scan(value: string) {
  return scanAuthenticateHeader(value, 0);
}

describe("splitting a header value into challenges (RFC 7235 §4.1)", () => {
  it("splits `Digest a=1, b=2, Digest c=3` into two challenges", () => {
    const r = scan("Digest a=1, b=2, Digest c=3");
    expect(r.error).toBeUndefined();
    expect(r.challenges.map((c) => [c.scheme, c.params.map((p) => `${p.name}=${p.value}`)])).toEqual([
      ["Digest", ["a=1", "b=2"]],
      ["Digest", ["c=3"]],
    ]);
  });

  it("splits a Basic challenge with params and a token68 challenge from Digest ones", () => {
    const r = scan('Basic realm="x", Negotiate abc+/def==, Digest realm="r", nonce="n"');
    expect(r.error).toBeUndefined();
    expect(r.challenges.map((c) => c.scheme)).toEqual(["Basic", "Negotiate", "Digest"]);
    expect(r.challenges[1]?.token68).toBe("abc+/def==");
    expect(r.challenges[2]?.offset).toBe(39);
  });

  it("accepts a bare scheme, empty list elements and whitespace around =", () => {
    const r = scan(' , Foo ,, Digest realm = "r" ,\tnonce=n ,');
    expect(r.error).toBeUndefined();
    expect(r.challenges.map((c) => c.scheme)).toEqual(["Foo", "Digest"]);
    expect(r.challenges[1]?.params).toEqual([
      { name: "realm", value: "r", quoted: true },
      { name: "nonce", value: "n", quoted: false },
    ]);
  });

  it("lowercases parameter names and keeps values as sent", () => {
    const r = scan('Digest REALM="Reg.Test", Nonce=AbC');
    expect(r.challenges[0]?.params.map((p) => [p.name, p.value])).toEqual([
      ["realm", "Reg.Test"],
      ["nonce", "AbC"],
    ]);
  });

  it("unescapes quoted-pairs and keeps commas inside quotes", () => {
    const r = scan('Digest realm="a\\"b\\\\c, d", nonce="x"');
    expect(r.challenges[0]?.params[0]?.value).toBe('a"b\\c, d');
    expect(r.challenges).toHaveLength(1);
  });

  it("reads unquoted base64-ish values (a lenient extension for servers that forget quotes)", () => {
    const r = scan("Digest nonce=ab/cd+ef==, realm=reg.test");
    expect(r.error).toBeUndefined();
    expect(r.challenges[0]?.params[0]?.value).toBe("ab/cd+ef==");
  });

  it("accepts a folded (CRLF + space) header value", () => {
    const r = scan('Digest realm="r",\r\n nonce="n"');
    expect(r.error).toBeUndefined();
    expect(r.challenges[0]?.params).toHaveLength(2);
  });
});

describe("syntax errors", () => {
  const cases: Array<[string, string, number]> = [
    ["empty value", "", 0],
    ["only commas", " , ", 0],
    ["unterminated quoted string", 'Digest realm="abc', 13],
    ["backslash at the very end", 'Digest realm="abc\\', 17],
    ["missing = after a name", 'Digest realm "x"', 13],
    ["missing value", 'Digest nonce="n", realm=, x=y', 24],
    ["garbage after a value", 'Digest realm="x" nonce="y"', 17],
    ["CR inside a quoted string", 'Digest realm="a\rb"', 15],
    ["NUL inside a quoted string", 'Digest realm="a\u0000b"', 15],
    ["no space after the scheme", 'Digest,="x"', 7],
    ["scheme that is not a token", '"Digest" realm="x"', 0],
  ];
  for (const [what, value, offset] of cases) {
    it(`reports ${what} with its offset`, () => {
      const r = scan(value);
      expect(r.error?.code).toBe("malformed-challenge");
      expect(r.error?.offset).toBe(offset);
      expect(r.error?.headerIndex).toBe(0);
      expect(r.error?.excerpt).toBe(value.slice(offset, offset + 24));
    });
  }

  it("keeps the challenges completed before the error", () => {
    const r = scan('Digest realm="a", nonce="b", Digest realm="unterminated');
    expect(r.challenges).toHaveLength(1);
    expect(r.error?.code).toBe("malformed-challenge");
  });

  it("scans a 1 MB hostile value to its end and names the unterminated quote", () => {
    const prefix = `Digest ${"a=b, ".repeat(200_000)}x=`;
    const hostile = `${prefix}"${"\\".repeat(1000)}`;
    const r = scan(hostile);
    expect(r.error?.code).toBe("malformed-challenge");
    expect(r.challenges).toHaveLength(0);
    // The scanner is index-based (no regular expression to backtrack): one pass reaches the quote that never closes.
    // A quadratic scan of this value would blow the test timeout; no wall-clock assertion is needed.
    expect(r.error?.offset).toBe(prefix.length);
    expect(r.error?.message).toContain("unterminated quoted string");
  });
});
