import { describe, expect, it } from "vitest";
import { parseAuthenticationInfo, parseAuthParams } from "./index.js";

describe("parseAuthenticationInfo (RFC 7616 §3.5)", () => {
  it("reads nextnonce, qop, rspauth, cnonce and nc", () => {
    expect(
      parseAuthenticationInfo('nextnonce="n\\"2", qop=auth, rspauth="abc", cnonce="c", nc=0000000a, x-unknown=1'),
    ).toEqual({ nextnonce: 'n"2', qop: "auth", rspauth: "abc", cnonce: "c", nc: 10 });
  });

  it("gives an empty object for an empty value", () => {
    expect(parseAuthenticationInfo("")).toEqual({});
  });

  it("refuses bad syntax and repeated parameters", () => {
    for (const bad of ['nextnonce="x', "nextnonce=a nextnonce=b", "nextnonce=a, nextnonce=b", "Digest nextnonce=a"]) {
      expect(() => parseAuthenticationInfo(bad)).toThrow(expect.objectContaining({ code: "malformed-challenge" }));
    }
  });
});

describe("parseAuthParams", () => {
  it("reads a credentials parameter list, e.g. what follows `Digest ` in an Authorization header", () => {
    expect(parseAuthParams('username="alice", nc=00000001, qop=auth').map((p) => [p.name, p.value])).toEqual([
      ["username", "alice"],
      ["nc", "00000001"],
      ["qop", "auth"],
    ]);
  });
});
