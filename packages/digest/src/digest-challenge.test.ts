import { describe, expect, it } from "vitest";
import { DigestError, parseChallenges, selectChallenge } from "./index.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DigestError);
    return (error as DigestError).code;
  }
  return undefined;
}

describe("parseChallenges", () => {
  it("reads every Digest parameter the RFCs define", () => {
    const [c] = parseChallenges([
      'Digest realm="reg.test", domain="sip:reg.test sip:b.test", nonce="n", opaque="o", stale=TRUE, ' +
        'algorithm=sha-256, qop="auth,auth-int", charset=UTF-8, userhash=true, extension="ignored"',
    ]);
    expect(c).toEqual({
      scheme: "Digest",
      realm: "reg.test",
      domain: "sip:reg.test sip:b.test",
      nonce: "n",
      opaque: "o",
      stale: true,
      algorithm: "SHA-256",
      qop: ["auth", "auth-int"],
      charset: "UTF-8",
      userhash: true,
    });
  });

  it("defaults: MD5, no qop, not stale, no userhash, no opaque", () => {
    expect(parseChallenges(['digest realm="r", nonce="n"'])).toEqual([
      { scheme: "Digest", realm: "r", nonce: "n", stale: false, algorithm: "MD5", qop: [], userhash: false },
    ]);
  });

  it("treats any stale value other than true as false (RFC 7616 §3.3)", () => {
    for (const stale of ["false", "FALSE", '"no"', "1"]) {
      expect(parseChallenges([`Digest realm="r", nonce="n", stale=${stale}`])[0]?.stale).toBe(false);
    }
    expect(parseChallenges(['Digest realm="r", nonce="n", stale="true"'])[0]?.stale).toBe(true);
  });

  it("reads algorithm tokens case-insensitively and returns the canonical name", () => {
    const names = ["md5", "MD5-SESS", "sha-256", "Sha-256-Sess", "sha-512-256", "SHA-512-256-sess"];
    const got = parseChallenges(names.map((a) => `Digest realm="r", nonce="n", qop=auth, algorithm=${a}`));
    expect(got.map((c) => c.algorithm)).toEqual([
      "MD5",
      "MD5-sess",
      "SHA-256",
      "SHA-256-sess",
      "SHA-512-256",
      "SHA-512-256-sess",
    ]);
  });

  it("reads a qop list with spaces, unquoted qop, and drops unknown qop values", () => {
    expect(parseChallenges(['Digest realm="r", nonce="n", qop=" auth-int , auth-conf, auth "'])[0]?.qop).toEqual([
      "auth-int",
      "auth",
    ]);
    expect(parseChallenges(['Digest realm="r", nonce="n", qop=auth'])[0]?.qop).toEqual(["auth"]);
  });

  it("returns the Digest challenges of several headers and of several challenges per header, in order", () => {
    const got = parseChallenges([
      'Basic realm="b"',
      'Digest realm="one", nonce="1", Digest realm="two", nonce="2", algorithm=SHA-256',
      'Digest realm="three", nonce="3"',
    ]);
    expect(got.map((c) => c.realm)).toEqual(["one", "two", "three"]);
  });

  it("skips other schemes and unsupported algorithms", () => {
    const got = parseChallenges([
      'Basic realm="b", Digest realm="aka", nonce="n", algorithm=AKAv1-MD5, Digest realm="ok", nonce="n"',
    ]);
    expect(got.map((c) => c.realm)).toEqual(["ok"]);
  });

  it("throws malformed-challenge on a syntax error, a missing realm/nonce or a repeated parameter", () => {
    for (const bad of [
      'Digest realm="r", nonce="n', // unterminated
      'Digest nonce="n"', // no realm
      'Digest realm="r"', // no nonce
      'Digest realm="r", nonce="n", realm="s"', // repeated
      "Digest abc==", // token68
    ]) {
      expect(codeOf(() => parseChallenges([bad]))).toBe("malformed-challenge");
    }
  });

  it("says which header value and offset broke", () => {
    try {
      parseChallenges(['Digest realm="r", nonce="n"', 'Digest realm="r" nonce="n"']);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "malformed-challenge", headerIndex: 1, offset: 17 });
    }
  });

  it("refuses non-string input with bad-input", () => {
    expect(codeOf(() => parseChallenges([42 as unknown as string]))).toBe("bad-input");
  });
});

describe("selectChallenge (docs/opensips-behaviour.md §10: the first usable one in header order)", () => {
  it("takes the first supported challenge, not the strongest", () => {
    const c = selectChallenge([
      'Digest realm="r", nonce="n1", algorithm=MD5',
      'Digest realm="r", nonce="n2", algorithm=SHA-256',
    ]);
    expect(c.nonce).toBe("n1");
  });

  it("skips Basic, unknown algorithms and -sess without qop", () => {
    const c = selectChallenge([
      'Basic realm="b"',
      'Digest realm="r", nonce="aka", algorithm=AKAv1-MD5',
      'Digest realm="r", nonce="sess", algorithm=MD5-sess',
      'Digest realm="r", nonce="ok", algorithm=SHA-512-256, qop="auth"',
    ]);
    expect(c.nonce).toBe("ok");
  });

  it("skips a challenge whose qop offers only unknown values (answering it in RFC 2069 mode would be wrong)", () => {
    const c = selectChallenge(['Digest realm="r", nonce="conf", qop="auth-conf"', 'Digest realm="r", nonce="ok"']);
    expect(c.nonce).toBe("ok");
  });

  it("does not let a malformed header hide a good one after it (OpenSIPS gives up there)", () => {
    const c = selectChallenge(['Digest realm="r", nonce="n', 'Digest realm="r", nonce="good"']);
    expect(c.nonce).toBe("good");
  });

  it("uses the challenges before a syntax error in the same header", () => {
    const c = selectChallenge(['Digest realm="r", nonce="good", Digest realm="broken']);
    expect(c.nonce).toBe("good");
  });

  it("throws the most telling error when nothing is usable", () => {
    expect(codeOf(() => selectChallenge([]))).toBe("no-usable-challenge");
    expect(codeOf(() => selectChallenge(['Basic realm="b"', "Bearer abc"]))).toBe("unsupported-scheme");
    expect(codeOf(() => selectChallenge(['Basic realm="b"', 'Digest realm="r", nonce="n", algorithm=SHA-1']))).toBe(
      "unsupported-algorithm",
    );
    expect(codeOf(() => selectChallenge(['Digest realm="r", nonce="n", algorithm=SHA-256-sess']))).toBe(
      "unsupported-algorithm",
    );
    expect(codeOf(() => selectChallenge(['Digest realm="r", nonce="n", algorithm=SHA-1', "Digest realm="]))).toBe(
      "malformed-challenge",
    );
  });
});
