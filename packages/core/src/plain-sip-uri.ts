import { isHostChar } from "@uacreg/sip";
import { isValidNameAt } from "./uri-host.js";

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
  // `sip:` or `sips:`, compared by code (a builtin call per URI cost more than the scan after it).
  const n = text.length;
  if (n < 5 || text.charCodeAt(0) !== 0x73 || text.charCodeAt(1) !== 0x69 || text.charCodeAt(2) !== 0x70) return false;
  let i: number;
  const c3 = text.charCodeAt(3);
  if (c3 === 0x3a) i = 4;
  else if (c3 === 0x73 && text.charCodeAt(4) === 0x3a) i = 5;
  else return false;
  // One scan over the user characters: it stops at the "@" of a user part, else at the end of the host (host
  // characters are user characters too); `hostOnly` tells whether a host scan would have stopped earlier.
  const start = i;
  let hostOnly = true;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    const k = c < 0x80 ? (CHAR_CLASS[c] as number) : 0;
    if ((k & USER) === 0) break;
    if ((k & HOST) === 0) hostOnly = false;
  }
  let hostStart = start;
  if (i < n && text.charCodeAt(i) === 0x40) {
    if (user === "no user" || i === start) return false;
    hostStart = ++i;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80 || ((CHAR_CLASS[c] as number) & HOST) === 0) break;
    }
  } else if (!hostOnly) return false;
  // (No "@" before the host: one after it is not a port digit, so the text is refused below.)
  if (i === hostStart || !isValidNameAt(text, hostStart, i)) return false;
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
const USER = 1;
/** @uacreg/sip's `isHostChar`: letters, digits, "-", "." and "_" (a subset of {@link USER}). */
const HOST = 2;

/** The class bits of each ASCII code (one load per character instead of a chain of comparisons). */
const CHAR_CLASS = (() => {
  const table = new Uint8Array(0x80);
  for (let c = 0; c < 0x80; c++) {
    if (isHostChar(c)) table[c] = USER | HOST;
    else if ("!~*'()+".includes(String.fromCharCode(c))) table[c] = USER;
  }
  return table;
})();
