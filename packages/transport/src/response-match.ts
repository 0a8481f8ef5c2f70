import { parseCSeq, parseVia } from "@uacreg/sip";

/**
 * What the transport reads from a response's top Via (RFC 3261 §17.1.3 matching, §18.2.1 `received`, RFC 3581
 * `rport`). Filled in place: one per transport, read right after {@link readTopVia}.
 */
export interface TopVia {
  branch: string | undefined;
  received: string | undefined;
  /** The `rport` value when the peer filled it (a number), else undefined. */
  rport: number | undefined;
}

/**
 * Reads branch, received and rport of the first via-parm of a Via header value into `out`.
 *
 * A well-formed plain value (`SIP/2.0/UDP host:port;name=value…`, no IPv6 reference, quotes, folding, spaces around
 * `/`, `;` or `=`, nor a second via-parm) is read in one pass without building the full parse; anything else goes
 * through `parseVia` of @uacreg/sip, so every unusual or malformed value gets exactly its verdict.
 * @throws SipParseError (from `parseVia`) on a malformed value
 */
export function readTopVia(value: string, out: TopVia): void {
  if (!scanPlainVia(value, out)) {
    const top = parseVia(value)[0]!;
    out.branch = top.branch;
    out.received = top.received;
    out.rport = typeof top.rport === "number" ? top.rport : undefined;
  }
}

/**
 * True when the CSeq value is `seq method` (RFC 3261 §20.16) with this number and method (§17.1.3). A plain value
 * (`digits SP method`) is compared in place; anything else is parsed by `parseCSeq`.
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

const SP = 0x20;
const HTAB = 0x09;
const SEMI = 0x3b;
const EQUAL = 0x3d;
const COLON = 0x3a;
const SLASH = 0x2f;

/** RFC 3261 §25.1 token characters. */
const TOKEN = new Uint8Array(128);
for (const ch of "-.!%*_+`'~") TOKEN[ch.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) {
  TOKEN[c] = 1;
  TOKEN[c + 0x20] = 1;
}

function isToken(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

/** The fast path of {@link readTopVia}; false when the value is not plain (nothing is decided then). */
function scanPlainVia(text: string, out: TopVia): boolean {
  const n = text.length;
  let i = 0;
  while (i < n && (text.charCodeAt(i) === SP || text.charCodeAt(i) === HTAB)) i++;
  // sent-protocol: token "/" token "/" token
  for (let k = 0; k < 3; k++) {
    const s = i;
    while (i < n && isToken(text.charCodeAt(i))) i++;
    if (i === s) return false;
    if (k < 2) {
      if (text.charCodeAt(i) !== SLASH) return false;
      i++;
    }
  }
  const gap = i;
  while (i < n && (text.charCodeAt(i) === SP || text.charCodeAt(i) === HTAB)) i++;
  if (i === gap) return false;
  // sent-by: host [":" port]
  const hostStart = i;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === COLON || c === SEMI || c === 0x2c || c === SP || c === HTAB || c === 0x5b || c < 0x21 || c === 0x22) {
      break;
    }
    i++;
  }
  if (i === hostStart || (i < n && text.charCodeAt(i) !== COLON && text.charCodeAt(i) !== SEMI)) return false;
  if (text.charCodeAt(i) === COLON) {
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
  }
  let branch: string | undefined;
  let received: string | undefined;
  let rport: number | undefined;
  let sawBranch = false;
  let sawReceived = false;
  let sawRport = false;
  // *( ";" token [ "=" value ] ), value without quotes or spaces; the value then ends the header value.
  while (i < n) {
    if (text.charCodeAt(i) !== SEMI) return false;
    i++;
    const nameStart = i;
    while (i < n && isToken(text.charCodeAt(i))) i++;
    const nameEnd = i;
    if (nameEnd === nameStart) return false;
    let valueStart = -1;
    if (i < n && text.charCodeAt(i) === EQUAL) {
      i++;
      valueStart = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === SEMI) break;
        if (c === SP || c === HTAB || c === 0x2c || c === 0x22 || c < 0x21) return false;
        i++;
      }
      if (i === valueStart) return false;
    }
    const len = nameEnd - nameStart;
    if (len === 6 && !sawBranch && nameIs(text, nameStart, "branch")) {
      sawBranch = true;
      if (valueStart >= 0) branch = text.slice(valueStart, i);
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
  return true;
}

/** Case-insensitive match of the parameter name at `from` against a lower-case name of the same length. */
function nameIs(text: string, from: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    if ((text.charCodeAt(from + k) | 0x20) !== lower.charCodeAt(k)) return false;
  }
  return true;
}
