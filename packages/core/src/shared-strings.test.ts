import { describe, expect, it } from "vitest";
import { ownCopy } from "./shared-strings.js";

describe("kept strings (a record keeps them for hours: they must not hold a received message alive)", () => {
  it("ownCopy returns the same text, one-byte, two-byte and surrogate pairs alike", () => {
    const message = `WWW-Authenticate: Digest nonce="${"n".repeat(40)}é€😀x", realm="r"`;
    const start = message.indexOf('"') + 1;
    const nonce = message.slice(start, message.indexOf('"', start));
    for (const text of [nonce, nonce.slice(0, 40), "", "a", "ab", "😀", "€uro-value-longer-than-13"]) {
      expect(ownCopy(text)).toBe(text);
      expect(ownCopy(text).length).toBe(text.length);
    }
  });
});
