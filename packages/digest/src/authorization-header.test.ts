import { describe, expect, it } from "vitest";
import { type DigestCredentials, formatAuthorization } from "./index.js";

const base: DigestCredentials = {
  scheme: "Digest",
  username: "alice",
  realm: "reg.test",
  nonce: "n",
  uri: "sip:reg.test",
  response: "0123456789abcdef0123456789abcdef",
  algorithm: "MD5",
  userhash: false,
};

describe("formatAuthorization (the OpenSIPS layout, docs/opensips-behaviour.md §10)", () => {
  it("orders username, realm, nonce, uri, opaque, qop, nc, cnonce, response, algorithm", () => {
    expect(formatAuthorization({ ...base, opaque: "O", qop: "auth", nc: 1, cnonce: "12345" })).toBe(
      'Digest username="alice", realm="reg.test", nonce="n", uri="sip:reg.test", opaque="O", qop=auth, ' +
        'nc=00000001, cnonce="12345", response="0123456789abcdef0123456789abcdef", algorithm=MD5',
    );
  });

  it("leaves out opaque, qop, nc and cnonce when absent, and always prints algorithm", () => {
    expect(formatAuthorization({ ...base, algorithm: "SHA-512-256-sess" })).toBe(
      'Digest username="alice", realm="reg.test", nonce="n", uri="sip:reg.test", ' +
        'response="0123456789abcdef0123456789abcdef", algorithm=SHA-512-256-sess',
    );
  });

  it("appends userhash=true when the username is hashed", () => {
    expect(formatAuthorization({ ...base, userhash: true }).endsWith(", algorithm=MD5, userhash=true")).toBe(true);
  });

  it('escapes " and \\ inside quoted values', () => {
    const v = formatAuthorization({ ...base, username: 'a"b\\c', realm: 'r"', opaque: "\\" });
    expect(v).toContain('username="a\\"b\\\\c", realm="r\\"", ');
    expect(v).toContain('opaque="\\\\"');
  });

  it("refuses CR/LF in any value and a qop without nc/cnonce", () => {
    expect(() => formatAuthorization({ ...base, nonce: "n\r\nVia: x" })).toThrow(
      expect.objectContaining({ code: "bad-input" }),
    );
    expect(() => formatAuthorization({ ...base, opaque: "\n" })).toThrow(
      expect.objectContaining({ code: "bad-input" }),
    );
    expect(() => formatAuthorization({ ...base, qop: "auth" })).toThrow(expect.objectContaining({ code: "bad-input" }));
  });
});
