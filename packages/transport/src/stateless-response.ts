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

/** Status and reason phrase for a request we did not send, or null when nothing must be answered. */
export function chooseAnswer(method: string): { status: number; reason: string } | null {
  if (method === "ACK") return null;
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
  const toValue = /;\s*tag\s*=/i.test(to.replace(/<[^>]*>/g, "").replace(/"[^"]*"/g, "")) ? to : `${to};tag=${toTag}`;
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
