import { scanParams } from "./header-params.js";
import { isDigit, isLws, isTokenChar, skipLws } from "./sip-grammar.js";
import { SipParseError } from "./sip-parse-error.js";

/**
 * One via-parm (RFC 3261 §20.42, §25.1): sent-protocol, sent-by and parameters, with `received` (§18.2.1) and
 * `rport` (RFC 3581 §4: `true` when present without a value).
 */
export interface Via {
  /** `SIP/2.0/UDP` (whitespace removed, transport upper-cased). */
  readonly protocol: string;
  /** `UDP`, `TCP`, `TLS`, `SCTP`, `WS` … upper-cased. */
  readonly transport: string;
  readonly host: string;
  readonly port?: number;
  readonly branch?: string;
  readonly rport?: number | true;
  readonly received?: string;
  readonly params: ReadonlyMap<string, string | null>;
}

/** Every via-parm of one Via header value, in order. @throws SipParseError */
export function parseVia(value: string): Via[] {
  const out: Via[] = [];
  const n = value.length;
  let i = 0;
  for (;;) {
    const r = scanVia(value, i, n);
    out.push(r.via);
    if (r.end >= n) return out;
    i = r.end + 1; // after the comma
  }
}

function scanVia(text: string, from: number, end: number): { via: Via; end: number } {
  let i = skipLws(text, from, end);
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport, LWS allowed around "/"
  const parts: string[] = [];
  for (let k = 0; k < 3; k++) {
    const s = i;
    while (i < end && isTokenChar(text.charCodeAt(i))) i++;
    if (i === s) throw new SipParseError("bad sent-protocol", text, i);
    parts.push(text.slice(s, i));
    i = skipLws(text, i, end);
    if (k < 2) {
      if (text.charCodeAt(i) !== 0x2f) throw new SipParseError("expected '/' in sent-protocol", text, i);
      i = skipLws(text, i + 1, end);
    }
  }
  const transport = parts[2]!.toUpperCase();
  const protocol = `${parts[0]!.toUpperCase()}/${parts[1]}/${transport}`;
  // sent-by = host [ COLON port ]
  const hostStart = i;
  if (text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf("]", i);
    if (close < 0 || close >= end) throw new SipParseError("unterminated IPv6 reference", text, i);
    i = close + 1;
  } else {
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === 0x3a || c === 0x3b || c === 0x2c || isLws(c)) break;
      i++;
    }
  }
  if (i === hostStart) throw new SipParseError("empty sent-by host", text, i);
  const host = text.slice(hostStart, i);
  let port: number | undefined;
  const afterHost = skipLws(text, i, end);
  if (text.charCodeAt(afterHost) === 0x3a) {
    i = skipLws(text, afterHost + 1, end);
    port = readPort(text, i, end);
    while (i < end && isDigit(text.charCodeAt(i))) i++;
  }
  const scan = scanParams(text, i, end, true);
  const params = scan.params;
  const via: { -readonly [K in keyof Via]: Via[K] } = { protocol, transport, host, params };
  if (port !== undefined) via.port = port;
  const branch = params.get("branch");
  if (typeof branch === "string") via.branch = branch;
  const received = params.get("received");
  if (typeof received === "string") via.received = received;
  if (params.has("rport")) {
    const r = params.get("rport");
    if (r === null || r === undefined) via.rport = true;
    else via.rport = readPort(r, 0, r.length, true);
  }
  return { via, end: scan.end };
}

function readPort(text: string, from: number, end: number, whole = false): number {
  let i = from;
  let p = 0;
  while (i < end && isDigit(text.charCodeAt(i)) && i - from < 6) {
    p = p * 10 + (text.charCodeAt(i) - 0x30);
    i++;
  }
  if (i === from || p > 65535 || (whole && i !== end) || (i < end && isDigit(text.charCodeAt(i)))) {
    throw new SipParseError("bad port", text, from);
  }
  return p;
}
