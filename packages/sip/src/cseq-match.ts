import { parseCSeq } from "./cseq.js";

/**
 * True when the CSeq header value (RFC 3261 §20.16, `CSeq = 1*DIGIT LWS Method`) carries this number and method: the
 * CSeq half of client transaction matching (§17.1.3). A plain value (`digits SP method`, at most 9 digits) is compared
 * in place; anything else is parsed by {@link parseCSeq}, so the answer is always the full parser's (the differential
 * property test of this package checks it).
 * @throws SipParseError (from `parseCSeq`) on a malformed value
 */
export function cseqIs(value: string, seq: number, method: string): boolean {
  const n = value.length;
  let i = 0;
  let v = 0;
  while (i < n && i < 10) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
    i++;
  }
  if (
    i > 0 &&
    i < 10 &&
    value.charCodeAt(i) === 0x20 &&
    i + 1 + method.length === n &&
    value.startsWith(method, i + 1)
  ) {
    return v === seq;
  }
  const parsed = parseCSeq(value);
  return parsed.seq === seq && parsed.method === method;
}
