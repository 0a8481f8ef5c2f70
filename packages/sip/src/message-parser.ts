import {
  beginSpans,
  equalsLower,
  growSpans,
  HeaderIndex,
  MAX_INDEXED_HEAD,
  packName,
  packValueEnd,
  type SpanWriter,
} from "./header-index.js";
import { isDigit, isLws, isSchemeChar, isTokenChar } from "./sip-grammar.js";
import { SipParseError } from "./sip-parse-error.js";
import { SipRequest, SipResponse } from "./sip-message.js";

/**
 * SIP is UTF-8 (RFC 3261 §7.3.1, §25: UTF8-NONASCII); the head is decoded as UTF-8, invalid sequences become U+FFFD.
 * `ignoreBOM` keeps a leading U+FEFF visible, so it is rejected as a bad start line instead of silently dropped.
 */
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const encoder = new TextEncoder();
const EMPTY_BODY = new Uint8Array(0);

const LF = 0x0a;
const CR = 0x0d;

/** How the body is delimited: a datagram ends at its last byte, a stream needs Content-Length (RFC 3261 §18.3). */
export type Framing = "datagram" | "stream";

/** Result of {@link parseFrom}: the message and the offset just after it. */
export interface ParsedFrame {
  readonly message: SipRequest | SipResponse;
  readonly end: number;
}

/** A stream head was read but the body is not complete: nothing can be returned before `end` octets are there. */
export interface PendingFrame {
  readonly message?: undefined;
  readonly end: number;
}

/**
 * Parse one SIP message (RFC 3261 §7) from a datagram.
 *
 * - CRLFs before the start line are skipped (§7.5).
 * - The body is the `Content-Length` octets after the empty line; octets beyond it are ignored (§18.3). Without
 *   `Content-Length` the body runs to the end of the input (allowed for datagrams only).
 * - Header values are parsed only when an accessor asks for them; {@link parseMessage} checks the framing, the start
 *   line and the header field syntax (name ":" value, folding), not the value grammar of each header.
 *
 * @throws SipParseError on anything malformed; never anything else.
 */
export function parseMessage(input: string | Uint8Array): SipRequest | SipResponse {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  const message = parseFrame(bytes, 0, bytes.length, "datagram");
  if (typeof message !== "object") throw new SipParseError("incomplete message", "", 0);
  return message;
}

/** Offset of the first byte after the empty line that ends the head, or -1 when it is not in [from, to). */
export function findHeadEnd(bytes: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const lf = bytes.indexOf(LF, i);
    if (lf < 0 || lf >= to) return -1;
    // An empty line: LF LF, or LF CR LF.
    const next = lf + 1;
    if (next < to && bytes[next] === LF) return next + 1;
    if (next + 1 < to && bytes[next] === CR && bytes[next + 1] === LF) return next + 2;
    i = next;
  }
  return -1;
}

/** Skip the CR/LF octets that may precede a start line (RFC 3261 §7.5 keep-alives). */
export function skipLeadingCrlf(bytes: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to && (bytes[i] === CR || bytes[i] === LF)) i++;
  return i;
}

/**
 * Parse one message from `bytes[from, to)`. For a stream, returns `undefined` until the head is there and a
 * {@link PendingFrame} until the body is; for a datagram, a missing part is an error.
 */
export function parseFrom(
  bytes: Uint8Array,
  from: number,
  to: number,
  framing: Framing,
): ParsedFrame | PendingFrame | undefined {
  const message = parseFrame(bytes, from, to, framing);
  if (message === undefined) return undefined;
  if (typeof message === "number") return { end: message };
  return { message, end: frameEnd };
}

/**
 * One init object per kind, refilled for each parsed message: the constructors copy its fields and keep no reference
 * to it, so a parse allocates no init literal (cleared after use: no message is kept alive by it).
 */
const NO_HEADERS = HeaderIndex.empty();
const responseInit = { status: 0, reason: "", version: "", headers: NO_HEADERS, body: EMPTY_BODY };
const requestInit = { method: "", uri: "", version: "", headers: NO_HEADERS, body: EMPTY_BODY };

/** The offset just after the message last returned by {@link parseFrame}. */
let frameEnd = 0;

/**
 * {@link parseFrom} without a result object: the message (its end in {@link frameEnd}), the end of a pending stream
 * frame, or `undefined` when a stream head is not complete.
 */
function parseFrame(
  bytes: Uint8Array,
  from: number,
  to: number,
  framing: Framing,
): SipRequest | SipResponse | number | undefined {
  const start = skipLeadingCrlf(bytes, from, to);
  if (start >= to) {
    if (framing === "stream") return undefined;
    throw new SipParseError("empty message", "", 0);
  }
  let headEnd = findHeadEnd(bytes, start, to);
  if (headEnd < 0) {
    if (framing === "stream") return undefined;
    // A datagram whose head is not followed by an empty line: accept a head that ends with its last line break.
    headEnd = to;
    if (bytes[to - 1] !== LF) throw new SipParseError("no empty line after the header fields", "", to - start);
  }
  // Most datagrams are a head alone (Content-Length: 0): decode them without making a view first.
  const head = decoder.decode(start === 0 && headEnd === bytes.length ? bytes : bytes.subarray(start, headEnd));
  const parsed = parseHead(head);
  const contentLength = parsed.contentLength;
  const bodyStart = headEnd;
  let bodyEnd: number;
  if (contentLength < 0) {
    if (framing === "stream") throw new SipParseError("Content-Length is required on a stream", head, 0);
    bodyEnd = to;
  } else {
    bodyEnd = bodyStart + contentLength;
    if (bodyEnd > to) {
      if (framing === "stream") return bodyEnd;
      throw new SipParseError(
        `Content-Length ${contentLength} exceeds the ${to - bodyStart} body octets received`,
        head,
        head.length,
      );
    }
  }
  // A copy: a stream parser reuses its buffer. An empty body is the one shared empty array.
  const body = bodyEnd > bodyStart ? bytes.slice(bodyStart, bodyEnd) : EMPTY_BODY;
  const headers = HeaderIndex.fromHead(head, parsed.spans, parsed.spanCount / 2);
  let message: SipRequest | SipResponse;
  if (parsed.kind === RESPONSE) {
    const init = responseInit;
    init.status = parsed.status;
    init.reason = parsed.reason;
    init.version = parsed.version;
    init.headers = headers;
    init.body = body;
    message = new SipResponse(init);
    init.headers = NO_HEADERS;
    init.body = EMPTY_BODY;
  } else {
    const init = requestInit;
    init.method = parsed.method;
    init.uri = parsed.uri;
    init.version = parsed.version;
    init.headers = headers;
    init.body = body;
    message = new SipRequest(init);
    init.headers = NO_HEADERS;
    init.body = EMPTY_BODY;
  }
  frameEnd = bodyEnd;
  return message;
}

/** Content-Length as it appears in the head: digits only, one value (RFC 3261 §20.14, RFC 4475 ncl / mcl01). */
export const MAX_CONTENT_LENGTH = 0x7fffffff;

const REQUEST = 0;
const RESPONSE = 1;

/** What {@link parseHead} found; one reused scratch object (parsing is synchronous and never re-entered). */
interface ParsedHead {
  kind: typeof REQUEST | typeof RESPONSE;
  method: string;
  uri: string;
  status: number;
  reason: string;
  version: string;
  /** Where the numbers of the fields went: two per field ({@link packName}, {@link packValueEnd}), `spanCount` in all. */
  spans: SpanWriter;
  spanCount: number;
  /** -1 when there is no Content-Length field. */
  contentLength: number;
}

const scratch: ParsedHead = {
  kind: REQUEST,
  method: "",
  uri: "",
  status: 0,
  reason: "",
  version: "",
  spans: beginSpans(),
  spanCount: 0,
  contentLength: -1,
};

const SIP_2_0 = "SIP/2.0";

function parseHead(head: string): ParsedHead {
  const n = head.length;
  // The field index numbers offsets up to MAX_INDEXED_HEAD (4 MiB); no transport lets a head come near it.
  if (n > MAX_INDEXED_HEAD) throw new SipParseError("header section too large", "", 0);
  let lf = head.indexOf("\n");
  if (lf < 0) lf = n;
  const lineEnd = lf > 0 && head.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
  const result = scratch;
  result.kind = REQUEST;
  result.method = "";
  result.uri = "";
  result.status = 0;
  result.reason = "";
  result.version = "";
  result.spanCount = 0;
  result.contentLength = -1;
  // The fields' numbers go straight into the shared span block (header-index.ts), kept only if the head parses.
  const w = beginSpans();
  result.spans = w;
  let block = w.block;
  let at = w.at;
  let count = 0;
  parseStartLine(head, lineEnd, result);

  let i = lf + 1;
  while (i < n) {
    // Start of a field line (never a continuation: those are consumed with the field they continue).
    const lineStart = i;
    const c0 = head.charCodeAt(i);
    if (c0 === CR || c0 === LF) break; // the empty line
    if (c0 === 0x20 || c0 === 0x09) throw new SipParseError("continuation line without a header field", head, i);
    // name
    let j = i;
    while (j < n && isTokenChar(head.charCodeAt(j))) j++;
    if (j === i) throw new SipParseError("bad header field name", head, i);
    const nameEnd = j;
    while (j < n && (head.charCodeAt(j) === 0x20 || head.charCodeAt(j) === 0x09)) j++;
    if (head.charCodeAt(j) !== 0x3a) throw new SipParseError("expected ':' after the header field name", head, j);
    j++;
    // The field runs until a line break not followed by SP/HTAB.
    let fieldEnd: number;
    let folded = false;
    let k = j;
    for (;;) {
      lf = head.indexOf("\n", k);
      if (lf < 0) {
        fieldEnd = n;
        i = n;
        break;
      }
      const next = head.charCodeAt(lf + 1);
      if (next === 0x20 || next === 0x09) {
        folded = true;
        k = lf + 1;
        continue;
      }
      fieldEnd = lf;
      i = lf + 1;
      break;
    }
    // Trim LWS (and the CR of the line end) on both sides.
    let vs = j;
    while (vs < fieldEnd && isLws(head.charCodeAt(vs))) vs++;
    let ve = fieldEnd;
    while (ve > vs && isLws(head.charCodeAt(ve - 1))) ve--;
    if (folded && head.indexOf("\n", vs) >= ve) folded = false;
    if (at + count + 2 > block.length) {
      growSpans(w, count);
      block = w.block;
      at = w.at;
    }
    block[at + count] = packName(lineStart, nameEnd);
    block[at + count + 1] = packValueEnd(ve, folded);
    count += 2;
    const nameLength = nameEnd - lineStart;
    if (
      nameLength === 1
        ? (head.charCodeAt(lineStart) | 0x20) === 0x6c // "l"
        : nameLength === 14 && equalsLower(head, lineStart, "content-length")
    ) {
      const len = parseContentLength(head, vs, ve);
      if (result.contentLength >= 0 && result.contentLength !== len) {
        throw new SipParseError("conflicting Content-Length values", head, vs);
      }
      result.contentLength = len;
    }
  }
  result.spanCount = count;
  return result;
}

function parseContentLength(head: string, from: number, to: number): number {
  if (from === to) throw new SipParseError("empty Content-Length", head, from);
  if (to - from > 10) throw new SipParseError("Content-Length too large", head, from);
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = head.charCodeAt(i);
    if (!isDigit(c)) throw new SipParseError("Content-Length is not a number", head, i);
    v = v * 10 + (c - 0x30);
  }
  if (v > MAX_CONTENT_LENGTH) throw new SipParseError("Content-Length too large", head, from);
  return v;
}

/**
 * Request-Line = Method SP Request-URI SP SIP-Version CRLF; Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
 * CRLF (RFC 3261 §7.1, §7.2). Exactly one SP between elements: RFC 4475 lwsstart, trws and lwsruri are rejected.
 */
function parseStartLine(head: string, end: number, out: ParsedHead): void {
  if (head.startsWith("SIP/")) {
    const sp1 = head.indexOf(" ", 0);
    if (sp1 < 0 || sp1 > end) throw new SipParseError("bad Status-Line", head, 0);
    checkVersion(head, 0, sp1);
    out.version = sp1 === 7 && head.startsWith(SIP_2_0) ? SIP_2_0 : head.slice(0, sp1);
    // Status-Code = 3DIGIT
    const codeEnd = sp1 + 4;
    if (codeEnd > end) throw new SipParseError("bad Status-Code", head, sp1 + 1);
    let status = 0;
    for (let i = sp1 + 1; i < codeEnd; i++) {
      const c = head.charCodeAt(i);
      if (!isDigit(c)) throw new SipParseError("bad Status-Code", head, i);
      status = status * 10 + (c - 0x30);
    }
    if (status < 100) throw new SipParseError("bad Status-Code", head, sp1 + 1);
    if (codeEnd < end && head.charCodeAt(codeEnd) !== 0x20) throw new SipParseError("bad Status-Code", head, codeEnd);
    out.kind = RESPONSE;
    out.status = status;
    // RFC 4475 noreason: "SIP/2.0 100 " has an empty reason; a missing SP is accepted too (liberal).
    out.reason = codeEnd < end ? reasonPhrase(head, codeEnd + 1, end) : "";
    return;
  }
  const sp1 = head.indexOf(" ");
  if (sp1 <= 0 || sp1 > end) throw new SipParseError("bad Request-Line", head, 0);
  for (let i = 0; i < sp1; i++) {
    if (!isTokenChar(head.charCodeAt(i))) throw new SipParseError("bad Method", head, i);
  }
  const sp2 = head.indexOf(" ", sp1 + 1);
  if (sp2 < 0 || sp2 > end || sp2 === sp1 + 1) throw new SipParseError("bad Request-URI", head, sp1 + 1);
  // Request-URI = SIP-URI / SIPS-URI / absoluteURI: a scheme, ":", and no whitespace or control characters.
  let i = sp1 + 1;
  while (i < sp2 && isSchemeChar(head.charCodeAt(i))) i++;
  if (i === sp1 + 1 || head.charCodeAt(i) !== 0x3a) throw new SipParseError("bad Request-URI", head, sp1 + 1);
  for (let k = sp1 + 1; k < sp2; k++) {
    const c = head.charCodeAt(k);
    if (c <= 0x20 || c === 0x7f) throw new SipParseError("bad Request-URI", head, k);
  }
  if (head.indexOf(" ", sp2 + 1) >= 0 && head.indexOf(" ", sp2 + 1) < end) {
    throw new SipParseError("bad SIP-Version", head, sp2 + 1);
  }
  checkVersion(head, sp2 + 1, end);
  out.kind = REQUEST;
  out.method = head.slice(0, sp1);
  out.uri = head.slice(sp1 + 1, sp2);
  out.version = end - sp2 === 8 && head.startsWith(SIP_2_0, sp2 + 1) ? SIP_2_0 : head.slice(sp2 + 1, end);
}

/** The reason phrases a registrant gets most (RFC 3261 §21), shared instead of cut from every response's head. */
const COMMON_REASONS = ["OK", "Trying", "Unauthorized", "Proxy Authentication Required", "Interval Too Brief"];

/** `head[from, to)`: one of {@link COMMON_REASONS} when it is exactly that (compared in place), else a new string. */
function reasonPhrase(head: string, from: number, to: number): string {
  const length = to - from;
  for (const r of COMMON_REASONS) if (r.length === length && head.startsWith(r, from)) return r;
  return head.slice(from, to);
}

/** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (case-insensitive "SIP"). Other versions parse (a UAS answers 505). */
function checkVersion(head: string, from: number, to: number): void {
  // "SIP/" compared in place, case-insensitively (no slice and upper-case copy per message).
  if (
    to - from < 7 ||
    (head.charCodeAt(from) & 0xdf) !== 0x53 ||
    (head.charCodeAt(from + 1) & 0xdf) !== 0x49 ||
    (head.charCodeAt(from + 2) & 0xdf) !== 0x50 ||
    head.charCodeAt(from + 3) !== 0x2f
  ) {
    throw new SipParseError("bad SIP-Version", head, from);
  }
  let i = from + 4;
  const a = i;
  while (i < to && isDigit(head.charCodeAt(i))) i++;
  if (i === a || head.charCodeAt(i) !== 0x2e) throw new SipParseError("bad SIP-Version", head, from);
  i++;
  const b = i;
  while (i < to && isDigit(head.charCodeAt(i))) i++;
  if (i === b || i !== to) throw new SipParseError("bad SIP-Version", head, from);
}
