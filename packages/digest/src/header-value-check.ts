import { DigestError } from "./digest-error.js";

/**
 * Refuses a value that could break out of its header: CR, LF or NUL (header injection, RFC 3261 §25.1 forbids them in
 * quoted-string). The message names the field, never the value (it may be a credential).
 */
export function assertHeaderSafe(field: string, value: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0x00) {
      throw new DigestError("bad-input", `${field} contains CR, LF or NUL`);
    }
  }
}
