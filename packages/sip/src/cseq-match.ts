import { parseCSeq } from "./cseq.js";
import type { ValueRange } from "./header-index.js";
import type { SipMessage } from "./sip-message.js";

/**
 * True when the CSeq header value (RFC 3261 §20.16, `CSeq = 1*DIGIT LWS Method`) carries this number and method: the
 * CSeq half of client transaction matching (§17.1.3). A plain value (`digits SP method`, at most 9 digits) is compared
 * in place; anything else is parsed by {@link parseCSeq}, so the answer is always the full parser's (the differential
 * property test of this package checks it).
 * @throws SipParseError (from `parseCSeq`) on a malformed value
 */
export function cseqIs(value: string, seq: number, method: string): boolean {
  return cseqInRangeIs(value, 0, value.length, seq, method);
}

/** {@link cseqIs} on the value `text[from, to)`. */
function cseqInRangeIs(text: string, from: number, to: number, seq: number, method: string): boolean {
  let i = from;
  let v = 0;
  while (i < to && i - from < 10) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
    i++;
  }
  const digits = i - from;
  if (
    digits > 0 &&
    digits < 10 &&
    i < to &&
    text.charCodeAt(i) === 0x20 &&
    i + 1 + method.length === to &&
    text.startsWith(method, i + 1)
  ) {
    return v === seq;
  }
  const parsed = parseCSeq(from === 0 && to === text.length ? text : text.slice(from, to));
  return parsed.seq === seq && parsed.method === method;
}

/** Scratch of {@link cseqHeaderIs} (synchronous, never re-entered). */
const range: ValueRange = { text: "", start: 0, end: 0 };

/**
 * {@link cseqIs} on the first CSeq field of `msg`, read where it lies in the message's head (no string is made of
 * it). False when `msg` has no CSeq.
 * @throws SipParseError (from `parseCSeq`) on a malformed value
 */
export function cseqHeaderIs(msg: SipMessage, seq: number, method: string): boolean {
  const index = msg.headerIndex();
  const i = index.indexOf("cseq");
  if (i < 0) return false;
  index.valueRange(i, range);
  const result = cseqInRangeIs(range.text, range.start, range.end, seq, method);
  range.text = "";
  return result;
}
