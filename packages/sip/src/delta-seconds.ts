import { isDigit, MAX_UINT32, trimLws } from "./sip-grammar.js";

/**
 * delta-seconds = 1*DIGIT (RFC 3261 §25.1), the value of Expires (§20.19), Min-Expires (§20.23) and of the Contact
 * `expires` parameter. `undefined` if the value is not all digits; values above 2**32-1 are clamped to 2**32-1
 * (the range of §20.19; RFC 4475 scalar02).
 */
export function parseDeltaSeconds(value: string): number | undefined {
  const v = trimLws(value);
  if (v.length === 0) return undefined;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!isDigit(c)) return undefined;
    if (n <= MAX_UINT32) n = n * 10 + (c - 0x30);
  }
  return Math.min(n, MAX_UINT32);
}
