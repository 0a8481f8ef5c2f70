import { parseDeltaSeconds } from "./delta-seconds.js";
import { headerParam, scanParams } from "./header-params.js";
import { isDigit, skipLws } from "./sip-grammar.js";
import { SipParseError } from "./sip-parse-error.js";

/** Retry-After = delta-seconds [ comment ] *( SEMI retry-param ), retry-param = ("duration" EQUAL delta-seconds) / generic-param (RFC 3261 §20.33). */
export interface RetryAfter {
  readonly seconds: number;
  readonly duration?: number;
  readonly comment?: string;
}

/** `undefined` when the value does not follow the grammar (the header is then ignored). */
export function parseRetryAfter(value: string): RetryAfter | undefined {
  const n = value.length;
  let i = skipLws(value, 0, n);
  const s = i;
  while (i < n && isDigit(value.charCodeAt(i))) i++;
  if (i === s) return undefined;
  const seconds = parseDeltaSeconds(value.slice(s, i));
  if (seconds === undefined) return undefined;
  i = skipLws(value, i, n);
  let comment: string | undefined;
  if (i < n && value.charCodeAt(i) === 0x28) {
    const close = endOfComment(value, i);
    if (close < 0) return undefined;
    comment = value.slice(i + 1, close - 1);
    i = close;
  }
  let params: ReadonlyMap<string, string | null>;
  try {
    const scan = scanParams(value, i, n, false);
    params = scan.params;
  } catch (e) {
    if (e instanceof SipParseError) return undefined;
    throw e;
  }
  const result: { seconds: number; duration?: number; comment?: string } = { seconds };
  const d = headerParam(params, "duration");
  if (typeof d === "string") {
    const duration = parseDeltaSeconds(d);
    if (duration === undefined) return undefined;
    result.duration = duration;
  }
  if (comment !== undefined) result.comment = comment;
  return result;
}

/** comment = LPAREN *(ctext / quoted-pair / comment) RPAREN; returns the offset after ")" or -1. */
function endOfComment(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x28) depth++;
    else if (c === 0x29 && --depth === 0) return i + 1;
  }
  return -1;
}
