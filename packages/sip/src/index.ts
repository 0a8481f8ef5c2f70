/**
 * @uacreg/sip — a pure SIP message codec (RFC 3261 §7, §19.1, §20, §25; RFC 3581; RFC 5626/5627 parameters).
 * No sockets, no timers, no clock.
 */
export { SipParseError } from "./sip-parse-error.js";
export { SipBuildError } from "./sip-build-error.js";
export type { HeaderField } from "./header-index.js";
export { headerKey } from "./header-name.js";
export {
  SipMessage,
  type SipMessageInit,
  SipRequest,
  type SipRequestInit,
  SipResponse,
  type SipResponseInit,
} from "./sip-message.js";
export { parseMessage } from "./message-parser.js";
export { serializeMessage } from "./message-serializer.js";
export { SipStreamParser, type SipStreamParserOptions } from "./stream-parser.js";
export { isHostChar, isSipUri, type OpaqueUri, parseUri, type SipUri } from "./sip-uri.js";
export { uriEquals } from "./uri-comparison.js";
export { type NameAddr, parseNameAddr, parseNameAddrList } from "./name-addr.js";
export { headerParam, unquote } from "./header-params.js";
export { parseVia, type Via } from "./via.js";
export {
  readTopVia,
  readTopViaOf,
  type TopViaFields,
  type TopViaSpots,
  topViaBranch,
  topViaSentByIs,
  topViaSpots,
} from "./top-via-fields.js";
export { parseCSeq } from "./cseq.js";
export { cseqHeaderIs, cseqIs } from "./cseq-match.js";
export { type ContactList, parseContacts } from "./contact.js";
export { echoedContactExpires } from "./contact-echo.js";
export { formatHostPort, HostPortError, type HostPortParts, splitHostPort } from "./host-port.js";
export { parseDeltaSeconds } from "./delta-seconds.js";
export { parseRetryAfter, type RetryAfter } from "./retry-after.js";
export { allVias, callId, cseq, tag, topVia } from "./message-accessors.js";
