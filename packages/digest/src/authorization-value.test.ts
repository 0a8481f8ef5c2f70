import { describe, expect, it } from "vitest";
import {
  computeCredentials,
  DIGEST_ALGORITHMS,
  type DigestCredentialsInput,
  type DigestChallenge,
  DigestError,
  formatAuthorization,
  parseChallenges,
  selectChallenge,
  writeAuthorizationParts,
} from "./index.js";

/**
 * The value as the registrant builds it: {@link writeAuthorizationParts} of the computed credentials into a join of
 * its own (core's header block), read back as one string.
 */
function joinedParts(input: DigestCredentialsInput): string {
  const parts: Array<string | number> = [];
  writeAuthorizationParts(computeCredentials(input), parts, 0);
  return parts.join("");
}

/** What the caller sees: the value, or the error's code and message. */
function outcome(f: () => string): string {
  try {
    return f();
  } catch (e) {
    if (e instanceof DigestError) return `${e.code}: ${e.message}`;
    throw e;
  }
}

const realms = ["reg.test", 'r"q\\uoted'];
const qops = ['qop="auth"', 'qop="auth-int"', 'qop="auth, auth-int"', ""];
const extras = [
  "",
  ', opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  ", userhash=true",
  ', opaque="o\\"1", userhash=true',
];

describe("writeAuthorizationParts: formatAuthorization(computeCredentials(input)) as parts of a larger join", () => {
  it("gives the same bytes for every algorithm, qop, opaque, userhash, escaped value and 0x HA1", () => {
    let compared = 0;
    for (const algorithm of DIGEST_ALGORITHMS) {
      for (const realm of realms) {
        for (const qop of qops) {
          for (const extra of extras) {
            const header = `Digest realm="${realm.replace(/["\\]/g, "\\$&")}", nonce="n-${compared}"${qop ? `, ${qop}` : ""}, algorithm=${algorithm}${extra}`;
            // parseChallenges: -sess without qop too (both functions must refuse it alike).
            const challenge = parseChallenges([header])[0] as DigestChallenge;
            for (const password of ["secret", `0x${"a".repeat(algorithm.startsWith("MD5") ? 32 : 64)}`]) {
              for (const nc of [1, 2, 255, 256, 0xffffffff]) {
                const input: DigestCredentialsInput = {
                  challenge,
                  username: 'al"ice',
                  password,
                  method: "REGISTER",
                  uri: "sip:registrar.test",
                  nc,
                  cnonce: "0123456789abcdef0123456789abcdef",
                };
                const expected = outcome(() => formatAuthorization(computeCredentials(input)));
                expect(outcome(() => joinedParts(input))).toBe(expected);
                // The same value as parts written into a larger join (a header block), after what is already there.
                const parts: Array<string | number> = ["Authorization: "];
                const asParts = outcome(() => {
                  const end = writeAuthorizationParts(computeCredentials(input), parts, 1);
                  expect(end).toBe(parts.length);
                  return parts.join("");
                });
                expect(asParts).toBe(expected.startsWith("Digest ") ? `Authorization: ${expected}` : expected);
                // With the header's name merged into the first part (what the registrant's header block does).
                const merged: Array<string | number> = [];
                const asMerged = outcome(() => {
                  writeAuthorizationParts(computeCredentials(input), merged, 0, '\r\nAuthorization: Digest username="');
                  return merged.join("");
                });
                expect(asMerged).toBe(expected.startsWith("Digest ") ? `\r\nAuthorization: ${expected}` : expected);
                compared++;
              }
            }
          }
        }
      }
    }
    expect(compared).toBe(DIGEST_ALGORITHMS.length * realms.length * qops.length * extras.length * 2 * 5);
  });

  it("gives each answer its own realm, uri, opaque and qop when several registrars' answers interleave", () => {
    const challenges = [
      'Digest realm="a", nonce="n1", qop="auth", opaque="o1"',
      'Digest realm="b", nonce="n2", qop="auth-int", opaque="o1"',
      'Digest realm="a", nonce="n3"',
      'Digest realm="b", nonce="n4", qop="auth", opaque=""',
      'Digest realm="a", nonce="n5", qop="auth", algorithm=SHA-256',
    ].map((h) => selectChallenge([h]));
    const uris = ["sip:r1.test", "sip:r2.test"];
    for (let round = 0; round < 3; round++) {
      for (const challenge of challenges) {
        for (const uri of uris) {
          const input: DigestCredentialsInput = {
            challenge,
            username: "u",
            password: "p",
            method: "REGISTER",
            uri,
            nc: round + 1,
            cnonce: "c",
          };
          const value = formatAuthorization(computeCredentials(input));
          expect(value).toContain(`uri="${uri}"`);
          expect(value).toContain(`realm="${challenge.realm}"`);
          expect(joinedParts(input)).toBe(value);
        }
      }
    }
    // The value written as parts is the one formatAuthorization builds on its own, opaque="" and qop included.
    const value = formatAuthorization(
      computeCredentials({
        challenge: challenges[3] as DigestChallenge,
        username: "u",
        password: "p",
        method: "REGISTER",
        uri: "sip:r2.test",
        nc: 1,
        cnonce: "c",
      }),
    );
    expect(value).toMatch(
      /^Digest username="u", realm="b", nonce="n4", uri="sip:r2.test", opaque="", qop=auth, nc=00000001, cnonce="c", response="[0-9a-f]{32}", algorithm=MD5$/,
    );
  });

  it("refuses a first part that does not end the way the value starts", () => {
    const credentials = computeCredentials({
      challenge: selectChallenge(['Digest realm="r", nonce="n"']),
      username: "u",
      password: "p",
      method: "REGISTER",
      uri: "sip:r",
      nc: 1,
      cnonce: "c",
    });
    expect(outcome(() => String(writeAuthorizationParts(credentials, [], 0, "Authorization: ")))).toMatch(
      /^bad-input: /,
    );
  });

  it("answers with input.nonce, when given, as if it were the challenge's own (and checks it the same way)", () => {
    const challenge = selectChallenge(['Digest realm="r", nonce="shared", qop="auth", opaque="o"']);
    const input: DigestCredentialsInput = {
      challenge,
      username: "u",
      password: "p",
      method: "REGISTER",
      uri: "sip:r",
      nc: 7,
      cnonce: "c",
    };
    const own = formatAuthorization(computeCredentials({ ...input, challenge: { ...challenge, nonce: "mine" } }));
    expect(own).toContain('nonce="mine"');
    expect(joinedParts({ ...input, nonce: "mine" })).toBe(own);
    expect(formatAuthorization(computeCredentials({ ...input, nonce: "mine" }))).toBe(own);
    expect(outcome(() => joinedParts({ ...input, nonce: "mi\r\nne" }))).toBe("bad-input: nonce contains CR, LF or NUL");
  });

  it("refuses what computeCredentials refuses, with the same error", () => {
    const challenge = selectChallenge(['Digest realm="r", nonce="n", qop="auth"']);
    const base: DigestCredentialsInput = {
      challenge,
      username: "u",
      password: "p",
      method: "REGISTER",
      uri: "sip:r",
      nc: 1,
      cnonce: "c",
    };
    for (const bad of [
      { username: "u\r\nX: y" },
      { cnonce: "" },
      { cnonce: "c\n" },
      { nc: 0 },
      { uri: "" },
      { challenge: { ...challenge, nonce: "n\u0000" } },
      {
        challenge: selectChallenge(['Digest realm="r", nonce="n", algorithm=MD5-sess, qop="auth"']),
        qop: "auth-int" as const,
      },
    ]) {
      const input = { ...base, ...bad };
      const expected = outcome(() => formatAuthorization(computeCredentials(input)));
      expect(expected).not.toMatch(/^Digest /);
      expect(outcome(() => joinedParts(input))).toBe(expected);
    }
  });
});
