import { isSipUri, parseUri, SipParseError } from "@uacreg/sip";
import { describe, expect, it } from "vitest";
import { isPlainValidSipUri } from "./plain-sip-uri.js";
import { hostProblem } from "./uri-host.js";

/** The full check a row's URI column gets (registrant-config.ts): parse, SIP, user rule, host, port 1..65535. */
function fullyValid(text: string, user: "no user" | "user allowed"): boolean {
  let u: ReturnType<typeof parseUri>;
  try {
    u = parseUri(text);
  } catch (e) {
    if (e instanceof SipParseError) return false;
    throw e;
  }
  if (!isSipUri(u)) return false;
  if (user === "no user" && u.user !== undefined) return false;
  return hostProblem(u.host) === undefined && u.port !== 0;
}

describe("isPlainValidSipUri: the one-scan check of a row's plain SIP URI", () => {
  it("says yes only where the full parse and checks accept, over generated text", () => {
    const pieces = [
      "sip:",
      "sips:",
      "SIP:",
      "tel:",
      "alice",
      "a",
      "0",
      "255",
      "256",
      "1",
      ".",
      "..",
      "-",
      "_",
      "@",
      ":",
      "5060",
      "65535",
      "65536",
      "0",
      ";lr",
      "?x=y",
      "%41",
      " ",
      "[::1]",
      "+",
      "!",
      "~",
      "example.com",
      "10.0.0.1",
      "1.2.3",
      "x".repeat(64),
      "é",
    ];
    let seed = 5;
    const next = (k: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % k;
    };
    let yes = 0;
    for (let t = 0; t < 200_000; t++) {
      let text = next(4) === 0 ? "" : "sip:";
      const count = 1 + next(7);
      for (let k = 0; k < count; k++) text += pieces[next(pieces.length)];
      for (const user of ["no user", "user allowed"] as const) {
        const plain = isPlainValidSipUri(text, user);
        if (plain) {
          yes++;
          expect([text, user, fullyValid(text, user)]).toEqual([text, user, true]);
        }
      }
    }
    expect(yes).toBeGreaterThan(1000);
  });

  it("takes the shapes rows have and leaves the rest to the full parse", () => {
    for (const ok of [
      "sip:registrar.example.com",
      "sip:100000@10.0.0.1:5060",
      "sips:alice.b-c_d+1@reg.test.",
      "sip:a@b:1",
    ]) {
      expect(isPlainValidSipUri(ok, "user allowed")).toBe(true);
    }
    expect(isPlainValidSipUri("sip:registrar.example.com:5060", "no user")).toBe(true);
    for (const other of [
      "sip:alice@reg.test",
      "sip:proxy.test;lr",
      "sip:[::1]:5060",
      "SIP:reg.test",
      "sip:a%40b@reg.test",
      "sip:reg.test:0",
      "sip:reg.test:65536",
      "sip:reg..test",
      "sip:reg.123",
      "sip:a:pw@reg.test",
      "tel:+123",
    ]) {
      expect(isPlainValidSipUri(other, "no user")).toBe(false);
    }
  });
});
