/**
 * Our answers to requests that reach one of our sockets (RFC 3261 §8.2, stateless UAS behavior):
 * - OPTIONS → 200 OK (registrars ping the contacts they hold, OpenSIPS issue #3199);
 * - a method defined by an RFC that we do not accept → 405 Method Not Allowed with `Allow: OPTIONS` (§8.2.1, §21.4.6);
 * - a method we do not recognize → 501 Not Implemented (§21.5.2);
 * - ACK → nothing (§17.2.1: ACK is never answered).
 */

/** The view of a request the responder needs (matches `SipRequest` of @uacreg/sip). */
export interface RequestView {
  readonly method: string;
  getHeaders(name: string): readonly string[];
}

/** Methods registered by RFCs that a UA may receive; anything else is "not recognized" → 501. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  "INVITE",
  "ACK",
  "BYE",
  "CANCEL",
  "OPTIONS",
  "REGISTER",
  "PRACK",
  "SUBSCRIBE",
  "NOTIFY",
  "PUBLISH",
  "INFO",
  "REFER",
  "MESSAGE",
  "UPDATE",
]);

/**
 * Status and reason phrase for a request we did not send, or null when nothing must be answered. With the start
 * line's `version` and the CSeq value: another SIP version → 505 (RFC 3261 §21.5.6, RFC 4475 §3.3.15
 * badvers); a CSeq method that differs from the request method → 400 (§8.1.1.5, RFC 4475 §3.3.3 mismatch01).
 */
export function chooseAnswer(
  method: string,
  version = "SIP/2.0",
  cseq?: string,
): { status: number; reason: string } | null {
  if (method === "ACK") return null;
  if (version !== "SIP/2.0") return { status: 505, reason: "Version Not Supported" };
  if (cseq !== undefined && cseqMethod(cseq) !== method) return { status: 400, reason: "CSeq Method Mismatch" };
  if (method === "OPTIONS") return { status: 200, reason: "OK" };
  if (KNOWN_METHODS.has(method)) return { status: 405, reason: "Method Not Allowed (registration client only)" };
  return { status: 501, reason: "Not Implemented" };
}

/**
 * Builds the response bytes, copying Via (all of them, in order), From, To, Call-ID and CSeq (§8.2.6.2). The top
 * Via gets `received=` and the `rport` value (RFC 3581 §4) so the peer sees where it came from; To gets our tag
 * when it had none. Returns null when a mandatory header is missing (the message is dropped, never answered).
 */
export function buildStatelessResponse(
  req: RequestView,
  status: number,
  reason: string,
  source: { address: string; port: number },
  toTag: string,
  serverHeader?: string,
): string | null {
  const vias = req.getHeaders("Via");
  const from = req.getHeaders("From")[0];
  const to = req.getHeaders("To")[0];
  const callId = req.getHeaders("Call-ID")[0];
  const cseq = req.getHeaders("CSeq")[0];
  if (vias.length === 0 || from === undefined || to === undefined || callId === undefined || cseq === undefined) {
    return null;
  }
  let out = `SIP/2.0 ${status} ${reason}\r\n`;
  for (let i = 0; i < vias.length; i++) {
    out += `Via: ${i === 0 ? stampTopVia(vias[0]!, source) : vias[i]}\r\n`;
  }
  const toValue = hasTagParam(to) ? to : `${to};tag=${toTag}`;
  out += `From: ${from}\r\nTo: ${toValue}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\n`;
  if (status === 200 || status === 405) out += "Allow: OPTIONS\r\n";
  if (serverHeader !== undefined) out += `Server: ${serverHeader}\r\n`;
  out += "Content-Length: 0\r\n\r\n";
  return out;
}

/**
 * Adds `;received=<source ip>` and fills an empty `;rport` with the source port on the first via-parm of the
 * header value (RFC 3581 §4, RFC 3261 §18.2.1).
 */
export function stampTopVia(value: string, source: { address: string; port: number }): string {
  const comma = value.indexOf(",");
  const first = comma >= 0 ? value.slice(0, comma) : value;
  const rest = comma >= 0 ? value.slice(comma) : "";
  let stamped = first.trimEnd().replace(/;\s*rport(?=\s*(;|$))/i, `;rport=${source.port}`);
  if (!/;\s*received\s*=/i.test(stamped)) stamped += `;received=${source.address}`;
  return stamped + rest;
}

/**
 * Whether a To/From value carries a `tag` header parameter (RFC 3261 §19.3): a `;tag=` outside `<…>` and outside
 * quoted strings. One left-to-right pass (the header comes from the network: a regex such as `<[^>]*>` is quadratic
 * on a value of many unmatched `<`). An unmatched `<` or `"` is ordinary text, as before.
 */
export function hasTagParam(value: string): boolean {
  const n = value.length;
  const lastClose = value.lastIndexOf(">");
  // Pass 1: drop every `<…>` (an `<` after the last `>` has no match and stays).
  let outside = "";
  let run = 0;
  for (let i = 0; i < n; i++) {
    if (value.charCodeAt(i) === 0x3c && i < lastClose) {
      outside += value.slice(run, i);
      i = value.indexOf(">", i + 1);
      run = i + 1;
    }
  }
  outside += value.slice(run);
  // Pass 2: drop every `"…"` pair (a lone `"` stays).
  const m = outside.length;
  const lastQuote = outside.lastIndexOf('"');
  let bare = "";
  run = 0;
  for (let i = 0; i < m; i++) {
    if (outside.charCodeAt(i) === 0x22 && i < lastQuote) {
      bare += outside.slice(run, i);
      i = outside.indexOf('"', i + 1);
      run = i + 1;
    }
  }
  bare += outside.slice(run);
  // Pass 3: `;` LWS* `tag` LWS* `=`; each `;` looks only at the blanks that follow it, so the pass stays linear.
  for (let i = 0; i < bare.length; i++) if (bare.charCodeAt(i) === 0x3b && tagEqualsAt(bare, i + 1)) return true;
  return false;
}

/** `LWS* "tag" LWS* "="` at `from` (case-insensitive), with LWS as `\s` of the former regex. */
function tagEqualsAt(text: string, from: number): boolean {
  let i = from;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  if (text.slice(i, i + 3).toLowerCase() !== "tag") return false;
  i += 3;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return text.charCodeAt(i) === 0x3d;
}

const ONE_SPACE = /^\s$/;

/** `\s` of ECMAScript for one character (a one-character test: no backtracking). */
function isSpace(c: number): boolean {
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
  return c > 0x7f && ONE_SPACE.test(String.fromCharCode(c));
}

/** The method of a CSeq value (`1*DIGIT LWS Method`, RFC 3261 §20.16), or "" when the value has none. */
function cseqMethod(cseq: string): string {
  let i = 0;
  const n = cseq.length;
  while (i < n && isSpace(cseq.charCodeAt(i))) i++;
  while (i < n && cseq.charCodeAt(i) >= 0x30 && cseq.charCodeAt(i) <= 0x39) i++;
  while (i < n && isSpace(cseq.charCodeAt(i))) i++;
  let end = n;
  while (end > i && isSpace(cseq.charCodeAt(end - 1))) end--;
  return cseq.slice(i, end);
}
