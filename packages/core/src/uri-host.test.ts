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

  const hosts: Array<[string, boolean]> = [
    ["registrar.example.com", true],
    ["registrar.example.com.", true],
    ["10.0.0.255", true],
    ["my_host-1", true],
    [`${"a".repeat(63)}.com`, true],
    ["10.0.0.256", false],
    ["10.0.0", false],
    ["10.0.0.0001", false],
    ["example.123", false],
    ["-example.com", false],
    ["example-.com", false],
    ["a..b", false],
    ["a.b..", false],
    ["", false],
    [`${"a".repeat(64)}.com`, false],
    [Array.from({ length: 64 }, () => "abc").join("."), false], // 255 characters
  ];
  it.each(hosts)("takes %j: %s (RFC 3261 §25.1 names and dotted quads)", (host, valid) => {
    expect(isValidNameAt(host, 0, host.length)).toBe(valid);
    expect(hostProblem(host) === undefined).toBe(valid);
  });
});
