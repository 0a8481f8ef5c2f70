import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  computeCredentials,
  DigestError,
  formatAuthorization,
  parseAuthenticationInfo,
  parseChallenges,
  selectChallenge,
} from "../src/index.js";

/** Characters that matter to the scanner, mixed with anything. */
const nasty = fc.oneof(
  fc.constantFrom(
    '"',
    "\\",
    ",",
    "=",
    " ",
    "\t",
    "\r",
    "\n",
    "Digest ",
    "realm=",
    "nonce=",
    "qop=",
    "algorithm=",
    "\u0000",
  ),
  fc.string({ maxLength: 4 }),
  fc.string({ unit: "grapheme", maxLength: 3 }),
);
const hostileValue = fc.array(nasty, { maxLength: 40 }).map((parts) => parts.join(""));

/** CTL other than HTAB: not allowed in a quoted-string (RFC 7230 §3.2.6). */
function isControl(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return (c < 0x20 && c !== 0x09) || c === 0x7f;
}

function onlyDigestErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof DigestError)) throw error;
  }
}

describe("untrusted header values", () => {
  it("parseChallenges, selectChallenge and parseAuthenticationInfo throw nothing but DigestError on random strings", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), hostileValue), { maxLength: 4 }), (values) => {
        onlyDigestErrors(() => parseChallenges(values));
        onlyDigestErrors(() => selectChallenge(values));
        for (const v of values) onlyDigestErrors(() => parseAuthenticationInfo(v));
      }),
      { numRuns: 3000 },
    );
  });

  it("a challenge that parses yields a header value without CR/LF", () => {
    fc.assert(
      fc.property(hostileValue, (value) => {
        let header: string | undefined;
        onlyDigestErrors(() => {
          const challenge = selectChallenge([value]);
          header = formatAuthorization(
            computeCredentials({
              challenge,
              username: "u",
              password: "p",
              method: "REGISTER",
              uri: "sip:r",
              nc: 1,
              cnonce: "c",
            }),
          );
        });
        if (header !== undefined)
          expect([...header].some((ch) => ch === "\r" || ch === "\n" || ch === "\0")).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it("quoted values survive escaping: what we format, a parser reads back unchanged", () => {
    const text = fc.string({ unit: "binary", maxLength: 20 }).filter((s) => ![...s].some(isControl));
    fc.assert(
      fc.property(text, text, text, (realm, nonce, opaque) => {
        const quote = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
        const [c] = parseChallenges([`Digest realm=${quote(realm)}, nonce=${quote(nonce)}, opaque=${quote(opaque)}`]);
        expect(c).toMatchObject({ realm, nonce, opaque });
      }),
      { numRuns: 1000 },
    );
  });
});
