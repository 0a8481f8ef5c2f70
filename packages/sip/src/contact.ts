import { type NameAddr, parseNameAddrList } from "./name-addr.js";
import { trimLws } from "./sip-grammar.js";

/** Contact = ( STAR / ( contact-param *( COMMA contact-param ) ) ) (RFC 3261 §20.10). */
export interface ContactList {
  /** `Contact: *` was present (RFC 3261 §10.2.2: remove all bindings, only with Expires: 0). */
  readonly wildcard: boolean;
  readonly contacts: NameAddr[];
}

/** Parse every Contact header value of a message, in order. @throws SipParseError */
export function parseContacts(values: readonly string[]): ContactList {
  let wildcard = false;
  const contacts: NameAddr[] = [];
  for (const v of values) {
    if (trimLws(v) === "*") {
      wildcard = true;
      continue;
    }
    for (const c of parseNameAddrList(v)) contacts.push(c);
  }
  return { wildcard, contacts };
}
