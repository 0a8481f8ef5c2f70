import { isDigit, isHexDigit, isSchemeChar } from "./sip-grammar.js";
import { SipParseError } from "./sip-parse-error.js";

/**
 * A SIP or SIPS URI (RFC 3261 §19.1.1). `user`, `password`, parameter and header names and values are %-unescaped
 * once (RFC 3261 §19.1.4, RFC 3986 §2.4: never recursively); `host` is as written; `raw` is the input text.
 * Parameter names are lower case; a parameter without "=" maps to `null`.
 */
export interface SipUri {
  readonly scheme: "sip" | "sips";
  readonly user?: string;
  readonly password?: string;
  readonly host: string;
  readonly port?: number;
  readonly params: ReadonlyMap<string, string | null>;
  readonly headers: ReadonlyMap<string, string>;
  readonly raw: string;
}

/** Any other URI (`tel:`, `urn:`, `http:` …): kept opaque (RFC 3261 §19.1.1 allows absoluteURI). */
export interface OpaqueUri {
  readonly scheme: string;
  readonly opaque: string;
  readonly raw: string;
}

export function isSipUri(u: SipUri | OpaqueUri): u is SipUri {
  return u.scheme === "sip" || u.scheme === "sips";
}

const utf8 = new TextDecoder("utf-8");

/**
 * Parse a URI. `sip:` / `sips:` (any case) give a {@link SipUri}; any other syntactically valid scheme gives an
 * {@link OpaqueUri}.
 * @throws SipParseError
 */
export function parseUri(text: string): SipUri | OpaqueUri {
  const n = text.length;
  let i = 0;
  while (i < n && isSchemeChar(text.charCodeAt(i))) i++;
  const c0 = text.charCodeAt(0);
  const alpha = (c0 >= 0x41 && c0 <= 0x5a) || (c0 >= 0x61 && c0 <= 0x7a);
  if (i === 0 || !alpha || text.charCodeAt(i) !== 0x3a) throw new SipParseError("bad URI scheme", text, i);
  const scheme = text.slice(0, i).toLowerCase();
  for (let k = i + 1; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c <= 0x20 || c === 0x7f) throw new SipParseError("whitespace or control character in URI", text, k);
  }
  if (scheme !== "sip" && scheme !== "sips") {
    if (i + 1 >= n) throw new SipParseError("empty URI", text, i + 1);
    return { scheme, opaque: text.slice(i + 1), raw: text };
  }
  return parseSipUri(text, scheme, i + 1);
}

function parseSipUri(text: string, scheme: "sip" | "sips", from: number): SipUri {
  const n = text.length;
  // userinfo ends at the first "@": "@" is not allowed unescaped in user, password, params or headers (§25.1).
  const at = text.indexOf("@", from);
  let user: string | undefined;
  let password: string | undefined;
  let i = from;
  if (at >= 0) {
    const colon = text.indexOf(":", from);
    const userEnd = colon >= 0 && colon < at ? colon : at;
    if (userEnd === from) throw new SipParseError("empty user in URI", text, from);
    user = percentDecode(text, from, userEnd);
    if (userEnd < at) password = percentDecode(text, userEnd + 1, at);
    i = at + 1;
  }
  // host
  const hostStart = i;
  if (text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf("]", i);
    if (close < 0) throw new SipParseError("unterminated IPv6 reference", text, i);
    for (let k = i + 1; k < close; k++) {
      const c = text.charCodeAt(k);
      if (!(isHexDigit(c) || c === 0x3a || c === 0x2e)) throw new SipParseError("bad IPv6 reference", text, k);
    }
    i = close + 1;
  } else {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x3a || c === 0x3b || c === 0x3f) break;
      if (!isHostChar(c)) throw new SipParseError("bad character in host", text, i);
      i++;
    }
  }
  if (i === hostStart) throw new SipParseError("empty host", text, i);
  const host = text.slice(hostStart, i);
  let port: number | undefined;
  if (i < n && text.charCodeAt(i) === 0x3a) {
    i++;
    const portStart = i;
    let p = 0;
    while (i < n && isDigit(text.charCodeAt(i))) {
      p = p * 10 + (text.charCodeAt(i) - 0x30);
      i++;
      if (i - portStart > 5) break;
    }
    if (i === portStart || i - portStart > 5 || p > 65535) throw new SipParseError("bad port", text, portStart);
    port = p;
  }
  const params = new Map<string, string | null>();
  while (i < n && text.charCodeAt(i) === 0x3b) {
    i++;
    const start = i;
    while (i < n && text.charCodeAt(i) !== 0x3b && text.charCodeAt(i) !== 0x3f) i++;
    if (i === start) throw new SipParseError("empty URI parameter", text, i);
    let eq = start;
    while (eq < i && text.charCodeAt(eq) !== 0x3d) eq++;
    const name = percentDecode(text, start, eq).toLowerCase();
    if (name.length === 0) throw new SipParseError("empty URI parameter name", text, start);
    const value = eq < i ? percentDecode(text, eq + 1, i) : null;
    if (!params.has(name)) params.set(name, value);
  }
  const headers = new Map<string, string>();
  if (i < n) {
    if (text.charCodeAt(i) !== 0x3f) throw new SipParseError("unexpected character in URI", text, i);
    i++;
    while (i <= n) {
      const start = i;
      let amp = text.indexOf("&", i);
      if (amp < 0) amp = n;
      let eq = start;
      while (eq < amp && text.charCodeAt(eq) !== 0x3d) eq++;
      if (eq >= amp || eq === start) throw new SipParseError("bad URI header", text, start);
      const name = percentDecode(text, start, eq);
      if (!headers.has(name)) headers.set(name, percentDecode(text, eq + 1, amp));
      i = amp + 1;
      if (amp === n) break;
    }
  }
  const uri: { -readonly [K in keyof SipUri]: SipUri[K] } = { scheme, host, params, headers, raw: text };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (port !== undefined) uri.port = port;
  return uri;
}

/**
 * hostname / IPv4address characters (RFC 3261 §25.1: alphanum, "-", "."), plus "_" seen in the wild: what
 * {@link parseUri} accepts in a host name (core's one-scan row check uses the same rule).
 */
export function isHostChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f
  );
}

/** %HH unescaping of text[from, to); escaped octets are decoded as UTF-8. A "%" not followed by 2 HEXDIG is an error. */
function percentDecode(text: string, from: number, to: number): string {
  let pct = percentAt(text, from, to);
  if (pct < 0) return text.slice(from, to);
  let out = "";
  let runStart = from;
  while (pct >= 0) {
    out += text.slice(runStart, pct);
    const bytes: number[] = [];
    let k = pct;
    while (k < to && text.charCodeAt(k) === 0x25) {
      if (k + 2 >= to || !isHexDigit(text.charCodeAt(k + 1)) || !isHexDigit(text.charCodeAt(k + 2))) {
        throw new SipParseError("bad %-escape in URI", text, k);
      }
      bytes.push(Number.parseInt(text.slice(k + 1, k + 3), 16));
      k += 3;
    }
    out += utf8.decode(new Uint8Array(bytes));
    runStart = k;
    pct = percentAt(text, k, to);
  }
  return out + text.slice(runStart, to);
}

/**
 * Offset of the first "%" in text[from, to), or -1. The search stops at `to`: a search to the end of the text, once
 * per URI parameter, made a URI of many parameters followed by one "%" quadratic.
 */
function percentAt(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 0x25) return i;
  return -1;
}
