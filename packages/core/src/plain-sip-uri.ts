import { isHostChar } from "@uacreg/sip";
import { nameProblemAt } from "./uri-host.js";

/**
 * Whether `text` is a SIP URI of the plain shape nearly every row has, `sip:` or `sips:`, an optional user of
 * letters, digits and `-_.!~*'()+`, a host name or IPv4 address and an optional port, nothing else, and is valid as
 * a row's URI column (a well-formed host, a port 1..65535, no user part where `user` is "no user"). Decided by one
 * scan, without building the parsed URI (an object and two Maps): rows are validated a million at a time at start-up.
 *
 * Only ever says yes for text @uacreg/sip's parseUri accepts with that user, host and port (a test compares the two
 * over generated text); false means "not known valid": the caller runs the full parse, which also names the problem.
 */
export function isPlainValidSipUri(text: string, user: "no user" | "user allowed"): boolean {
  let i: number;
  if (text.startsWith("sip:")) i = 4;
  else if (text.startsWith("sips:")) i = 5;
  else return false;
  const n = text.length;
  const at = text.indexOf("@", i);
  if (at >= 0) {
    if (user === "no user" || at === i) return false;
    for (; i < at; i++) if (!isPlainUserChar(text.charCodeAt(i))) return false;
    i = at + 1;
  }
  const hostStart = i;
  while (i < n && isHostChar(text.charCodeAt(i))) i++;
  if (i === hostStart || nameProblemAt(text, hostStart, i) !== undefined) return false;
  if (i === n) return true;
  if (text.charCodeAt(i) !== 0x3a) return false;
  const portStart = ++i;
  let port = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
    port = port * 10 + (c - 0x30);
  }
  return i - portStart >= 1 && i - portStart <= 5 && port >= 1 && port <= 65535;
}

/** RFC 3261 §25.1 `unreserved` and `+` (of `user-unreserved`): the user characters that need no escaping. */
function isPlainUserChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2d ||
    c === 0x5f ||
    c === 0x2e ||
    c === 0x21 ||
    c === 0x7e ||
    c === 0x2a ||
    c === 0x27 ||
    c === 0x28 ||
    c === 0x29 ||
    c === 0x2b
  );
}
