import { describe, expect, it } from "vitest";
import { bucketOf, coreHash } from "./core-hash.js";

// Values computed with OpenSIPS' core_hash algorithm compiled by gcc on x86-64 (signed char).
const known: Array<[string, number]> = [
  ["sip:alice@reg.test", 3222861676],
  ["sip:bob@example.com", 3555745689],
  ["sip:alice@example.com", 721547707],
  ["", 0],
  ["a", 109],
  ["abcd", 1834959896],
  ["abcde", 1834960001],
  ["sip:bob@thirdparty.test", 1249265678],
  ["sip:1000@pbx.example.org", 3034585133],
  // Bytes ≥ 0x80 are sign-extended C chars: these differ from an unsigned-byte hash.
  ["sip:zoë@example.com", 3342717802],
  ["sip:日本@例え.jp", 1114918382],
];

describe("core_hash (docs/opensips-behaviour.md §2.3)", () => {
  it.each(known)("hashes %j like OpenSIPS", (aor, expected) => {
    expect(coreHash(aor)).toBe(expected);
  });

  it("puts sip:alice@reg.test in bucket 0 of 2, as in the OpenSIPS captures", () => {
    expect(bucketOf("sip:alice@reg.test", 2)).toBe(0);
  });

  it("masks with H−1", () => {
    expect(bucketOf("sip:alice@reg.test", 1024)).toBe(876);
    expect(bucketOf("sip:bob@example.com", 1024)).toBe(921);
    expect(bucketOf("sip:bob@example.com", 2)).toBe(1);
    expect(bucketOf("sip:zoë@example.com", 1024)).toBe(874);
  });

  it("returns an unsigned 32-bit integer", () => {
    for (let i = 0; i < 200; i++) {
      const h = coreHash(`sip:user${i}\u00ff\u00fe@host${i * 7}.example`);
      expect(Number.isInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 32);
    }
  });
});
