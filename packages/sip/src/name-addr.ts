import { endOfQuoted, scanParams, unquote } from "./header-params.js";
import { isLws, isTokenChar, skipLws } from "./sip-grammar.js";
import { SipParseError } from "./sip-parse-error.js";
import { parseUri } from "./sip-uri.js";

/**
 * ( name-addr / addr-spec ) *( SEMI generic-param ) — the value of From, To, Contact, Route, Record-Route …
 * (RFC 3261 §20.10, §20.20, §20.39, §25.1).
 *
 * `displayName` is unquoted (quoted-pairs resolved) or the display-name tokens as written; `uri` is the URI text
 * (inside the angle brackets, trimmed); `params` are the header parameters (see {@link scanParams}).
 */
export interface NameAddr {
  readonly displayName?: string;
  readonly uri: string;
  readonly params: ReadonlyMap<string, string | null>;
}

/** One name-addr or addr-spec with its header parameters. @throws SipParseError */
export function parseNameAddr(value: string): NameAddr {
  const { nameAddr, end } = scanNameAddr(value, 0, value.length, false);
  if (end !== value.length) throw new SipParseError("unexpected text after the address", value, end);
  return nameAddr;
}

/** A comma-separated list; commas inside quotes and angle brackets do not separate. @throws SipParseError */
export function parseNameAddrList(value: string): NameAddr[] {
  const out: NameAddr[] = [];
  const n = value.length;
  let i = 0;
  for (;;) {
    const { nameAddr, end } = scanNameAddr(value, i, n, true);
    out.push(nameAddr);
    if (end >= n) return out;
    // scanParams stopped at a comma
    i = end + 1;
  }
}

export function scanNameAddr(
  text: string,
  from: number,
  end: number,
  inList: boolean,
): { nameAddr: NameAddr; end: number } {
  let i = skipLws(text, from, end);
  if (i >= end) throw new SipParseError("empty address", text, i);
  let displayName: string | undefined;
  let uri: string;
  const c = text.charCodeAt(i);
  let angle = false;
  if (c === 0x22) {
    const q = endOfQuoted(text, i, end);
    displayName = unquote(text.slice(i, q));
    i = skipLws(text, q, end);
    if (text.charCodeAt(i) !== 0x3c) throw new SipParseError("expected '<' after the display name", text, i);
    angle = true;
  } else if (c === 0x3c) {
    angle = true;
  } else {
    // display-name tokens followed by "<", or an addr-spec
    let j = i;
    while (j < end) {
      const d = text.charCodeAt(j);
      if (!(isTokenChar(d) || isLws(d))) break;
      j++;
    }
    if (j < end && text.charCodeAt(j) === 0x3c) {
      let k = j;
      while (k > i && isLws(text.charCodeAt(k - 1))) k--;
      displayName = text.slice(i, k);
      i = j;
      angle = true;
    }
  }
  if (angle) {
    const close = text.indexOf(">", i + 1);
    if (close < 0 || close >= end) throw new SipParseError("unterminated '<'", text, i);
    let a = skipLws(text, i + 1, close);
    let b = close;
    while (b > a && isLws(text.charCodeAt(b - 1))) b--;
    if (a === b) throw new SipParseError("empty URI in '<>'", text, a);
    uri = text.slice(a, b);
    a = close + 1;
    i = a;
  } else {
    // addr-spec: a URI with ",", "?" or ";" must use name-addr (RFC 3261 §20.10), so these end it here.
    const start = i;
    while (i < end) {
      const d = text.charCodeAt(i);
      if (d === 0x3b || d === 0x2c || d === 0x3f || isLws(d)) break;
      i++;
    }
    uri = text.slice(start, i);
  }
  checkUri(text, uri, i);
  const scan = scanParams(text, i, end, inList);
  const nameAddr: { displayName?: string; uri: string; params: ReadonlyMap<string, string | null> } = {
    uri,
    params: scan.params,
  };
  if (displayName !== undefined) nameAddr.displayName = displayName;
  return { nameAddr, end: scan.end };
}

function checkUri(text: string, uri: string, at: number): void {
  try {
    parseUri(uri);
  } catch (e) {
    if (e instanceof SipParseError) throw new SipParseError(`bad URI (${e.message})`, text, at);
    throw e;
  }
}
