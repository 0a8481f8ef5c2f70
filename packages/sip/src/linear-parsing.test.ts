import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseUri, SipParseError, SipStreamParser } from "./index.js";
import { NETWORK_PARSERS } from "./test-support/network-parsers.js";

/**
 * Every parse function that sees network input, fed adversarial values of size n and 4n (docs/architecture.md: the
 * codec scans each value left to right). What is checked is the answer (accepted with the same shape, or refused with
 * a SipParseError at both sizes); the time per byte is printed by bench/linear-parsing.bench.mjs. A quadratic scan
 * would not finish these sizes within the test timeout.
 */
const UNITS = ["<", ">", '"', "\\", ";", ",", " ", "\t", ";a", "a", "%", ";a=%41", "[", "@", ":", "(", "a".repeat(64)];

const PARSERS = NETWORK_PARSERS;

/** "ok" or "refused"; anything but a SipParseError escapes and fails the test. */
function outcome(parse: (value: string) => unknown, value: string): string {
  try {
    parse(value);
    return "ok";
  } catch (e) {
    if (e instanceof SipParseError) return "refused";
    throw e;
  }
}

describe("network-facing parsers answer adversarial input of size n and 4n alike", () => {
  for (const [name, parse] of Object.entries(PARSERS)) {
    it(`${name}: repeated <, ", \\, ;, comma, blanks, % and long tokens`, () => {
      for (const unit of UNITS) {
        const value = unit.repeat(Math.ceil(16_384 / unit.length));
        expect(outcome(parse, value.repeat(4)), `${name} ${JSON.stringify(unit)}`).toBe(outcome(parse, value));
      }
    });
  }

  it("random mixes of the adversarial pieces, repeated to 16 KiB and 64 KiB, get the same answer", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...UNITS), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(...Object.keys(PARSERS)),
        (parts, name) => {
          const parse = PARSERS[name]!;
          const unit = parts.join("");
          const value = unit.repeat(Math.ceil(16_384 / unit.length));
          expect(outcome(parse, value.repeat(4))).toBe(outcome(parse, value));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a URI of many parameters ending in one %-escape decodes every parameter (one search per parameter, bounded)", () => {
    for (const n of [32_768, 131_072]) {
      const uri = parseUri(`sip:h${";p".repeat(n)};q=%41`);
      if (!("params" in uri)) throw new Error("expected a SIP URI");
      expect(uri.params.get("q")).toBe("A");
      expect(uri.params.size).toBe(2);
    }
  });

  it("a stream fed one byte at a time up to the head limit is refused, not rescanned", () => {
    const parser = new SipStreamParser({ maxHeadBytes: 65_536 });
    const head = new TextEncoder().encode(`OPTIONS sip:h SIP/2.0\r\nTo: ${"<".repeat(70_000)}`);
    let refused = false;
    for (let i = 0; i < head.length && !refused; i++) {
      try {
        parser.push(head.subarray(i, i + 1));
      } catch (e) {
        expect(e).toBeInstanceOf(SipParseError);
        refused = true;
      }
    }
    expect(refused).toBe(true);
  });
});
