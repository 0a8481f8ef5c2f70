import { describe, expect, it } from "vitest";
import { hostProblem, isValidNameAt, nameProblemAt } from "./uri-host.js";

/** A small deterministic generator (xorshift32): the same texts on every run. */
function generator(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const PIECES = ["a", "Z", "0", "1", "9", "25", "255", "256", "1000", ".", "..", "-", "_", "x-y", "é", " ", "@", ":"];

describe("isValidNameAt: nameProblemAt's verdict in one pass", () => {
  it("agrees with nameProblemAt over generated hosts, at any offset of a longer text", () => {
    const random = generator(0x5eed);
    let valid = 0;
    for (let n = 0; n < 60_000; n++) {
      let host = "";
      const parts = 1 + Math.floor(random() * 9);
      for (let p = 0; p < parts; p++) host += PIECES[Math.floor(random() * PIECES.length)];
      const text = `sip:u@${host}:5060`;
      const from = 6;
      const to = from + host.length;
      const expected = nameProblemAt(text, from, to) === undefined;
      expect(isValidNameAt(text, from, to), host).toBe(expected);
      if (expected) valid++;
    }
    // The generator reaches both verdicts often enough for the comparison to mean something.
    expect(valid).toBeGreaterThan(5_000);
  });

  it("takes names and dotted quads, refuses what RFC 3261 §25.1 does not allow", () => {
    const ok = (h: string) => isValidNameAt(h, 0, h.length);
    expect(ok("registrar.example.com")).toBe(true);
    expect(ok("registrar.example.com.")).toBe(true);
    expect(ok("10.0.0.255")).toBe(true);
    expect(ok("my_host-1")).toBe(true);
    expect(ok("10.0.0.256")).toBe(false);
    expect(ok("10.0.0")).toBe(false);
    expect(ok("10.0.0.0001")).toBe(false);
    expect(ok("example.123")).toBe(false);
    expect(ok("-example.com")).toBe(false);
    expect(ok("example-.com")).toBe(false);
    expect(ok("a..b")).toBe(false);
    expect(ok("a.b..")).toBe(false);
    expect(ok("")).toBe(false);
    expect(ok(`${"a".repeat(64)}.com`)).toBe(false);
    expect(ok(`${"a".repeat(63)}.com`)).toBe(true);
    const long = Array.from({ length: 64 }, () => "abc").join("."); // 255 characters
    expect(ok(long)).toBe(false);
    expect(hostProblem(long)).toContain("longer than 253");
  });
});
