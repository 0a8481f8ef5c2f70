import {
  parseContacts,
  parseCSeq,
  parseMessage,
  parseNameAddr,
  parseNameAddrList,
  parseRetryAfter,
  parseUri,
  parseVia,
  readTopVia,
} from "../index.js";

/**
 * Every parse function of the codec that sees network input, each wrapping an adversarial value in the place the
 * network puts it (issue 10 item 1; used by linear-parsing.test.ts and linear-work.test.ts).
 */
export const NETWORK_PARSERS: Record<string, (value: string) => unknown> = {
  parseUri: (v) => parseUri(`sip:h${v}`),
  parseNameAddr: (v) => parseNameAddr(v),
  parseNameAddrList: (v) => parseNameAddrList(v),
  parseContacts: (v) => parseContacts([v]),
  parseVia: (v) => parseVia(`SIP/2.0/UDP h${v}`),
  readTopVia: (v) => readTopVia(`SIP/2.0/UDP h${v}`, { branch: undefined, received: undefined, rport: undefined }),
  parseCSeq: (v) => parseCSeq(`1 ${v}`),
  parseRetryAfter: (v) => parseRetryAfter(`5 ${v}`),
  parseMessage: (v) =>
    parseMessage(
      `OPTIONS sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nTo: ${v}\r\nContent-Length: 0\r\n\r\n`,
    ),
};
