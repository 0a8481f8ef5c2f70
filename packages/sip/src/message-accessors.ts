import { parseCSeq } from "./cseq.js";
import { headerParam } from "./header-params.js";
import { parseNameAddr } from "./name-addr.js";
import type { SipMessage } from "./sip-message.js";
import { type Via, parseVia } from "./via.js";

/** The first via-parm of the first Via field (the one a UAC put there, RFC 3261 §8.1.3.3). @throws SipParseError */
export function topVia(msg: SipMessage): Via | undefined {
  const v = msg.getHeader("via");
  return v === undefined ? undefined : parseVia(v)[0];
}

/** Every via-parm of the message in order (over all Via fields). @throws SipParseError */
export function allVias(msg: SipMessage): Via[] {
  return msg.getHeaders("via").flatMap(parseVia);
}

export function callId(msg: SipMessage): string | undefined {
  return msg.getHeader("call-id");
}

/** @throws SipParseError */
export function cseq(msg: SipMessage): { seq: number; method: string } | undefined {
  const v = msg.getHeader("cseq");
  return v === undefined ? undefined : parseCSeq(v);
}

/** The `tag` parameter of a From or To value (RFC 3261 §19.3). @throws SipParseError */
export function tag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = headerParam(parseNameAddr(value).params, "tag");
  return typeof t === "string" ? t : undefined;
}
