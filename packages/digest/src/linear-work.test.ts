import { readFileSync } from "node:fs";
import { countWork } from "@uacreg/runtime/testing";
import { describe, expect, it } from "vitest";
import {
  parseAuthenticationInfo,
  parseAuthParams,
  parseChallenges,
  scanAuthenticateHeader,
  selectChallenge,
} from "./index.js";

/**
 * Issue 10 item 1 for the digest parsers: WWW-Authenticate / Proxy-Authenticate (RFC 7235 §4.1, RFC 3261 §20.27,
 * §20.44) and Authentication-Info (RFC 7616 §3.5) come from the registrar or anyone on the path, so their work must
 * be linear in the header's length. Each parser runs on adversarial values of n and 8n bytes and the string work is
 * counted (`countWork` of @uacreg/runtime/testing), not timed: linear is about 8 times the work, a scan restarting at
 * every element about 64 times. The bound is 10.
 */
const PARSERS: Record<string, (value: string) => unknown> = {
  parseChallenges: (v) => parseChallenges([v]),
  selectChallenge: (v) => selectChallenge([v]),
  scanAuthenticateHeader: (v) => scanAuthenticateHeader(v, 0),
  parseAuthenticationInfo: (v) => parseAuthenticationInfo(v),
  parseAuthParams: (v) => parseAuthParams(v),
};

const fill = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length));

/** Header values of about `size` bytes: one repeated element, in the places a parser scans ahead or restarts. */
const SHAPES: Record<string, (size: number) => string> = {
  "many params": (n) => `Digest realm="r", nonce="n", ${fill("a=b, ", n)}x=y`,
  "many distinct params": (n) =>
    `Digest realm="r", nonce="n", ${Array.from({ length: Math.ceil(n / 8) }, (_, i) => `p${i}=v`).join(", ")}`,
  "many challenges": (n) => fill("Digest realm=r, ", n),
  "many bare schemes": (n) => fill("Digest, ", n),
  "token68 runs": (n) => fill("Basic abc=, ", n),
  "empty list elements": (n) => `Digest realm="r", ${fill(", ", n)}nonce="n"`,
  "quoted pairs": (n) => `Digest realm="${fill('\\"', n)}", nonce="n"`,
  "unterminated quote": (n) => `Digest realm="${fill("a", n)}`,
  "many equals": (n) => `Digest realm=${fill("=", n)}, nonce=n`,
  "blanks before =": (n) => `Digest realm${fill(" ", n)}= "r", nonce="n"`,
  "blanks after a comma": (n) => `Digest realm="r",${fill(" ", n)}nonce="n"`,
  "long qop list": (n) => `Digest realm="r", nonce="n", qop="${fill("auth,", n)}"`,
  "long scheme token": (n) => fill("D", n),
  "many <": (n) => `Digest realm="r", nonce=${fill("<", n)}`,
  "many info params": (n) => `qop=auth, ${fill("a=b, ", n)}nc=00000001`,
  "nextnonce and rspauth": (n) => `nextnonce="${fill("ab", n)}", rspauth="${fill("0", n)}", nc=00000001`,
};

const N = 4096;

describe("digest header parsers do work linear in their input (counted, not timed)", () => {
  for (const [name, parse] of Object.entries(PARSERS)) {
    it(`${name}: work on 8n bytes is at most 10 times the work on n`, () => {
      for (const [shape, value] of Object.entries(SHAPES)) {
        const small = countWork(() => parse(value(N)));
        const large = countWork(() => parse(value(8 * N)));
        expect(large, `${name} on ${shape}: ${small} → ${large}`).toBeLessThanOrEqual(10 * Math.max(small, N));
      }
    });
  }

  it("the header parsers use no regular expression (one would be outside what the counter sees)", () => {
    for (const file of ["authenticate-header.ts", "authentication-info.ts", "digest-challenge.ts"]) {
      const source = readFileSync(new URL(file, import.meta.url), "utf8");
      expect(source, file).not.toMatch(
        /new RegExp|\.(test|exec)\(|\.(match|matchAll|replace|replaceAll|search|split)\(\s*\//,
      );
      expect(source, file).not.toMatch(/[=:(,]\s*\/[^/*\s][^\n]*\/[dgimsuyv]*[;,)]/);
    }
  });
});
