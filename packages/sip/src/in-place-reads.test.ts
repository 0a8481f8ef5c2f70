import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cseqHeaderIs,
  cseqIs,
  headerKey,
  parseMessage,
  readTopVia,
  readTopViaOf,
  type SipRequest,
  topViaBranch,
  topViaSentByIs,
  topViaSpots,
  type SipResponse,
  type TopViaFields,
} from "./index.js";

/**
 * The reads a client transaction makes where the values lie in the head (no string per value: readTopViaOf,
 * cseqHeaderIs, headerIs) and the packed field index (one number per field) give exactly what a plain reading of the
 * head gives: RFC 3261 §7.3.1 unfolding by regular expression, names compared by their lookup key.
 */
const dir = join(import.meta.dirname, "fixtures", "rfc4475");
const corpus: Array<[string, Uint8Array]> = readdirSync(dir)
  .filter((f) => f.endsWith(".sip"))
  .map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]);

/** Field names and values of a head read the simple way: unfold, split lines, cut at the first ":", trim. */
function plainFields(msg: SipRequest | SipResponse, bytes: Uint8Array): Array<{ key: string; value: string }> {
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  let start = 0;
  while (text[start] === "\r" || text[start] === "\n") start++;
  const headEnd = text.search(/\r?\n\r?\n/);
  const head = text.slice(start, headEnd < 0 ? text.length : headEnd);
  const lines = head
    .replace(/[ \t]*\r?\n[ \t]+/g, " ")
    .split(/\r?\n/)
    .slice(1);
  expect(lines.length).toBe(msg.headers.length);
  return lines.map((line) => {
    const colon = line.indexOf(":");
    return { key: headerKey(lwsTrim(line.slice(0, colon))), value: lwsTrim(line.slice(colon + 1)) };
  });
}

/** Trims SP and HTAB only (String.prototype.trim also takes U+FEFF, NBSP…, which SIP does not). */
function lwsTrim(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, "");
}

function empty(): TopViaFields {
  return { branch: undefined, received: undefined, rport: undefined, sentBy: undefined };
}

function checkReads(msg: SipRequest | SipResponse, bytes: Uint8Array): void {
  const fields = plainFields(msg, bytes);
  for (const key of new Set(fields.map((f) => f.key))) {
    const values = fields.filter((f) => f.key === key).map((f) => f.value);
    expect(msg.getHeader(key)).toBe(values[0]);
    expect(msg.getHeaders(key)).toEqual(values);
    expect(msg.headerIs(key, values[0]!)).toBe(true);
    expect(msg.headerIs(key, `${values[0]}x`)).toBe(false);
    expect(msg.headerIs(key, values[0]!.slice(1))).toBe(values[0]!.slice(1) === values[0]);
  }
  expect(msg.headerIs("X-Absent", "")).toBe(false);
  // Top Via and CSeq: in place, the same verdict (value or throw) as on the value string.
  const via = msg.getHeader("Via");
  const inPlace = empty();
  const fromValue = empty();
  let threw: unknown;
  try {
    if (via !== undefined) readTopVia(via, fromValue);
  } catch (err) {
    threw = err;
  }
  if (threw === undefined) {
    expect(readTopViaOf(msg, inPlace)).toBe(via !== undefined);
    expect(inPlace).toEqual(fromValue);
    // With places instead of strings: the same branch, received, rport, and the same sent-by verdicts.
    const fields = empty();
    const spots = topViaSpots();
    expect(readTopViaOf(msg, fields, spots)).toBe(via !== undefined);
    if (via !== undefined) {
      expect(fields.received).toBe(fromValue.received);
      expect(fields.rport).toBe(fromValue.rport);
      expect(topViaBranch(fields, spots)).toBe(fromValue.branch);
      const sentBy = fromValue.sentBy!;
      const host = sentBy.replace(/:[0-9]+$/, "");
      for (const candidate of [
        sentBy,
        sentBy.toUpperCase(),
        `${sentBy}0`,
        `0${sentBy}`,
        host,
        `${host}:5060`,
        `${host}:05060`,
        `${host}:`,
        "other.example:5060",
        "",
      ]) {
        expect(topViaSentByIs(fields, spots, candidate), candidate).toBe(fromValue.sentBy === candidate.toLowerCase());
      }
    }
  } else {
    expect(() => readTopViaOf(msg, inPlace)).toThrow();
    expect(() => readTopViaOf(msg, empty(), topViaSpots())).toThrow();
  }
  const cseqValue = msg.getHeader("CSeq");
  if (cseqValue === undefined) {
    expect(cseqHeaderIs(msg, 1, "REGISTER")).toBe(false);
    return;
  }
  const seq = Number.parseInt(cseqValue, 10);
  const method = cseqValue.replace(/^[0-9]*\s*/, "");
  for (const [s, m] of [
    [seq, method],
    [seq + 1, method],
    [seq, "OPTIONS"],
  ] as const) {
    let expected: boolean | "throws";
    try {
      expected = cseqIs(cseqValue, s, m);
    } catch {
      expected = "throws";
    }
    if (expected === "throws") expect(() => cseqHeaderIs(msg, s, m)).toThrow();
    else expect(cseqHeaderIs(msg, s, m)).toBe(expected);
  }
}

describe("in-place header reads equal the plain reading of the head", () => {
  it("on every RFC 4475 torture message that parses", () => {
    let checked = 0;
    for (const [name, bytes] of corpus) {
      let msg: SipRequest | SipResponse;
      try {
        msg = parseMessage(bytes);
      } catch {
        continue;
      }
      try {
        checkReads(msg, bytes);
      } catch (err) {
        throw new Error(`${name}: ${String(err)}`);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it("on generated responses: folded values, compact names, long names, odd spacing", () => {
    const name = fc.oneof(
      fc.constantFrom("Via", "v", "VIA", "CSeq", "Call-ID", "i", "Contact", "m", "X-Long-" + "n".repeat(300)),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/),
    );
    const piece = fc.stringMatching(/^[A-Za-z0-9;=.:<>@ "-]{0,20}$/);
    const value = fc.oneof(
      piece,
      fc.constantFrom(
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa.1;rport=5060;received=192.0.2.9",
        "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKb",
        "SIP/2.0/UDP Reg.Example.COM:5070;rport;branch=z9hG4bKc",
        "SIP/2.0/TCP [2001:DB8::1]:5061;branch=z9hG4bKd;received=2001:db8::9",
        "SIP/2.0/UDP h.example;received=192.0.2.1",
        "7 REGISTER",
        "007 REGISTER",
        "7  REGISTER",
      ),
    );
    const field = fc.record({
      name,
      before: fc.constantFrom(":", " :", ":\t", ": ", ":  "),
      parts: fc.array(value, { minLength: 1, maxLength: 3 }),
      fold: fc.constantFrom("\r\n ", "\r\n\t", " \r\n  "),
      after: fc.constantFrom("", " ", "\t"),
    });
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 8 }), (fields) => {
        const lines = fields.map((f) => `${f.name}${f.before}${f.parts.join(f.fold)}${f.after}`);
        const bytes = new TextEncoder().encode(`SIP/2.0 200 OK\r\n${lines.join("\r\n")}\r\n\r\n`);
        let msg: SipRequest | SipResponse;
        try {
          msg = parseMessage(bytes);
        } catch {
          return;
        }
        checkReads(msg, bytes);
      }),
      { numRuns: 400, seed: 14 },
    );
  });
});
