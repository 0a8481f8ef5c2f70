import { DigestError } from "./digest-error.js";

/**
 * Refuses a value that could break out of its header: CR, LF or NUL (header injection, RFC 3261 §25.1 forbids them in
 * quoted-string). The message names the field, never the value (it may be a credential).
 */
export function assertHeaderSafe(field: string, value: string): void {
  // Three native scans are about twice as fast as a charCodeAt loop (this runs ~7 times per authenticated REGISTER).
  if (value.indexOf("\r") >= 0 || value.indexOf("\n") >= 0 || value.indexOf("\0") >= 0) {
    throw new DigestError("bad-input", `${field} contains CR, LF or NUL`);
  }
}
