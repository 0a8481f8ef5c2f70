import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  computeCredentials,
  computeCredentialsInto,
  type DigestCredentialsInput,
  type DigestCredentialsTarget,
  DigestError,
  formatAuthorization,
  hashHex,
  selectChallenge,
} from "./index.js";

// RFC 7616 §3.9.1: the server sends a SHA-256 and an MD5 challenge (HTTP, method GET).
const RFC7616_SHA256 =
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, ' +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
const RFC7616_MD5 = RFC7616_SHA256.replace("SHA-256", "MD5");
const RFC7616_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

function rfc7616(header: string): DigestCredentialsInput {
  return {
    challenge: selectChallenge([header]),
    username: "Mufasa",
    password: "Circle of Life",
    method: "GET",
    uri: "/dir/index.html",
    nc: 1,
    cnonce: RFC7616_CNONCE,
  };
}

describe("RFC 7616 §3.9.1 worked example", () => {
  it("picks the first challenge (SHA-256) when both are offered", () => {
    expect(selectChallenge([RFC7616_SHA256, RFC7616_MD5]).algorithm).toBe("SHA-256");
  });

  it("gives the RFC's SHA-256 response", () => {
    const c = computeCredentials(rfc7616(RFC7616_SHA256));
    expect(c.response).toBe("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    expect(c.qop).toBe("auth");
    expect(c.opaque).toBe("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  });

  it("gives the RFC's MD5 response", () => {
    expect(computeCredentials(rfc7616(RFC7616_MD5)).response).toBe("8ca523f5e9506fed4657c9700eebdbec");
  });
});

/*
 * RFC 7616 §3.9.2 (userhash, SHA-512-256). The printed figures (response ae66e67d…, username 48886947…) were computed
 * with SHA-512 truncated to 256 bits, not with SHA-512/256 of FIPS 180-4 that §3.2 / §6.1 name (different initial
 * values). We implement FIPS SHA-512/256 (node:crypto "sha512-256", checked against openssl in
 * test/openssl-crosscheck.test.ts and against the FIPS "abc" vector below), so our figures for this example differ
 * from the printed ones; the last test shows the printed ones are exactly the truncated-SHA-512 values.
 */
describe("RFC 7616 §3.9.2 userhash example (SHA-512-256)", () => {
  const header =
    'Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, ' +
    'nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", ' +
    'opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true';
  const input: DigestCredentialsInput = {
    challenge: selectChallenge([header]),
    username: "J\u00e4s\u00f8n Doe",
    password: "Secret, or not?",
    method: "GET",
    uri: "/doe.json",
    nc: 1,
    cnonce: "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
  };

  it("hashes with FIPS 180-4 SHA-512/256 (the FIPS 'abc' vector)", () => {
    expect(hashHex("SHA-512-256", "abc")).toBe("53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
  });

  it("gives the SHA-512/256 response and hashed username for the example", () => {
    const c = computeCredentials(input);
    expect(c.response).toBe("3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5");
    expect(c.username).toBe("793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b");
    expect(c.userhash).toBe(true);
    expect(formatAuthorization(c)).toBe(
      'Digest username="793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b", realm="api@example.org", ' +
        'nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", uri="/doe.json", ' +
        'opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", qop=auth, nc=00000001, ' +
        'cnonce="NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v", ' +
        'response="3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5", algorithm=SHA-512-256, userhash=true',
    );
  });

  it("the RFC's printed figures are truncated SHA-512, which is why we do not reproduce them", () => {
    const h = (s: string) => createHash("sha512").update(s).digest("hex").slice(0, 64);
    const ha1 = h("J\u00e4s\u00f8n Doe:api@example.org:Secret, or not?");
    const ha2 = h("GET:/doe.json");
    expect(h(`${ha1}:${input.challenge.nonce}:00000001:${input.cnonce}:auth:${ha2}`)).toBe(
      "ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd",
    );
    expect(h("J\u00e4s\u00f8n Doe:api@example.org")).toBe(
      "488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec",
    );
  });
});

describe("RFC 2617 §3.5 example", () => {
  it("gives the RFC's MD5 response", () => {
    const c = computeCredentials({
      challenge: selectChallenge([
        'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
          'opaque="5ccc069c403ebaf9f0171e9517f40e41"',
      ]),
      username: "Mufasa",
      password: "Circle Of Life",
      method: "GET",
      uri: "/dir/index.html",
      nc: 1,
      cnonce: "0a4f113b",
    });
    expect(c.response).toBe("6629fae49393a05397450978507c4ef1");
    expect(formatAuthorization(c)).toBe(
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
        'uri="/dir/index.html", opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001, ' +
        'cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", algorithm=MD5',
    );
  });
});

const REGISTER = {
  username: "alice",
  password: "secret",
  method: "REGISTER",
  uri: "sip:reg.test",
  nc: 1,
  cnonce: "c0ffee",
};

function md5(s: string): string {
  return hashHex("MD5", s);
}

describe("RFC 2069 mode (challenge without qop)", () => {
  it("computes H(HA1:nonce:HA2) and sends no qop, nc or cnonce", () => {
    const challenge = selectChallenge(['Digest realm="reg.test", nonce="n1"']);
    const c = computeCredentials({ ...REGISTER, challenge });
    const ha1 = md5("alice:reg.test:secret");
    expect(c.response).toBe(md5(`${ha1}:n1:${md5("REGISTER:sip:reg.test")}`));
    expect(c.qop).toBeUndefined();
    expect(formatAuthorization(c)).toBe(
      `Digest username="alice", realm="reg.test", nonce="n1", uri="sip:reg.test", response="${c.response}", algorithm=MD5`,
    );
  });

  it("ignores a meaningless nc and cnonce", () => {
    const challenge = selectChallenge(['Digest realm="reg.test", nonce="n1"']);
    expect(() => computeCredentials({ ...REGISTER, challenge, nc: 0, cnonce: "" })).not.toThrow();
  });
});

describe("qop choice", () => {
  it("prefers auth when auth-int is offered first", () => {
    const challenge = selectChallenge(['Digest realm="r", nonce="n", qop="auth-int,auth"']);
    expect(computeCredentials({ ...REGISTER, challenge }).qop).toBe("auth");
  });

  it('uses auth-int when it is the only one, hashing the request\'s empty body as H("")', () => {
    const challenge = selectChallenge(['Digest realm="r", nonce="n", qop="auth-int"']);
    const c = computeCredentials({ ...REGISTER, challenge });
    const ha2 = md5(`REGISTER:sip:reg.test:${md5("")}`);
    expect(c.qop).toBe("auth-int");
    expect(c.response).toBe(md5(`${md5("alice:r:secret")}:n:00000001:c0ffee:auth-int:${ha2}`));
    expect(formatAuthorization(c)).toContain(', qop=auth-int, nc=00000001, cnonce="c0ffee", ');
  });

  it("hashes a given body for auth-int", () => {
    const challenge = selectChallenge(['Digest realm="r", nonce="n", qop="auth-int"']);
    const body = new TextEncoder().encode("v=0\r\n");
    const c = computeCredentials({ ...REGISTER, challenge, body });
    const ha2 = md5(`REGISTER:sip:reg.test:${md5("v=0\r\n")}`);
    expect(c.response).toBe(md5(`${md5("alice:r:secret")}:n:00000001:c0ffee:auth-int:${ha2}`));
  });

  it("honours an explicit qop the challenge offered, and refuses one it did not", () => {
    const challenge = selectChallenge(['Digest realm="r", nonce="n", qop="auth,auth-int"']);
    expect(computeCredentials({ ...REGISTER, challenge, qop: "auth-int" }).qop).toBe("auth-int");
    const authOnly = selectChallenge(['Digest realm="r", nonce="n", qop="auth"']);
    expect(() => computeCredentials({ ...REGISTER, challenge: authOnly, qop: "auth-int" })).toThrow(
      expect.objectContaining({ code: "bad-input" }),
    );
  });
});

describe("nonce count", () => {
  it("prints nc as 8 lowercase hex digits", () => {
    const challenge = selectChallenge(['Digest realm="r", nonce="n", qop="auth"']);
    expect(formatAuthorization(computeCredentials({ ...REGISTER, challenge, nc: 0xabc }))).toContain("nc=00000abc");
  });

  it("refuses nc outside 1..ffffffff", () => {
    const challenge = selectChallenge(['Digest realm="r", nonce="n", qop="auth"']);
    for (const nc of [0, -1, 1.5, 0x100000000, Number.NaN]) {
      expect(() => computeCredentials({ ...REGISTER, challenge, nc })).toThrow(
        expect.objectContaining({ code: "bad-input" }),
      );
    }
  });
});

describe("-sess algorithms", () => {
  it("MD5-sess: HA1 = H(H(user:realm:pass):nonce:cnonce)", () => {
    const challenge = selectChallenge(['Digest realm="r", nonce="n", qop="auth", algorithm=MD5-sess']);
    const c = computeCredentials({ ...REGISTER, challenge });
    const ha1 = md5(`${md5("alice:r:secret")}:n:c0ffee`);
    expect(c.response).toBe(md5(`${ha1}:n:00000001:c0ffee:auth:${md5("REGISTER:sip:reg.test")}`));
    expect(c.algorithm).toBe("MD5-sess");
  });

  it("refuses -sess without qop (docs/opensips-behaviour.md §10: OpenSIPS crashes there)", () => {
    const challenge = { ...selectChallenge(['Digest realm="r", nonce="n"']), algorithm: "SHA-256-sess" as const };
    expect(() => computeCredentials({ ...REGISTER, challenge })).toThrow(
      expect.objectContaining({ code: "unsupported-algorithm" }),
    );
  });
});

describe("password given as 0x + HA1", () => {
  it("uses 32 hex digits directly as the MD5 HA1", () => {
    const challenge = selectChallenge(['Digest realm="reg.test", nonce="n", qop="auth"']);
    const plain = computeCredentials({ ...REGISTER, challenge });
    const ha1 = computeCredentials({ ...REGISTER, challenge, password: `0x${md5("alice:reg.test:secret")}` });
    expect(ha1.response).toBe(plain.response);
  });

  it("uses 64 hex digits directly as the SHA-256 HA1, upper case folded", () => {
    const challenge = selectChallenge(['Digest realm="reg.test", nonce="n", qop="auth", algorithm=SHA-256']);
    const plain = computeCredentials({ ...REGISTER, challenge });
    const hex = hashHex("SHA-256", "alice:reg.test:secret").toUpperCase();
    expect(computeCredentials({ ...REGISTER, challenge, password: `0x${hex}` }).response).toBe(plain.response);
  });

  it("treats a 0x value of the wrong length as a literal password", () => {
    const challenge = selectChallenge(['Digest realm="reg.test", nonce="n", qop="auth", algorithm=SHA-256']);
    const md5Ha1 = `0x${md5("alice:reg.test:secret")}`;
    const c = computeCredentials({ ...REGISTER, challenge, password: md5Ha1 });
    const expectedHa1 = hashHex("SHA-256", `alice:reg.test:${md5Ha1}`);
    const ha2 = hashHex("SHA-256", "REGISTER:sip:reg.test");
    expect(c.response).toBe(hashHex("SHA-256", `${expectedHa1}:n:00000001:c0ffee:auth:${ha2}`));
  });
});

describe("bad input", () => {
  const challenge = selectChallenge(['Digest realm="r", nonce="n", qop="auth"']);

  it("refuses CR/LF in the username or uri (header injection)", () => {
    expect(() => computeCredentials({ ...REGISTER, challenge, username: "a\r\nX: y" })).toThrow(
      expect.objectContaining({ code: "bad-input" }),
    );
    expect(() => computeCredentials({ ...REGISTER, challenge, uri: "sip:a\nb" })).toThrow(
      expect.objectContaining({ code: "bad-input" }),
    );
  });

  it("refuses an empty cnonce with qop, an empty method or uri", () => {
    for (const bad of [{ cnonce: "" }, { method: "" }, { uri: "" }, { method: "REG ISTER" }]) {
      expect(() => computeCredentials({ ...REGISTER, challenge, ...bad })).toThrow(
        expect.objectContaining({ code: "bad-input" }),
      );
    }
  });

  it("never puts the password in an error message", () => {
    const secret = "hunter2-very-secret";
    try {
      computeCredentials({ ...REGISTER, challenge, password: secret, username: "a\nb" });
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(secret);
    }
  });
});

describe("computeCredentialsInto (the credentials written into the caller's object)", () => {
  const target = (): DigestCredentialsTarget => ({
    username: "old",
    realm: "old",
    nonce: "old",
    uri: "old",
    opaque: "old",
    qop: "auth-int",
    nc: 99,
    cnonce: "old",
    response: "old",
    algorithm: "SHA-256",
    userhash: true,
  });

  it("writes every field computeCredentials returns, the absent ones as undefined", () => {
    const withQop = rfc7616(RFC7616_MD5);
    const a = target();
    computeCredentialsInto(withQop, a);
    expect({ scheme: "Digest", ...a }).toEqual(computeCredentials(withQop));
    expect(a.response).toBe("8ca523f5e9506fed4657c9700eebdbec"); // RFC 7616 §3.9.1, MD5
    const noQop: DigestCredentialsInput = { ...withQop, challenge: selectChallenge(['Digest realm="r", nonce="n"']) };
    const b = target();
    computeCredentialsInto(noQop, b);
    expect([b.opaque, b.qop, b.nc, b.cnonce, b.userhash]).toEqual([undefined, undefined, undefined, undefined, false]);
    expect(formatAuthorization({ scheme: "Digest", ...b })).toBe(formatAuthorization(computeCredentials(noQop)));
  });

  it("leaves the object as it was when the input is refused", () => {
    const a = target();
    expect(() => computeCredentialsInto({ ...rfc7616(RFC7616_MD5), username: "u\r\n" }, a)).toThrow(DigestError);
    expect(a).toEqual(target());
  });
});
