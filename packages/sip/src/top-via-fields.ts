import type { ValueRange } from "./header-index.js";
import { isTokenChar } from "./sip-grammar.js";
import type { SipMessage } from "./sip-message.js";
import { parseVia } from "./via.js";

/**
 * The three fields of a response's top via-parm that a client transaction reads (RFC 3261 §20.42 Via): `branch` for
 * matching (§17.1.3), `received` (§18.2.1) and `rport` (RFC 3581 §4). Filled in place by {@link readTopVia}, so a
 * caller matching thousands of responses a second keeps one object.
 */
export interface TopViaFields {
  branch: string | undefined;
  received: string | undefined;
  /** The `rport` value when the peer filled it (a number), else undefined (absent or empty `rport`). */
  rport: number | undefined;
  /**
   * The sent-by `host[:port]` (host in lower case, IPv6 in brackets, no LWS), compared with the one we insert
   * (§18.1.2); undefined until a value was read.
   */
  sentBy?: string | undefined;
}

/**
 * Reads `branch`, `received` and `rport` of the first via-parm of a Via header value (RFC 3261 §20.42) into `out`.
 *
 * A plain value (`SIP/2.0/UDP host:port;name=value…`: no IPv6 reference, quotes, folding, spaces around `/`, `;` or
 * `=`, nor a second via-parm) is read in one pass by {@link scanPlainVia}, without building the full parse; anything
 * else goes through {@link parseVia}, so every unusual or malformed value gets exactly the full parser's verdict.
 * @throws SipParseError (from `parseVia`) on a malformed value
 */
export function readTopVia(value: string, out: TopViaFields): void {
  if (!scanPlainVia(value, out)) {
    const top = parseVia(value)[0]!;
    out.branch = top.branch;
    out.received = top.received;
    out.rport = typeof top.rport === "number" ? top.rport : undefined;
    out.sentBy = sentByOf(top.host, top.port);
  }
}

/** Scratch of {@link readTopViaOf} (synchronous, never re-entered). */
const range: ValueRange = { text: "", start: 0, end: 0 };

/**
 * {@link readTopVia} on the first Via field of `msg`, read where it lies in the message's head: no string is made of
 * the Via value (only of the fields read). False when `msg` has no Via.
 * @throws SipParseError (from `parseVia`) on a malformed value
 */
export function readTopViaOf(msg: SipMessage, out: TopViaFields, spots?: TopViaSpots): boolean {
  if (spots !== undefined) spots.text = "";
  const index = msg.headerIndex();
  const i = index.indexOf("via");
  if (i < 0) return false;
  index.valueRange(i, range);
  const text = range.text;
  if (!scanPlainVia(text, out, range.start, range.end, spots)) {
    if (spots !== undefined) spots.text = "";
    readTopVia(text.slice(range.start, range.end), out);
  }
  range.text = "";
  return true;
}

/**
 * Where {@link readTopViaOf} found the branch and the sent-by of a plain top Via, when the caller asked for places
 * instead of strings (a client transaction matching thousands of responses a second compares them in place). `text`
 * is "" when the Via was not plain: then `branch` and `sentBy` of the fields are strings as usual.
 */
export interface TopViaSpots {
  /** The text the offsets are into (the response's head), or "". */
  text: string;
  /** The branch value is `text[branchStart, branchEnd)`; -1 when the via-parm has no branch value. */
  branchStart: number;
  branchEnd: number;
  /** The sent-by host (as written) is `text[hostStart, hostEnd)`. */
  hostStart: number;
  hostEnd: number;
  /** The sent-by port, -1 when there is none. */
  port: number;
}

/** An empty {@link TopViaSpots} to fill. */
export function topViaSpots(): TopViaSpots {
  return { text: "", branchStart: -1, branchEnd: -1, hostStart: 0, hostEnd: 0, port: -1 };
}

/** The branch found (a string, for logs): from `spots` when it holds places, else `fields.branch`. */
export function topViaBranch(fields: TopViaFields, spots: TopViaSpots): string | undefined {
  if (spots.text === "") return fields.branch;
  return spots.branchStart < 0 ? undefined : spots.text.slice(spots.branchStart, spots.branchEnd);
}

/**
 * Whether the sent-by found equals `sentBy` (`host[:port]`, RFC 3261 §18.1.2), host compared without case and port
 * as a number, in place when `spots` holds places: the same answer as `fields.sentBy === sentBy.toLowerCase()`.
 */
export function topViaSentByIs(fields: TopViaFields, spots: TopViaSpots, sentBy: string): boolean {
  if (spots.text === "") return fields.sentBy === sentBy.toLowerCase();
  const text = spots.text;
  const hostLength = spots.hostEnd - spots.hostStart;
  if (sentBy.length < hostLength) return false;
  for (let k = 0; k < hostLength; k++) {
    const a = text.charCodeAt(spots.hostStart + k);
    const b = sentBy.charCodeAt(k);
    if (a >= 0x80 || b >= 0x80) {
      // Not ASCII: toLowerCase's full case mapping decides, as on the strings.
      const port = spots.port < 0 ? undefined : spots.port;
      return sentByOf(text.slice(spots.hostStart, spots.hostEnd), port) === sentBy.toLowerCase();
    }
    if (lowerCode(a) !== lowerCode(b)) return false;
  }
  const port = spots.port;
  if (port < 0) return sentBy.length === hostLength;
  if (sentBy.charCodeAt(hostLength) !== COLON) return false;
  // The port as sentByOf writes it: decimal, no leading zero.
  let digits = 1;
  for (let p = port; p >= 10; p = Math.floor(p / 10)) digits++;
  if (sentBy.length !== hostLength + 1 + digits) return false;
  let p = port;
  for (let k = sentBy.length - 1; k > hostLength; k--) {
    if (sentBy.charCodeAt(k) !== 0x30 + (p % 10)) return false;
    p = Math.floor(p / 10);
  }
  return true;
}

/** ASCII lower case of a char code (what String.prototype.toLowerCase does to ASCII; other codes as they are). */
function lowerCode(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** `host[:port]` with the host in lower case. */
export function sentByOf(host: string, port: number | undefined): string {
  const h = host.toLowerCase();
  return port === undefined ? h : `${h}:${port}`;
}

const SP = 0x20;
const HTAB = 0x09;
const SEMI = 0x3b;
const EQUAL = 0x3d;
const COLON = 0x3a;
const SLASH = 0x2f;
const COMMA = 0x2c;
const DQUOTE = 0x22;
const LSQUARE = 0x5b;

/**
 * The fast path of {@link readTopVia}: true when `text` is a plain via-parm and `out` is filled; false when it is not
 * plain (nothing is decided then, `out` is untouched). Whenever it returns true, {@link parseVia} accepts `text` and
 * finds the same three fields (the differential property test of this package checks it).
 */
export function scanPlainVia(
  text: string,
  out: TopViaFields,
  from = 0,
  to = text.length,
  spots?: TopViaSpots,
): boolean {
  // The value is text[from, to): every read at or past `to` is guarded (the head goes on after a value).
  const n = to;
  let i = from;
  while (i < n && (text.charCodeAt(i) === SP || text.charCodeAt(i) === HTAB)) i++;
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport (tokens, no LWS around "/")
  for (let k = 0; k < 3; k++) {
    const s = i;
    while (i < n && isTokenChar(text.charCodeAt(i))) i++;
    if (i === s) return false;
    if (k < 2) {
      if (i >= n || text.charCodeAt(i) !== SLASH) return false;
      i++;
    }
  }
  const gap = i;
  while (i < n && (text.charCodeAt(i) === SP || text.charCodeAt(i) === HTAB)) i++;
  if (i === gap) return false;
  // sent-by = host [ COLON port ]
  const hostStart = i;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === COLON || c === SEMI || c === COMMA || c === LSQUARE || c < 0x21 || c === DQUOTE) break;
    i++;
  }
  if (i === hostStart || (i < n && text.charCodeAt(i) !== COLON && text.charCodeAt(i) !== SEMI)) return false;
  const hostEnd = i;
  let sentPort: number | undefined;
  if (i < n && text.charCodeAt(i) === COLON) {
    i++;
    const p = i;
    let port = 0;
    while (i < n && i - p < 6) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      port = port * 10 + (c - 0x30);
      i++;
    }
    if (i === p || port > 65535 || (i < n && text.charCodeAt(i) !== SEMI)) return false;
    sentPort = port;
  }
  let branch: string | undefined;
  let branchStart = -1;
  let branchEnd = -1;
  let received: string | undefined;
  let rport: number | undefined;
  let sawBranch = false;
  let sawReceived = false;
  let sawRport = false;
  // *( SEMI token [ EQUAL value ] ), a value without quotes or spaces; the first of repeated names wins (as parseVia).
  while (i < n) {
    if (text.charCodeAt(i) !== SEMI) return false;
    i++;
    const nameStart = i;
    while (i < n && isTokenChar(text.charCodeAt(i))) i++;
    const nameEnd = i;
    if (nameEnd === nameStart) return false;
    let valueStart = -1;
    if (i < n && text.charCodeAt(i) === EQUAL) {
      i++;
      valueStart = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === SEMI) break;
        if (c === SP || c === HTAB || c === COMMA || c === DQUOTE || c < 0x21) return false;
        i++;
      }
      if (i === valueStart) return false;
    }
    const len = nameEnd - nameStart;
    if (len === 6 && !sawBranch && nameIs(text, nameStart, "branch")) {
      sawBranch = true;
      if (valueStart >= 0) {
        branchStart = valueStart;
        branchEnd = i;
        if (spots === undefined) branch = text.slice(valueStart, i);
      }
    } else if (len === 8 && !sawReceived && nameIs(text, nameStart, "received")) {
      sawReceived = true;
      if (valueStart >= 0) received = text.slice(valueStart, i);
    } else if (len === 5 && !sawRport && nameIs(text, nameStart, "rport")) {
      sawRport = true;
      if (valueStart >= 0) {
        if (i - valueStart > 5) return false;
        let p = 0;
        for (let k = valueStart; k < i; k++) {
          const c = text.charCodeAt(k);
          if (c < 0x30 || c > 0x39) return false;
          p = p * 10 + (c - 0x30);
        }
        if (p > 65535) return false;
        rport = p;
      }
    }
  }
  out.branch = branch;
  out.received = received;
  out.rport = rport;
  if (spots === undefined) {
    out.sentBy = sentByOf(text.slice(hostStart, hostEnd), sentPort);
  } else {
    out.sentBy = undefined;
    spots.text = text;
    spots.branchStart = branchStart;
    spots.branchEnd = branchEnd;
    spots.hostStart = hostStart;
    spots.hostEnd = hostEnd;
    spots.port = sentPort ?? -1;
  }
  return true;
}

/** Case-insensitive match of the parameter name at `from` against a lower-case name of the same length. */
function nameIs(text: string, from: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    if ((text.charCodeAt(from + k) | 0x20) !== lower.charCodeAt(k)) return false;
  }
  return true;
}
