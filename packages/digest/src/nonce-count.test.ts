import { describe, expect, it } from "vitest";
import { formatNonceCount, NonceCounter, newCnonce } from "./index.js";

describe("NonceCounter", () => {
  it("counts 1, 2, 3 per nonce, independently", () => {
    const counter = new NonceCounter();
    expect([counter.next("a"), counter.next("a"), counter.next("b"), counter.next("a")]).toEqual([1, 2, 1, 3]);
    expect(counter.current("a")).toBe(3);
  });

  it("starts again at 1 after forget (e.g. a stale nonce)", () => {
    const counter = new NonceCounter();
    counter.next("a");
    counter.forget("a");
    expect(counter.next("a")).toBe(1);
  });

  it("keeps only the most recently used nonces", () => {
    const counter = new NonceCounter(2);
    counter.next("a");
    counter.next("b");
    counter.next("a");
    counter.next("c"); // evicts b, the least recently used
    expect(counter.current("a")).toBe(2);
    expect(counter.current("b")).toBe(0);
  });
});

describe("formatNonceCount", () => {
  it("prints 8 lowercase hex digits", () => {
    expect(formatNonceCount(1)).toBe("00000001");
    expect(formatNonceCount(0xffffffff)).toBe("ffffffff");
  });

  it("gives the same text from the precomputed small counts as above them, and refuses 0", () => {
    for (const nc of [2, 15, 16, 255, 256, 257, 4096]) {
      expect(formatNonceCount(nc)).toBe(nc.toString(16).padStart(8, "0"));
    }
    expect(formatNonceCount(255)).toBe("000000ff");
    expect(formatNonceCount(256)).toBe("00000100");
    expect(() => formatNonceCount(0)).toThrow(/nonce count/);
  });
});

describe("newCnonce", () => {
  it("is the hex of 16 bytes from the caller's random source", () => {
    const seen: number[] = [];
    const cnonce = newCnonce((n) => {
      seen.push(n);
      return Uint8Array.from({ length: n }, (_, i) => i * 17);
    });
    expect(seen).toEqual([16]);
    expect(cnonce).toBe("00112233445566778899aabbccddeeff");
  });

  it("refuses a random source that returns too few bytes", () => {
    expect(() => newCnonce(() => new Uint8Array(3))).toThrow(expect.objectContaining({ code: "bad-input" }));
  });
});
