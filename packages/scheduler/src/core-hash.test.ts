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

  it("hashes the UTF-8 bytes, sign-extended, wherever the first non-ASCII character is (a block of four or the tail)", () => {
    // OpenSIPS' core_hash written out over the bytes: four signed chars per step, then the 0..3 left.
    const reference = (text: string): number => {
      const b = [...new TextEncoder().encode(text)].map((x) => (x >= 0x80 ? x - 0x100 : x));
      let h = 0;
      let p = 0;
      for (; p + 4 <= b.length; p += 4) {
        const v = (((b[p] ?? 0) << 24) + ((b[p + 1] ?? 0) << 16) + ((b[p + 2] ?? 0) << 8) + (b[p + 3] ?? 0)) >>> 0;
        h = (h + ((v ^ (v >>> 3)) >>> 0)) >>> 0;
      }
      let v = 0;
      for (; p < b.length; p++) v = ((v << 8) + (b[p] ?? 0)) >>> 0;
      h = (h + ((v ^ (v >>> 3)) >>> 0)) >>> 0;
      return (h + (h >>> 11) + ((h >>> 13) + (h >>> 23))) >>> 0;
    };
    for (const aor of ["sip:alice@reg.test", "sip:a@b.c"]) {
      for (let at = 0; at <= aor.length; at++) {
        const text = `${aor.slice(0, at)}é${aor.slice(at)}`;
        expect(coreHash(text), text).toBe(reference(text));
      }
      expect(coreHash(aor)).toBe(reference(aor));
    }
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
