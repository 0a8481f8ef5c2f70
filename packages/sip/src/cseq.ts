import { isDigit, isLws, isTokenChar, MAX_UINT32, skipLws } from "./sip-grammar.js";
import { SipParseError } from "./sip-parse-error.js";

/** CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16); the number must be < 2**31 per §8.1.1.5, we accept ≤ 2**32-1. */
export function parseCSeq(value: string): { seq: number; method: string } {
  const n = value.length;
  let i = skipLws(value, 0, n);
  const s = i;
  let seq = 0;
  while (i < n && isDigit(value.charCodeAt(i))) {
    seq = seq * 10 + (value.charCodeAt(i) - 0x30);
    i++;
    if (seq > MAX_UINT32) throw new SipParseError("CSeq number larger than 2**32-1", value, s);
  }
  if (i === s) throw new SipParseError("CSeq must start with a number", value, i);
  if (i >= n || !isLws(value.charCodeAt(i))) throw new SipParseError("expected LWS after the CSeq number", value, i);
  i = skipLws(value, i, n);
  const m = i;
  while (i < n && isTokenChar(value.charCodeAt(i))) i++;
  if (i === m) throw new SipParseError("missing CSeq method", value, i);
  const method = value.slice(m, i);
  if (skipLws(value, i, n) !== n) throw new SipParseError("unexpected text after the CSeq method", value, i);
  return { seq, method };
}
